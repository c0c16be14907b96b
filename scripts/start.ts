/**
 * `npm start`: runs the whole system on this machine (after scripts/setup.mjs).
 *
 *   1. builds dist/ (tsc -p tsconfig.build.json, the workflow bundle, the web console; skipped when dist/ is newer than the sources);
 *   2. PostgreSQL: DATABASE_URL, or an embedded PostgreSQL kept in <data>/postgres;
 *   3. Temporal: TEMPORAL_ADDRESS, or `temporal server start-dev` kept in <data>/temporal.db, with its Web UI;
 *   4. applies pending migrations;
 *   5. starts the worker and the API from dist/ and waits for GET /health -> 200 and a worker poller;
 *   6. prints where to look, then runs until Ctrl-C / SIGTERM and stops API, worker, Temporal and
 *      PostgreSQL in that order. If a process dies on its own, everything else is stopped (exit 1).
 *
 * Environment:
 *   DATABASE_URL, TEMPORAL_ADDRESS      use these services instead of starting local ones
 *   TEMPORAL_NAMESPACE, TEMPORAL_TASK_QUEUE, JE_* engine settings   passed on to the worker and API
 *   PORT                                API port (default 3000; a free one if 3000 is busy)
 *   JE_DATA_DIR                         data folder (default .data)
 *   JE_EMBEDDED_PG_PORT                 embedded PostgreSQL port (default 54329)
 *   JE_TEMPORAL_PORT, JE_TEMPORAL_UI_PORT   dev server ports (default 7233 / 8233)
 *     A port given in the environment must be free; a busy default is replaced by a free port.
 *   JE_START_EXIT_AFTER_READY=1         stop everything right after "ready" (smoke tests, CI)
 *   JE_START_FORCE_BUILD=1              rebuild even when dist/ looks up to date
 *   JE_START_API_ENTRY                  the API's compiled entry (default dist/api/main.js); for
 *                                       testing this command against a stand-in API
 *   JE_START_READY_TIMEOUT_S            how long to wait for the API and the worker (default 60)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Connection } from '@temporalio/client';
import { loadConfig, temporalConnectionOptions } from '../config/index.js';
import { generateKey } from '../core/access/api-keys.js';
import { ensureBuilt } from './lib/build.js';
import { type DataLock, lockDataFolder } from './lib/data-lock.js';
import { type ChildService, startChildService } from './lib/child-service.js';
import { startPersistentPostgres, type PersistentPostgres } from './lib/persistent-postgres.js';
import { choosePort, isPortFree, portPinned, type PortChoice, startOnPorts } from './lib/ports.js';
import { findTemporalBinaries, PROJECT_ROOT } from './lib/temporal-binaries.mjs';
import { type DevServer, freePort, startDevServer } from './lib/temporal-dev-server.js';

const say = (message: string) => console.log(`start: ${message}`);
const warn = (message: string) => console.error(`start: ${message}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

const DATABASE_NAME = 'journey_engine';
/** Starts of the Temporal dev server tried when a port it was given is taken meanwhile. */
const TEMPORAL_START_ATTEMPTS = 3;

/** The URL without its password, for messages that may end up in logs. */
function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable URL)';
  }
}

/** What is running, so that shutdown knows what to stop. */
interface Running {
  api?: ChildService;
  worker?: ChildService;
  temporal?: DevServer;
  postgres?: PersistentPostgres;
  /** This instance's hold on the data folder, released once PostgreSQL has stopped. */
  dataLock?: DataLock;
}

const running: Running = {};
let shuttingDown: Promise<void> | undefined;
let shutdownRequested = false;

/** Stops API, worker, Temporal and PostgreSQL, in that order. Safe to call more than once. */
function shutdown(reason: string): Promise<void> {
  shutdownRequested = true;
  shuttingDown ??= (async () => {
    say(`shutting down (${reason})`);
    const step = async (label: string, fn: () => Promise<unknown>) => {
      const started = Date.now();
      try {
        await fn();
        say(`stopped ${label} (${Date.now() - started} ms)`);
      } catch (err) {
        warn(`stopping ${label} failed: ${errorText(err)}`);
        process.exitCode = 1;
      }
    };
    if (running.api) await step('API', () => running.api!.stop(15_000));
    if (running.worker) await step('worker', () => running.worker!.stop(30_000));
    if (running.temporal) await step('Temporal dev server', () => running.temporal!.stop());
    if (running.postgres) await step('embedded PostgreSQL', () => running.postgres!.stop());
    running.dataLock?.release();
    say('all stopped');
  })();
  return shuttingDown;
}

