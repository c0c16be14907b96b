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

/** True when the user named the port (a non-empty, non-zero value of the variable). */
export function portPinned(choice: PortChoice, env: Record<string, string | undefined>): boolean {
  const raw = env[choice.envVar];
  return raw !== undefined && raw !== '' && !(Number(raw) === 0 && (choice.zeroMeansAny ?? true));
}

const PORT_CLASH = /listen tcp ([^\s:]*:(\d+)): bind: address already in use|address already in use|EADDRINUSE/i;

/**
 * When a server's start-up failed because a port it was told to use was taken: what to say
 * ("127.0.0.1:33703 already in use" from Go's message, else the bare reason) and the port, when
 * the message names it. Null for any other failure.
 */
export function portClash(err: unknown): { detail: string; port?: number } | null {
  const match = PORT_CLASH.exec(err instanceof Error ? err.message : String(err));
  if (!match) return null;
  return match[1] ? { detail: `${match[1]} already in use`, port: Number(match[2]) } : { detail: 'address already in use' };
}

export interface PortRetryOptions {
  /** Starts tried in all (default 3). */
  attempts?: number;
  /** Which of the ports the user pinned: those are never changed, and a clash on them fails at once. */
  pinned: boolean[];
  /** Told before each new try, with the ports it will use. */
  onRetry?: (detail: string, ports: number[], attempt: number) => void;
}

/**
 * Runs `start(ports)`, and when it fails because a port was taken between picking and binding
 * (a server that binds some ports seconds after starting loses that race now and then), picks
 * the ports the user did not pin again and tries once more.
 */
export async function startOnPorts<T>(ports: number[], start: (ports: number[]) => Promise<T>, opts: PortRetryOptions): Promise<T> {
  const attempts = opts.attempts ?? 3;
  let current = [...ports];
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await start(current);
    } catch (err) {
      const clash = portClash(err);
      const pinnedClash = current.some((port, i) => port === clash?.port && opts.pinned[i]);
      const movable = current.some((_, i) => !opts.pinned[i]);
      if (!clash || attempt >= attempts || !movable || pinnedClash) throw err;
      current = await Promise.all(current.map((port, i) => (opts.pinned[i] ? port : freePort())));
      opts.onRetry?.(clash.detail, current, attempt + 1);
    }
  }
}
