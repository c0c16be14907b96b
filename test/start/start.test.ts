/**
 * `npm start` end to end: runs the real command (the same entry as `npm start`, minus
 * scripts/setup.mjs, which global setup has effectively done) twice on one temporary data folder,
 * with embedded PostgreSQL and a Temporal dev server on random free ports, and
 * JE_START_EXIT_AFTER_READY=1 so that each run stops right after printing its ready block.
 *
 * Needs the API (api/main.ts). Until it exists the test is skipped, unless JE_START_API_ENTRY points
 * at a stand-in API (a compiled entry that serves GET /health), which start.ts then runs instead.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { startPersistentPostgres } from '../../scripts/lib/persistent-postgres.js';
import { PROJECT_ROOT } from '../../scripts/lib/temporal-binaries.mjs';
import { freePort } from '../../scripts/lib/temporal-dev-server.js';
import { launchStart, until } from '../support/start-process.js';

const apiAvailable = fs.existsSync(path.join(PROJECT_ROOT, 'api/main.ts')) || !!process.env.JE_START_API_ENTRY;

interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

/** `node --import @swc-node/register/esm-register scripts/start.ts`, as in package.json's start script. */
function runStart(env: NodeJS.ProcessEnv, timeoutMs: number): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', '@swc-node/register/esm-register', 'scripts/start.ts'], {
      cwd: PROJECT_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (output += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (output += c));
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 20_000).unref();
    }, timeoutMs);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, output });
    });
  });
}

/** The port a line of the start command's output names (the first match of `pattern`'s group). */
function announcedPort(output: string, pattern: RegExp): number {
  const match = pattern.exec(output);
  if (!match) throw new Error(`the output names no port matching ${pattern}`);
  return Number(match[1]);
}

/** Shows the command's output when an assertion about it fails. */
function expectOutput(result: RunResult, check: () => void): void {
  try {
    check();
  } catch (err) {
    (err as Error).message += `\n\n--- output of the start command (exit ${result.code ?? result.signal}) ---\n${result.output}`;
    throw err;
  }
}


/** The admin key `npm start` made in the data folder, sent by {@link http}. */
let adminKey = '';

