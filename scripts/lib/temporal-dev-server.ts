/**
 * Runs `temporal server start-dev` (a complete single-process Temporal server backed by SQLite)
 * as a child process. Shared by the test harness (test/support) and the run-the-system script.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import { Connection } from '@temporalio/client';
import { devServerSearchAttributeArgs } from '../../core/run-search-attributes.js';
import { findTemporalBinaries } from './temporal-binaries.mjs';

export interface DevServerOptions {
  /** SQLite file for persistent state; omitted = in-memory (state is lost on stop/kill/restart). */
  dbFile?: string;
  /** gRPC port; omitted = a free port. */
  port?: number;
  /** Web UI port. Setting it enables the UI; omitted = headless unless `ui: true` (then a free port). */
  uiPort?: number;
  /** Port of the server's Prometheus `/metrics` endpoint (on 127.0.0.1); omitted = the CLI's default (a random port). */
  metricsPort?: number;
  /** Serve the Web UI. Defaults to true when `uiPort` is given, false otherwise. */
  ui?: boolean;
  /** Copy the server's output to this process's stderr. Default false (it is still kept for errors). */
  log?: boolean;
  /** Path of the `temporal` CLI; default: TEMPORAL_CLI_PATH or findTemporalBinaries(). */
  cliPath?: string;
  /** Namespaces to create besides `default`. */
  namespaces?: string[];
  /**
   * Register the journey runs' search attributes (CustomerId, JourneyId, JourneyVersion) on every
   * namespace the server creates. Default true: a journey run cannot start without them.
   */
  runSearchAttributes?: boolean;
  /** Extra arguments for `temporal server start-dev`, e.g. ['--dynamic-config-value', 'K=V']. */
  extraArgs?: string[];
  /** How long to wait for the server to accept calls on the `default` namespace. Default 60 s. */
  readyTimeoutMs?: number;
  /**
   * Run the server in its own process group, so that a Ctrl-C in the terminal reaches only the
   * parent, which then stops things in its own order. Default false.
   */
  detached?: boolean;
  /** Called whenever the server process exits (including stop/kill/restart), e.g. "code 1". */
  onExit?: (info: string) => void;
}

export interface DevServer {
  /** host:port of the frontend gRPC service, e.g. "127.0.0.1:7233". */
  address: string;
  port: number;
  /** Web UI port; 0 when the server runs headless. */
  uiPort: number;
  /** Port of `/metrics` when `metricsPort` was given, else 0 (unknown). */
  metricsPort: number;
  /** Graceful stop (SIGTERM, SIGKILL after 10 s). Idempotent. */
  stop(): Promise<void>;
  /** Hard crash: SIGKILL, as if the machine died. */
  kill(): Promise<void>;
  /** Stops (if running) and starts again on the same port and database file. */
  restart(): Promise<void>;
}

/** Returns a port that was free a moment ago (bind to port 0, read it back, release it). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('could not allocate a free port'))));
    });
  });
}

function portAnswers(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Keeps the last `max` lines written to a stream. */
class TailBuffer {
  private lines: string[] = [];
  private partial = '';
  constructor(private readonly max = 60) {}
  push(chunk: string): void {
    const parts = (this.partial + chunk).split(/\r?\n/);
    this.partial = parts.pop() ?? '';
    this.lines.push(...parts);
    if (this.lines.length > this.max) this.lines.splice(0, this.lines.length - this.max);
  }
  text(): string {
    return [...this.lines, this.partial].filter((l) => l.length > 0).join('\n');
  }
}

const HOST = '127.0.0.1';

export async function startDevServer(opts: DevServerOptions = {}): Promise<DevServer> {
  const cli = opts.cliPath ?? process.env.TEMPORAL_CLI_PATH ?? (await findTemporalBinaries()).cli;
  const port = opts.port ?? (await freePort(HOST));
  const ui = opts.ui ?? opts.uiPort !== undefined;
  const uiPort = ui ? (opts.uiPort ?? (await freePort(HOST))) : 0;
  const address = `${HOST}:${port}`;
  const readyTimeoutMs = opts.readyTimeoutMs ?? 60_000;

  const args = ['server', 'start-dev', '--ip', HOST, '--port', String(port), '--log-level', 'warn'];
  if (ui) args.push('--ui-port', String(uiPort), '--ui-disable-news-fetch');
  else args.push('--headless');
  if (opts.dbFile) args.push('--db-filename', opts.dbFile);
  if (opts.metricsPort !== undefined) args.push('--metrics-port', String(opts.metricsPort));
  for (const ns of opts.namespaces ?? []) args.push('--namespace', ns);
  if (opts.runSearchAttributes !== false) args.push(...devServerSearchAttributeArgs());
  args.push(...(opts.extraArgs ?? []));

  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let output = new TailBuffer();

  const killOnExit = () => {
    // Last resort if the parent dies without calling stop(): never leave a server behind.
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };

  const launch = async (): Promise<void> => {
    output = new TailBuffer();
    const proc = spawn(cli, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: opts.detached ?? false });
    child = proc;
    let exitInfo: string | undefined;
    exited = new Promise<void>((resolve) => {
      proc.once('exit', (code, signal) => {
        exitInfo = signal ? `signal ${signal}` : `code ${code}`;
        resolve();
        opts.onExit?.(exitInfo);
      });
      proc.once('error', (err) => {
        exitInfo = `spawn error: ${err.message}`;
        resolve();
      });
    });
    for (const stream of [proc.stdout, proc.stderr]) {
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        output.push(chunk);
        if (opts.log) process.stderr.write(chunk.replace(/^(?=.)/gm, '[temporal] '));
      });
    }
    process.once('exit', killOnExit);

    const deadline = Date.now() + readyTimeoutMs;
    let lastError = 'gRPC port not open yet';
    while (Date.now() < deadline) {
      if (exitInfo) {
        throw new Error(
          `temporal dev server exited during start-up (${exitInfo}).\n` +
            `command: ${cli} ${args.join(' ')}\noutput tail:\n${output.text() || '(none)'}`,
        );
      }
      if (await portAnswers(HOST, port)) {
        let connection: Connection | undefined;
        try {
          connection = await Connection.connect({ address, connectTimeout: 2_000 });
          await connection.workflowService.describeNamespace({ namespace: 'default' });
          return;
        } catch (err) {
          lastError = err instanceof Error ? err.message : String(err);
        } finally {
          await connection?.close().catch(() => undefined);
        }
      }
      await sleep(250);
    }
    proc.kill('SIGKILL');
    await exited;
    throw new Error(
      `temporal dev server did not become ready on ${address} within ${readyTimeoutMs / 1000} s ` +
        `(last error: ${lastError}).\ncommand: ${cli} ${args.join(' ')}\noutput tail:\n${output.text() || '(none)'}`,
    );
  };

  const terminate = async (signal: NodeJS.Signals): Promise<void> => {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill(signal);
    if (signal !== 'SIGKILL') {
      const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    } else {
      await exited;
    }
    process.removeListener('exit', killOnExit);
  };

  await launch();
  return {
    address,
    port,
    uiPort,
    metricsPort: opts.metricsPort ?? 0,
    stop: () => terminate('SIGTERM'),
    kill: () => terminate('SIGKILL'),
    restart: async () => {
      await terminate('SIGTERM');
      await launch();
    },
  };
}
