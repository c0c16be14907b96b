/** Port helpers for the run command: "use this port if it is free, else a free one, and say so". */
import net from 'node:net';
import { freePort } from './temporal-dev-server.js';

/**
 * True when nothing listens on `port` on any local address. Binding without a host binds the
 * wildcard address, which fails when another process holds the port on 127.0.0.1, 0.0.0.0 or ::.
 */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen({ port, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

export interface PortChoice {
  /** What the port is for, for messages, e.g. "Temporal frontend". */
  label: string;
  /** Environment variable that may name the port, e.g. "JE_TEMPORAL_PORT". */
  envVar: string;
  defaultPort: number;
  /** Treat the value 0 of the variable as "any free port" (default true). */
  zeroMeansAny?: boolean;
}

/**
 * Picks the port for one service:
 * - the variable is set: that port, and an error if it is busy (the user asked for it);
 * - otherwise the default port, or a free port (with a message) when the default is busy.
 */
export async function choosePort(
  choice: PortChoice,
  env: Record<string, string | undefined>,
  log: (message: string) => void,
): Promise<number> {
  const raw = env[choice.envVar];
  if (raw !== undefined && raw !== '') {
    const port = Number(raw);
    if (!Number.isInteger(port) || port < 0 || port > 65_535) {
      throw new Error(`${choice.envVar}: must be a port number from 1 to 65535, got "${raw}"`);
    }
    if (port === 0 && (choice.zeroMeansAny ?? true)) {
      const picked = await freePort();
      log(`${choice.label}: ${choice.envVar}=0, using free port ${picked}`);
      return picked;
    }
    if (!(await isPortFree(port))) {
      throw new Error(
        `${choice.label}: port ${port} (from ${choice.envVar}) is already in use. ` +
          `Stop whatever listens there, or unset ${choice.envVar} to let start pick a free port.`,
      );
    }
    return port;
  }
  if (await isPortFree(choice.defaultPort)) return choice.defaultPort;
  const picked = await freePort();
  log(
    `${choice.label}: default port ${choice.defaultPort} is busy (another instance running?), ` +
      `using free port ${picked} instead (set ${choice.envVar} to choose one)`,
  );
  return picked;
}