/** Fails fast: stops what has started, prints the error, exits non-zero. */
async function fail(message: string): Promise<never> {
  warn(`FAILED: ${message}`);
  await shutdown('start-up failed');
  process.exit(1);
}

function installSignalHandlers(): void {
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals === 1) {
      void shutdown(`received ${signal}`).then(() => process.exit(process.exitCode ?? 0));
      return;
    }
    warn(`received ${signal} again: killing everything now`);
    process.exit(130); // the 'exit' hooks of each service send their last-resort signals
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);
}

/** A child that exits before we asked it to is an error: report it and stop the rest. */
function watchUnexpectedExit(label: string, info: string, tail?: string): void {
  if (shutdownRequested) return;
  warn(`${label} exited unexpectedly (${info})${tail ? `; last output:\n${tail}` : ''}`);
  process.exitCode = 1;
  void shutdown(`${label} died`).then(() => process.exit(1));
}

async function apiHealthy(url: string): Promise<{ ok: boolean; detail: string }> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    const body = (await res.text()).slice(0, 300);
    return { ok: res.status === 200, detail: `HTTP ${res.status} ${body}` };
  } catch (err) {
    const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
    return { ok: false, detail: `${errorText(err)}${cause}` };
  }
}

/** True once the worker process (by pid in its default identity "pid@host") polls the task queue. */
async function workerPolling(connection: Connection, namespace: string, taskQueue: string, pid: number | undefined, since: number): Promise<boolean> {
  const res = await connection.workflowService.describeTaskQueue({
    namespace,
    taskQueue: { name: taskQueue },
    taskQueueType: 1, // TASK_QUEUE_TYPE_WORKFLOW
  });
  return (res.pollers ?? []).some((p) => {
    if (pid !== undefined && p.identity?.startsWith(`${pid}@`)) return true;
    const seconds = Number(p.lastAccessTime?.seconds ?? 0);
    return seconds * 1000 >= since; // a custom identity: accept a poller seen since the worker started
  });
}

