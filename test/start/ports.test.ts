/**
 * Ports for `npm start`: a Temporal dev server whose Web UI port is taken between picking and
 * binding starts again on new ports, unless the user pinned the port. Runs the real dev server.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import { portClash, portPinned, startOnPorts } from '../../scripts/lib/ports.js';
import { type DevServer, freePort, startDevServer } from '../../scripts/lib/temporal-dev-server.js';

const servers: DevServer[] = [];
const holders: net.Server[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
  await Promise.all(holders.splice(0).map((h) => new Promise((r) => h.close(r))));
});

/** Listens on a free port of 127.0.0.1, as another program would, and returns the port. */
async function holdPort(): Promise<number> {
  const holder = net.createServer();
  holders.push(holder);
  await new Promise<void>((resolve, reject) => {
    holder.once('error', reject);
    holder.listen(0, '127.0.0.1', () => resolve());
  });
  return (holder.address() as net.AddressInfo).port;
}

const devServerOn = async ([port, uiPort]: number[]): Promise<DevServer> => {
  const server = await startDevServer({ port, uiPort, ui: true });
  servers.push(server);
  return server;
};

describe('startOnPorts', () => {
  it('starts the dev server again on new ports when its Web UI port was taken', async () => {
    const taken = await holdPort();
    const retries: { detail: string; ports: number[]; attempt: number }[] = [];
    const server = await startOnPorts([await freePort(), taken], devServerOn, {
      pinned: [false, false],
      onRetry: (detail, ports, attempt) => retries.push({ detail, ports, attempt }),
    });
    expect(retries).toHaveLength(1);
    expect(retries[0].detail).toBe(`127.0.0.1:${taken} already in use`);
    expect(retries[0].attempt).toBe(2);
    expect(server.uiPort).toBe(retries[0].ports[1]);
    expect(server.uiPort).not.toBe(taken);
    expect((await fetch(`http://127.0.0.1:${server.uiPort}/`)).status).toBe(200);
  }, 120_000);

  it('fails at once when the taken port is one the user pinned', async () => {
    const taken = await holdPort();
    let retried = 0;
    const failure = startOnPorts([await freePort(), taken], devServerOn, { pinned: [false, true], onRetry: () => (retried += 1) });
    await expect(failure).rejects.toThrow(`listen tcp 127.0.0.1:${taken}: bind: address already in use`);
    expect(retried).toBe(0);
  }, 120_000);

  it('does not retry other failures, and gives up after the last attempt', async () => {
    let calls = 0;
    await expect(
      startOnPorts([1, 2], async () => {
        calls += 1;
        throw new Error('boom');
      }, { pinned: [false, false] }),
    ).rejects.toThrow('boom');
    expect(calls).toBe(1);

    calls = 0;
    await expect(
      startOnPorts([1, 2], async () => {
        calls += 1;
        throw new Error('listen tcp 127.0.0.1:2: bind: address already in use');
      }, { pinned: [false, false], attempts: 3 }),
    ).rejects.toThrow('address already in use');
    expect(calls).toBe(3);
  });
});

describe('portPinned and portClash', () => {
  const choice = { label: 'API', envVar: 'PORT', defaultPort: 3000 };
  it('counts a named, non-zero port as pinned', () => {
    expect(portPinned(choice, { PORT: '4000' })).toBe(true);
    expect(portPinned(choice, { PORT: '0' })).toBe(false);
    expect(portPinned(choice, { PORT: '' })).toBe(false);
    expect(portPinned(choice, {})).toBe(false);
    expect(portPinned({ ...choice, zeroMeansAny: false }, { PORT: '0' })).toBe(true);
  });
  it('recognises Go and Node port clashes only, with the port when the message names it', () => {
    expect(portClash(new Error('listen tcp 127.0.0.1:8233: bind: address already in use'))).toEqual({ detail: '127.0.0.1:8233 already in use', port: 8233 });
    expect(portClash(new Error('listen EADDRINUSE: address already in use 127.0.0.1:3000'))).toEqual({ detail: 'address already in use' });
    expect(portClash(new Error('connection refused'))).toBeNull();
  });
});