async function http(method: string, url: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${adminKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe('npm start (scripts/start.ts)', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'je-start-test-'));
  // As root PostgreSQL runs as the `postgres` user, which must be able to enter the data folder.
  fs.chmodSync(dataDir, 0o755);

  afterAll(() => {
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  (apiAvailable ? it : it.skip)(
    'starts everything, prints the ready block, exits 0, and reuses the data folder on the next start',
    async () => {
      // Port 0 everywhere: start picks each port right before its service binds it (and picks the
      // Temporal ports again if one is taken meanwhile), so tests running beside this one cannot take them.
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        JE_START_EXIT_AFTER_READY: '1',
        JE_DATA_DIR: dataDir,
        PORT: '0',
        JE_TEMPORAL_PORT: '0',
        JE_TEMPORAL_UI_PORT: '0',
        JE_EMBEDDED_PG_PORT: '0',
      };
      // Exercise the embedded services, whatever the environment of the test run says.
      delete env.DATABASE_URL;
      delete env.TEMPORAL_ADDRESS;

      // First start: initialises PostgreSQL and Temporal state, applies the migrations.
      const first = await runStart(env, 100_000);
      expectOutput(first, () => {
        expect(first.output).toContain('Journey Engine is ready');
        // The ready block points at the ports the services came up on.
        const pgPort = announcedPort(first.output, /PostgreSQL is up on 127\.0\.0\.1:(\d+)/);
        const temporalPort = announcedPort(first.output, /Temporal is up at 127\.0\.0\.1:(\d+)/);
        const apiPort = announcedPort(first.output, /API is healthy \(http:\/\/127\.0\.0\.1:(\d+)\/health\)/);
        expect(first.output).toContain(`Health:          http://127.0.0.1:${apiPort}/health`);
        expect(first.output).toMatch(/Temporal Web UI: http:\/\/127\.0\.0\.1:\d+\n/);
        expect(first.output).toContain(`Temporal:        127.0.0.1:${temporalPort} (namespace`);
        expect(first.output).toContain(`127.0.0.1:${pgPort}/journey_engine`);
        expect(first.output).toContain('initialising a new PostgreSQL cluster');
        expect(first.output).toContain('created database journey_engine');
        expect(first.output).toMatch(/migrate: applied /);
        expect(first.output).toContain('start: all stopped');
        expect(first.code).toBe(0);
      });
      expect(fs.existsSync(path.join(dataDir, 'postgres', 'PG_VERSION'))).toBe(true);
      expect(fs.existsSync(path.join(dataDir, 'temporal.db'))).toBe(true);

      // Between runs: leave a marker row in the database, with the same persistent cluster.
      const marker = `marker-${Date.now()}`;
      const between = await startPersistentPostgres({
        dataDir: path.join(dataDir, 'postgres'),
        port: await freePort(),
        database: 'journey_engine',
        log: () => undefined,
      });
      try {
        const client = new pg.Client({ connectionString: between.url });
        await client.connect();
        await client.query('CREATE TABLE start_test_marker (value text NOT NULL)');
        await client.query('INSERT INTO start_test_marker (value) VALUES ($1)', [marker]);
        await client.end();
      } finally {
        await between.stop();
      }

      // Second start on the same folder: reuses the cluster, the database and the Temporal state.
      const second = await runStart(env, 100_000);
      expectOutput(second, () => {
        expect(second.output).toContain('Journey Engine is ready');
        expect(second.output).toMatch(/Health: {10}http:\/\/127\.0\.0\.1:\d+\/health/);
        expect(second.output).toContain('reusing the PostgreSQL cluster');
        expect(second.output).toContain('database journey_engine exists');
        expect(second.output).toContain('reusing Temporal state');
        expect(second.output).toContain('no pending migrations');
        expect(second.output).not.toMatch(/migrate: applied /);
        expect(second.output).not.toContain('initialising a new PostgreSQL cluster');
        expect(second.code).toBe(0);
      });

      // The marker survived the second run (nothing re-initialised the cluster).
      const after = await startPersistentPostgres({
        dataDir: path.join(dataDir, 'postgres'),
        port: await freePort(),
        database: 'journey_engine',
        log: () => undefined,
      });
      try {
        const client = new pg.Client({ connectionString: after.url });
        await client.connect();
        const rows = await client.query<{ value: string }>('SELECT value FROM start_test_marker');
        await client.end();
        expect(rows.rows.map((r) => r.value)).toEqual([marker]);
      } finally {
        await after.stop();
      }
    },
    240_000,
  );
  (apiAvailable ? it : it.skip)(
    'runs the quickstart example from the ready block, and a run waiting when the system stops finishes after the next start',
    async () => {
      const resumeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'je-resume-test-'));
      fs.chmodSync(resumeDir, 0o755);
      // Every port picked by start (see the first test); each start's ready block says where to look.
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        JE_DATA_DIR: resumeDir,
        PORT: '0',
        JE_TEMPORAL_PORT: '0',
        JE_TEMPORAL_UI_PORT: '0',
        JE_EMBEDDED_PG_PORT: '0',
      };
      delete env.DATABASE_URL;
      delete env.TEMPORAL_ADDRESS;
      let api = '';
      let databaseUrl = '';
      /** Reads the API and database addresses from a ready block. */
      const lookAt = (readyBlock: string) => {
        api = `http://127.0.0.1:${announcedPort(readyBlock, /API: {13}http:\/\/127\.0\.0\.1:(\d+)/)}`;
        databaseUrl = `postgres://postgres:postgres@127.0.0.1:${announcedPort(readyBlock, /DATABASE_URL: {4}postgres:\/\/[^@]+@127\.0\.0\.1:(\d+)\//)}/journey_engine`;
      };
      const sendsOf = async (customerId: string) => {
        const client = new pg.Client({ connectionString: databaseUrl });
        await client.connect();
        try {
          const res = await client.query<{ body: string }>(
            `SELECT payload->>'body' AS body FROM recorded_sends WHERE customer_id = $1 ORDER BY id`,
            [customerId],
          );
          return res.rows.map((r) => r.body);
        } finally {
          await client.end();
        }
      };

      try {
        const first = launchStart(env);
        const readyBlock = await first.ready;
        lookAt(readyBlock);
        expect(readyBlock).toContain(`curl -X PUT ${api}/v1/journeys/quickstart/publish`);
        // The web console is built with the rest and served by the API at the URL the ready block names.
        expect(readyBlock).toContain(`Console:         ${api}/console/`);
        const consolePage = await fetch(`${api}/console/`);
        expect({ status: consolePage.status, root: (await consolePage.text()).includes('<div id="root">') }).toEqual({ status: 200, root: true });
        // The ready block points at the admin key it created: only this user may read it, and it works.
        const keyFile = path.join(resumeDir, 'admin-api-key');
        expect(readyBlock).toContain('admin-api-key');
        expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
        adminKey = fs.readFileSync(keyFile, 'utf8').trim();
        expect((await fetch(`${api}/v1/auth/whoami`)).status).toBe(401);
        expect((await http('GET', `${api}/v1/auth/whoami`)).json).toMatchObject({ role: 'admin' });
        // What the ready block suggests: publish the quickstart example, add a customer, send `registered`.
        const canvas = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'examples', 'quickstart.json'), 'utf8'));
        expect((await http('PUT', `${api}/v1/journeys/quickstart/publish`, canvas)).status).toBe(201);
        expect((await http('PUT', `${api}/v1/customers/c-resume`, { traits: { first_name: 'Mei', phone: '+8613800000077' } })).status).toBe(200);
        const registered = { eventId: 'evt-reg', customerId: 'c-resume', name: 'registered', eventTime: new Date().toISOString() };
        expect((await http('POST', `${api}/v1/events`, { events: [registered] })).status).toBe(202);
        await until('the welcome SMS', async () => ((await sendsOf('c-resume')).length === 1 ? true : null), 30_000);
        await until(
          'the run to wait for account_opened',
          async () => {
            const res = await http('GET', `${api}/v1/customers/c-resume/history`);
            const [enrollment] = res.json.enrollments as { status: string; currentNode: string; waitingUntil: string | null }[];
            return enrollment.currentNode === 'wait_account' && enrollment.waitingUntil ? true : null;
          },
          30_000,
        );
        expect(await first.stop()).toBe(0);

        // Next start on the same data: the waiting run is still there and reacts to the event.
        const second = launchStart(env);
        lookAt(await second.ready);
        const opened = { eventId: 'evt-open', customerId: 'c-resume', name: 'account_opened', eventTime: new Date().toISOString() };
        expect((await http('POST', `${api}/v1/events`, { events: [opened] })).status).toBe(202);
        const history = await until(
          'the waiting run to finish after the restart',
          async () => {
            const res = await http('GET', `${api}/v1/customers/c-resume/history`);
            const [enrollment] = res.json.enrollments as { status: string; exitReason: string }[];
            return enrollment.status === 'completed' ? enrollment : null;
          },
          60_000,
        );
        expect(history).toMatchObject({ status: 'completed', exitReason: 'quickstart_finished' });
        expect(await sendsOf('c-resume')).toEqual([
          'Welcome Mei! Open your account in the app in 5 minutes.',
          'Your account is open. Fund it to make your first trade.',
        ]);
        expect(await second.stop()).toBe(0);
      } finally {
        fs.rmSync(resumeDir, { recursive: true, force: true });
      }
    },
    240_000,
  );
});