async function main(): Promise<void> {
  installSignalHandlers();
  const env = process.env;
  const exitAfterReady = env.JE_START_EXIT_AFTER_READY === '1' || process.argv.includes('--exit-after-ready');
  const dataDir = path.resolve(PROJECT_ROOT, env.JE_DATA_DIR || '.data');
  const readyTimeoutS = Number(env.JE_START_READY_TIMEOUT_S || 60);
  const config = loadConfig(env); // validates the engine settings now rather than in two children
  const workerEntry = path.join(PROJECT_ROOT, 'dist', 'worker', 'main.js');
  const apiEntry = path.resolve(PROJECT_ROOT, env.JE_START_API_ENTRY || path.join('dist', 'api', 'main.js'));

  // 1. Build.
  say('step 1/6: build');
  ensureBuilt(PROJECT_ROOT, [workerEntry, apiEntry], say);

  fs.mkdirSync(dataDir, { recursive: true, mode: 0o755 });
  say(`data folder: ${dataDir}`);
  // Before anything starts: a second instance on this folder is told which process holds it.
  running.dataLock = lockDataFolder(dataDir);
  process.once('exit', () => running.dataLock?.release());

  // Ports first, so that a busy explicit port fails before anything starts.
  const apiChoice: PortChoice = { label: 'API', envVar: 'PORT', defaultPort: 3000 };
  let apiPort = await choosePort(apiChoice, env, say);

  // 2. PostgreSQL.
  say('step 2/6: PostgreSQL');
  let databaseUrl: string;
  if (config.databaseUrl) {
    databaseUrl = config.databaseUrl;
    say(`using DATABASE_URL (${redact(databaseUrl)})`);
  } else {
    const pgPort = await choosePort({ label: 'embedded PostgreSQL', envVar: 'JE_EMBEDDED_PG_PORT', defaultPort: 54329 }, env, say);
    running.postgres = await startPersistentPostgres({
      dataDir: path.join(dataDir, 'postgres'),
      port: pgPort,
      database: DATABASE_NAME,
      log: say,
      onExit: (info) => watchUnexpectedExit('embedded PostgreSQL', info, running.postgres?.logTail()),
    });
    databaseUrl = running.postgres.url;
  }

  // 3. Temporal.
  say('step 3/6: Temporal');
  let temporalAddress: string;
  let temporalUi: string | undefined;
  let temporalMetrics: string | undefined;
  if (config.temporalAddress) {
    temporalAddress = config.temporalAddress;
    say(`using TEMPORAL_ADDRESS (${temporalAddress})`);
  } else {
    const { cli } = await findTemporalBinaries({ log: say });
    const dbFile = path.join(dataDir, 'temporal.db');
    const frontend: PortChoice = { label: 'Temporal frontend', envVar: 'JE_TEMPORAL_PORT', defaultPort: 7233 };
    const webUi: PortChoice = { label: 'Temporal Web UI', envVar: 'JE_TEMPORAL_UI_PORT', defaultPort: 8233 };
    const startPorts = [await choosePort(frontend, env, say), await choosePort(webUi, env, say)];
    const temporalMetricsPort = await freePort();
    const started = Date.now();
    let up = false;
    running.temporal = await startOnPorts(
      startPorts,
      ([port, uiPort]) => {
        say(`${fs.existsSync(dbFile) ? 'reusing' : 'creating'} Temporal state in ${dbFile}; starting the dev server on 127.0.0.1:${port}`);
        return startDevServer({
          cliPath: cli,
          dbFile,
          port,
          uiPort,
          metricsPort: temporalMetricsPort,
          ui: true,
          log: true,
          detached: process.platform !== 'win32',
          namespaces: config.temporalNamespace === 'default' ? [] : [config.temporalNamespace],
          // Only errors: at warn level the dev server also reports its own normal shutdown.
          extraArgs: ['--log-level', 'error'],
          // An exit during start-up is reported by startDevServer itself, and a port clash is retried.
          onExit: (info) => up && watchUnexpectedExit('Temporal dev server', info),
        });
      },
      {
        attempts: TEMPORAL_START_ATTEMPTS,
        // The server binds the Web UI port last, seconds after it was checked: something else can take it meanwhile.
        pinned: [portPinned(frontend, env), portPinned(webUi, env)],
        onRetry: (detail, [port, uiPort], attempt) =>
          warn(
            `the Temporal dev server could not bind a port (${detail}); trying again with frontend port ${port} ` +
              `and Web UI port ${uiPort} (attempt ${attempt} of ${TEMPORAL_START_ATTEMPTS})`,
          ),
      },
    );
    up = true;
    temporalAddress = running.temporal.address;
    temporalUi = `http://127.0.0.1:${running.temporal.uiPort}`;
    temporalMetrics = `http://127.0.0.1:${running.temporal.metricsPort}/metrics`;
    say(`Temporal is up at ${temporalAddress} (${Date.now() - started} ms)`);
  }

  // 4. Migrations (the compiled ones, exactly what the worker and API run with).
  say('step 4/6: migrations');
  const { migrate } = (await import(pathToFileURL(path.join(PROJECT_ROOT, 'dist', 'store', 'migrate.js')).href)) as typeof import('../store/migrate.js');
  const applied = await migrate(databaseUrl, say);
  say(applied.length === 0 ? 'database schema is up to date (no pending migrations)' : `applied ${applied.length} migration(s)`);

  // 5. Worker and API.
  say('step 5/6: worker and API');
  const admin = adminKey(env, dataDir);
  say(admin.source);
  if (!portPinned(apiChoice, env) && !(await isPortFree(apiPort))) {
    // Picked (not pinned) at the beginning; something took it while PostgreSQL and Temporal started.
    const taken = apiPort;
    apiPort = await freePort();
    say(`API: port ${taken} was taken while the other services started, using free port ${apiPort} instead`);
  }
  // The worker's /metrics and /health listener: JE_WORKER_METRICS_PORT (0 turns it off), else 9464 or a free port.
  const workerMetricsPort = await choosePort({ label: 'worker metrics', envVar: 'JE_WORKER_METRICS_PORT', defaultPort: 9464, zeroMeansAny: false }, env, say);
  const childEnv: NodeJS.ProcessEnv = {
    ...env,
    JE_ADMIN_API_KEY: admin.key,
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_NAMESPACE: config.temporalNamespace,
    TEMPORAL_TASK_QUEUE: config.taskQueue,
    PORT: String(apiPort),
    JE_WORKER_METRICS_PORT: String(workerMetricsPort),
  };
  const workerStartedAt = Date.now();
  running.worker = startChildService({ name: 'worker', command: process.execPath, args: [workerEntry], env: childEnv, cwd: PROJECT_ROOT });
  void running.worker.exited.then((info) => watchUnexpectedExit('worker', info, running.worker?.tail()));
  say(`worker started (pid ${running.worker.pid}): node ${path.relative(PROJECT_ROOT, workerEntry)}`);
  running.api = startChildService({ name: 'api', command: process.execPath, args: [apiEntry], env: childEnv, cwd: PROJECT_ROOT });
  void running.api.exited.then((info) => watchUnexpectedExit('API', info, running.api?.tail()));
  say(`API started (pid ${running.api.pid}): node ${path.relative(PROJECT_ROOT, apiEntry)}`);

  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const healthUrl = `${apiUrl}/health`;
  say(`waiting for ${healthUrl} to answer 200 and for the worker to poll "${config.taskQueue}" (up to ${readyTimeoutS} s)`);
  const deadline = Date.now() + readyTimeoutS * 1000;
  // TLS / API key apply when TEMPORAL_ADDRESS is external; the dev server started above has neither.
  const connection = await Connection.connect({ ...temporalConnectionOptions(config, temporalAddress), connectTimeout: 5_000 });
  let apiReady = false;
  let workerReady = false;
  let lastHealth = 'no answer yet';
  let lastPollerError = '';
  try {
    while (!(apiReady && workerReady)) {
      if (shutdownRequested) return; // a child died or a signal arrived; shutdown() is running
      if (Date.now() > deadline) {
        const missing = [
          apiReady ? undefined : `the API did not answer 200 on ${healthUrl} (last: ${lastHealth})`,
          workerReady ? undefined : `the worker did not poll task queue "${config.taskQueue}"${lastPollerError ? ` (${lastPollerError})` : ''}`,
        ].filter(Boolean);
        const tails = [
          apiReady ? '' : `\nlast lines of the API's output:\n${running.api.tail()}`,
          workerReady ? '' : `\nlast lines of the worker's output:\n${running.worker.tail()}`,
        ].join('');
        await fail(`not ready within ${readyTimeoutS} s: ${missing.join('; ')}${tails}`);
      }
      if (!apiReady) {
        const h = await apiHealthy(healthUrl);
        apiReady = h.ok;
        lastHealth = h.detail;
        if (apiReady) say(`API is healthy (${healthUrl})`);
      }
      if (!workerReady) {
        try {
          workerReady = await workerPolling(connection, config.temporalNamespace, config.taskQueue, running.worker.pid, workerStartedAt - 5_000);
          if (workerReady) say(`worker is polling task queue "${config.taskQueue}"`);
        } catch (err) {
          lastPollerError = errorText(err);
        }
      }
      if (!(apiReady && workerReady)) await sleep(500);
    }
  } finally {
    await connection.close().catch(() => undefined);
  }

  // 6. Ready.
  const lines = [
    '',
    '================================================================',
    ' Journey Engine is ready',
    `   API:             ${apiUrl}`,
    `   Console:         ${apiUrl}/console/ (sign in with the admin API key below, or a narrower one)`,
    `   Health:          ${healthUrl}`,
    `   Temporal Web UI: ${temporalUi ?? `(external Temporal at ${temporalAddress}; its UI is wherever that server serves it)`}`,
    `   Temporal:        ${temporalAddress} (namespace ${config.temporalNamespace}, task queue ${config.taskQueue})`,
    `   Metrics:         API ${apiUrl}/metrics (needs an API key, e.g. a viewer key)`,
    `                    worker ${workerMetricsPort === 0 ? '(off: JE_WORKER_METRICS_PORT=0)' : `http://${hostForUrl(config.host)}:${workerMetricsPort}/metrics`}`,
    `                    Temporal ${temporalMetrics ?? `(external Temporal at ${temporalAddress}: its own metrics endpoint)`}`,
    `   DATABASE_URL:    ${running.postgres ? databaseUrl : redact(databaseUrl)}`,
    `   Data folder:     ${dataDir}${running.postgres || running.temporal ? '' : ' (unused: external PostgreSQL and Temporal)'}`,
    `   API docs:        ${apiUrl}/docs (OpenAPI: ${apiUrl}/docs/openapi.json)`,
    `   Admin API key:   ${admin.file ?? 'JE_ADMIN_API_KEY'} (create narrower keys with POST /v1/api-keys)`,
    '   Try it (more in the README walkthrough; API reference: docs/api.md):',
    ...tryItCommands(apiUrl, admin.file ? `$(cat ${admin.file})` : '$JE_ADMIN_API_KEY').map((line) => `     ${line}`),
    exitAfterReady ? '   JE_START_EXIT_AFTER_READY=1: stopping again now' : '   Press Ctrl-C to stop everything.',
    '================================================================',
    '',
  ];
  console.log(lines.join('\n'));
  say(`ready in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);

  if (exitAfterReady) {
    await shutdown('JE_START_EXIT_AFTER_READY=1');
    process.exit(process.exitCode ?? 0);
  }
}

const startedAt = Date.now();
say(`node ${process.version} on ${os.platform()}-${os.arch()}, project ${PROJECT_ROOT}`);
main().catch((err) => fail(errorText(err)));

/**
 * The admin API key the API installs: JE_ADMIN_API_KEY when set, else the one kept in the data
 * folder (created on the first run, readable by this user only), so it survives restarts.
 */
function adminKey(env: NodeJS.ProcessEnv, dataDir: string): { key: string; file: string | null; source: string } {
  if (env.JE_ADMIN_API_KEY) return { key: env.JE_ADMIN_API_KEY, file: null, source: 'admin API key: JE_ADMIN_API_KEY' };
  const file = path.join(dataDir, 'admin-api-key');
  const relative = path.relative(PROJECT_ROOT, file);
  const shown = relative && !relative.startsWith('..') ? relative : file;
  if (fs.existsSync(file)) return { key: fs.readFileSync(file, 'utf8').trim(), file: shown, source: `admin API key: ${shown}` };
  const key = generateKey();
  fs.writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return { key, file: shown, source: `admin API key: created ${shown} (keep it secret; delete it to make a new one)` };
}

/** A listen address as a URL host: the loopback for "any interface", brackets for IPv6. */
function hostForUrl(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

/** Shell commands that publish the quickstart example and send it a customer, for the ready block. */
function tryItCommands(apiUrl: string, keyExpression: string): string[] {
  const json = `-H 'content-type: application/json' -H "Authorization: Bearer ${keyExpression}"`;
  return [
    `curl -X PUT ${apiUrl}/v1/journeys/quickstart/publish ${json} --data @examples/quickstart.json`,
    `curl -X PUT ${apiUrl}/v1/customers/c-1 ${json} -d '{"traits":{"first_name":"Mei","phone":"+8613800000001"}}'`,
    `curl -X POST ${apiUrl}/v1/events ${json} -d '{"events":[{"eventId":"e-1","customerId":"c-1","name":"registered","eventTime":"'$(date -u +%FT%TZ)'"}]}'`,
    `curl -H "Authorization: Bearer ${keyExpression}" ${apiUrl}/v1/customers/c-1/history`,
  ];
}
