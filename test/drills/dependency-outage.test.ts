/**
 * Drill: the API's dependencies go away in the middle of traffic and come back (issue #21). The drill
 * runs on its OWN embedded PostgreSQL and its OWN Temporal dev server (never the shared ones), a real
 * worker process sending through the fake Twilio, and the API listening on a port as main.ts runs it.
 *
 * - Temporal killed for ~12 s: every event batch is answered 202 within the documented bound
 *   (stored, `dispatch: pending`), a retried batch says so, an API entry and an exit request answer
 *   503 `dependency_unavailable` naming `temporal` within their bound, the API's and the worker's
 *   readiness say temporal is down. After the restart: both ready again, every accepted event
 *   enrolled exactly once, each SMS sent once.
 * - PostgreSQL stopped for ~6 s: every route answers 503 naming `database` with Retry-After, within a
 *   bound; one warning when the outage starts and one when it ends, no stack per request. After the
 *   restart the batches a client retried are accepted, every customer enrolled once, each SMS sent once.
 * Recovery times are printed (`drill dependency-outage ...`).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createApp } from '../../api/app.factory.js';
import { API_BOUNDS, connectApiTemporal } from '../../api/dependencies.js';
import { createLogger } from '../../observability/logger.js';
import { createDataSource } from '../../store/data-source.js';
import { migrate } from '../../store/migrate.js';
import { startFakeTwilio, type FakeTwilio } from '../fakes/twilio-server.js';
import { TEST_BOOTSTRAP_KEY } from '../support/api-keys.js';
import { temporalCliPath } from '../support/env.js';
import { startRestartablePostgres, type RestartablePostgres } from '../support/postgres.js';
import { FAST_DEFAULTS } from '../support/runtime-harness.js';
import { freePort, startDevServer, type DevServer } from '../support/temporal-dev-server.js';
import type { WorkerProcess } from '../support/worker-process.js';
import { allEnded, deliveryAt, ledgerOf, pollUntil, publishTwoSmsJourney, seedCustomers, sleep, spawnReadySmsWorker, startServices, type DrillServices } from './support.js';

/** Slack on every documented bound: a loaded 2-core machine, not a performance measurement. */
const SLACK_MS = 4_000;
const EVENTS_BOUND_MS = API_BOUNDS.eventBatchMs + SLACK_MS;
const TEMPORAL_ROUTE_BOUND_MS = API_BOUNDS.temporalCallMs + SLACK_MS;
const DATABASE_ROUTE_BOUND_MS = API_BOUNDS.databaseConnectMs + SLACK_MS;

let dir: string;
let pg: RestartablePostgres;
let server: DevServer;
let fake: FakeTwilio;
let svc: DrillServices;
let worker: WorkerProcess | undefined;
let workerHealthPort: number;
let app: NestExpressApplication | undefined;
let apiPort: number;
const apiLog: string[] = [];

interface Answer {
  status: number;
  body: Record<string, unknown> & { error?: { code?: string; dependency?: string } };
  ms: number;
  retryAfter: string | null;
}

async function call(method: string, url: string, body?: unknown): Promise<Answer> {
  const started = Date.now();
  try {
    const res = await fetch(url, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_BOOTSTRAP_KEY}` },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(40_000),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : {}, ms: Date.now() - started, retryAfter: res.headers.get('retry-after') };
  } catch (err) {
    return { status: 0, body: { error: { code: `no_answer: ${(err as Error).message}` } }, ms: Date.now() - started, retryAfter: null };
  }
}

async function api(method: string, route: string, body?: unknown): Promise<Answer> {
  const answer = await call(method, `http://127.0.0.1:${apiPort}${route}`, body);
  // A 500 is a bug: show what the API logged with it.
  if (answer.status === 500) console.log(`${method} ${route} answered 500; API errors:\n${apiLog.filter((l) => l.includes('"error"')).slice(-3).join('\n')}`);
  return answer;
}
const workerReady = () => call('GET', `http://127.0.0.1:${workerHealthPort}/health/ready`);

interface EventResult {
  eventId: string;
  status: string;
  dispatch?: string;
}

function batchOf(customers: string[], eventName: string) {
  return { events: customers.map((customerId) => ({ eventId: `${customerId}-${eventName}`, customerId, name: eventName, eventTime: new Date().toISOString() })) };
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Ms from now until `probe` answers 200 (polled every 100 ms). */
async function msUntilReady(what: string, probe: () => Promise<Answer>, timeoutMs: number): Promise<number> {
  const started = Date.now();
  await pollUntil(what, async () => (await probe()).status === 200, timeoutMs);
  return Date.now() - started;
}

/** Enrollments per customer of a journey (a customer enrolled twice shows n = 2). */
async function enrollmentsPerCustomer(journeyId: string): Promise<Map<string, number>> {
  const rows: { customer_id: string; n: string }[] = await svc.db.query(
    `SELECT customer_id, count(*) AS n FROM enrollments WHERE journey_id = $1 GROUP BY customer_id`,
    [journeyId],
  );
  return new Map(rows.map((r) => [r.customer_id, Number(r.n)]));
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'je-drill-outage-'));
  [pg, server, fake] = await Promise.all([
    startRestartablePostgres(),
    startDevServer({ dbFile: path.join(dir, 'temporal.db'), cliPath: temporalCliPath() }),
    startFakeTwilio({ latencyMs: 50 }),
  ]);
  await migrate(pg.url);
  svc = await startServices('outage', { databaseUrl: pg.url, temporalAddress: server.address });
  workerHealthPort = await freePort();
  worker = await spawnReadySmsWorker(svc.taskQueue, fake, {
    DATABASE_URL: pg.url,
    TEMPORAL_ADDRESS: server.address,
    JE_WORKER_METRICS_PORT: String(workerHealthPort),
  });
  // The API as main.ts runs it: its own pool and Temporal connection, sweeps and the event outbox on.
  const db = createDataSource(pg.url, { poolSize: 5, applicationName: 'je-drill-outage-api' });
  await db.initialize();
  const connection = await connectApiTemporal({ address: server.address });
  apiPort = await freePort();
  app = await createApp({
    db,
    temporal: new Client({ connection }),
    taskQueue: svc.taskQueue,
    defaults: FAST_DEFAULTS,
    recovery: { intervalMs: 1_000, olderThanMs: 2_000 },
    logger: createLogger({ service: 'api', level: 'info', write: (line) => apiLog.push(line) }),
    adminApiKey: TEST_BOOTSTRAP_KEY,
    onShutdown: async () => {
      await connection.close();
      await db.destroy();
    },
  });
  await app.listen(apiPort, '127.0.0.1');
}, 110_000);

afterAll(async () => {
  await app?.close().catch(() => undefined);
  await worker?.kill();
  await svc?.stop();
  await fake?.close();
  await server?.stop();
  await pg?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('Temporal goes away while clients post events', () => {
  it('answers within bounds and truthfully, then enrolls every accepted event once and sends each SMS once', async () => {
    const journeyId = `outage-t-${Date.now().toString(36)}`;
    const eventName = `registered_${journeyId.replace(/-/g, '_')}`;
    await publishTwoSmsJourney(svc.publishing, journeyId, { kind: 'event', event: eventName });
    const apiJourney = `${journeyId}-entry`;
    await publishTwoSmsJourney(svc.publishing, apiJourney);
    const phoneOf = await seedCustomers(svc.ingestion, journeyId, 24, '86137');
    const batches = chunks([...phoneOf.keys()], 3).map((c) => batchOf(c, eventName));
    const answers: { phase: string; answer: Answer }[] = [];
    const post = async (phase: string, batch: unknown) => {
      const answer = await api('POST', '/v1/events', batch);
      answers.push({ phase, answer });
      return answer;
    };

    // Before: dispatched in the request.
    for (const batch of batches.slice(0, 2)) {
      const before = await post('before', batch);
      expect(before.status).toBe(202);
      expect((before.body.results as EventResult[]).map((r) => [r.status, r.dispatch])).toEqual(batch.events.map(() => ['accepted', 'dispatched']));
    }
    // A live run to ask to exit during the outage (its journey's trigger is an API call).
    const entered = await api('POST', `/v1/journeys/${apiJourney}/enrollments`, { customerId: `${apiJourney}-live` });
    expect(entered.status).toBe(201);

    await server.kill();
    const outageStarted = Date.now();
    let next = 2;
    while (Date.now() - outageStarted < 12_000 && next < batches.length - 2) await post('outage', batches[next++]);
    const retried = await post('outage-retry', batches[2]);
    const dispatchedNow: { event_id: string; dispatched: boolean }[] = await svc.db.query(
      `SELECT event_id, dispatched_at IS NOT NULL AS dispatched FROM events WHERE event_id = ANY($1::text[])`,
      [batches[2].events.map((e) => e.eventId)],
    );
    const entry = await api('POST', `/v1/journeys/${apiJourney}/enrollments`, { customerId: `${apiJourney}-late`, idempotencyKey: 'late-1' });
    const exit = await api('POST', `/v1/enrollments/${encodeURIComponent(String(entered.body.enrollmentId))}/exit`, { reason: 'drill' });
    const apiHealth = await api('GET', '/health/ready');
    const workerHealth = await workerReady();

    await server.restart();
    const restarted = Date.now();
    const [apiReadyMs, workerReadyMs] = await Promise.all([
      msUntilReady('the API ready again', () => api('GET', '/health/ready'), 60_000),
      msUntilReady('the worker ready again', workerReady, 60_000),
    ]);
    while (next < batches.length) await post('after', batches[next++]);
    // The client resends the refused entry as Retry-After says, until it is answered.
    const lateTries: string[] = [];
    let enteredLate: Answer;
    for (;;) {
      enteredLate = await api('POST', `/v1/journeys/${apiJourney}/enrollments`, { customerId: `${apiJourney}-late`, idempotencyKey: 'late-1' });
      lateTries.push(`${enteredLate.status} ${JSON.stringify(enteredLate.body).slice(0, 300)}`);
      if (enteredLate.status !== 503 || lateTries.length >= 5) break;
      await sleep(Number(enteredLate.retryAfter ?? 1) * 1000);
    }

    const ended = await allEnded(svc.db, journeyId, phoneOf.size, 80_000);
    const allDoneMs = Date.now() - restarted;
    const delivery = deliveryAt(fake, phoneOf.values());
    const ledger = await ledgerOf(svc.db, journeyId);
    const perCustomer = await enrollmentsPerCustomer(journeyId);
    const undispatched: { n: string }[] = await svc.db.query(`SELECT count(*) AS n FROM events WHERE name = $1 AND dispatched_at IS NULL`, [eventName]);
    const slowest = Math.max(...answers.filter((a) => a.phase !== 'before').map((a) => a.answer.ms));
    console.log(
      `drill dependency-outage temporal: outage_ms=${restarted - outageStarted} batches_during_outage=${answers.filter((a) => a.phase === 'outage').length} ` +
        `slowest_events_answer_ms=${slowest} entry_answer_ms=${entry.ms} exit_answer_ms=${exit.ms} api_ready_after_ms=${apiReadyMs} ` +
        `worker_ready_after_ms=${workerReadyMs} entry_tries_after=${lateTries.length} all_runs_ended_after_ms=${allDoneMs} delivered_at_fake=${delivery.delivered} duplicates=${delivery.duplicates.length}`,
    );

    for (const { phase, answer } of answers) {
      expect({ phase, status: answer.status, withinBound: answer.ms <= EVENTS_BOUND_MS }).toEqual({ phase, status: 202, withinBound: true });
    }
    for (const { phase, answer } of answers.filter((a) => a.phase === 'outage')) {
      expect({ phase, results: (answer.body.results as EventResult[]).map((r) => `${r.status}/${r.dispatch}`) }).toEqual({
        phase,
        results: (answer.body.results as EventResult[]).map(() => 'accepted/pending'),
      });
    }
    // The retry of a batch stored during the outage: already stored, and its dispatch state as the
    // database has it (the first one may count as dispatched: its enrollment was recorded when the
    // outage began, and its run is started by the recovery sweep).
    const truth = new Map(dispatchedNow.map((r) => [r.event_id, r.dispatched ? 'dispatched' : 'pending']));
    expect((retried.body.results as EventResult[]).map((r) => `${r.status}/${r.dispatch}`)).toEqual(
      batches[2].events.map((e) => `duplicate/${truth.get(e.eventId)}`),
    );
    expect([...truth.values()].filter((d) => d === 'pending').length).toBeGreaterThanOrEqual(2);
    for (const answer of [entry, exit]) {
      expect({ status: answer.status, code: answer.body.error?.code, dependency: answer.body.error?.dependency }).toEqual({
        status: 503,
        code: 'dependency_unavailable',
        dependency: 'temporal',
      });
      expect(answer.retryAfter).toMatch(/^\d+$/);
      expect(answer.ms).toBeLessThanOrEqual(TEMPORAL_ROUTE_BOUND_MS);
    }
    expect({ status: apiHealth.status, temporal: apiHealth.body.temporal, database: apiHealth.body.database }).toEqual({ status: 503, temporal: 'down', database: 'up' });
    expect({ status: workerHealth.status, temporal: workerHealth.body.temporal }).toEqual({ status: 503, temporal: 'down' });
    expect({ status: [200, 201].includes(enteredLate.status), lateTries }).toEqual({ status: true, lateTries });

    expect(Number(undispatched[0].n)).toBe(0);
    expect([...perCustomer.values()].filter((n) => n !== 1)).toEqual([]);
    expect(perCustomer.size).toBe(phoneOf.size);
    expect(ended.filter((e) => e.status !== 'completed')).toEqual([]);
    expect(delivery.duplicates).toEqual([]);
    expect(delivery.missing).toEqual([]);
    expect(ledger.filter((r) => r.status !== 'sent')).toEqual([]);
  }, 200_000);
});

describe('PostgreSQL goes away while clients post events', () => {
  it('answers 503 naming the database with Retry-After, logs the outage once, loses and repeats nothing', async () => {
    const journeyId = `outage-pg-${Date.now().toString(36)}`;
    const eventName = `registered_${journeyId.replace(/-/g, '_')}`;
    await publishTwoSmsJourney(svc.publishing, journeyId, { kind: 'event', event: eventName });
    const phoneOf = await seedCustomers(svc.ingestion, journeyId, 12, '86133');
    const batches = chunks([...phoneOf.keys()], 3).map((c) => batchOf(c, eventName));
    expect((await api('POST', '/v1/events', batches[0])).status).toBe(202);
    const logFrom = apiLog.length;

    await pg.halt();
    const outageStarted = Date.now();
    const during: { route: string; answer: Answer }[] = [];
    const refused: unknown[] = [];
    let next = 1;
    while (Date.now() - outageStarted < 6_000) {
      if (next < batches.length) {
        const answer = await api('POST', '/v1/events', batches[next]);
        during.push({ route: 'POST /v1/events', answer });
        if (answer.status === 202) next++;
        else refused.push(batches[next]);
      }
      during.push({ route: 'GET /v1/journeys', answer: await api('GET', '/v1/journeys') });
      during.push({ route: `GET /v1/journeys/${journeyId}`, answer: await api('GET', `/v1/journeys/${journeyId}`) });
      await sleep(300);
    }
    const health = await api('GET', '/health/ready');

    await pg.resume();
    const resumed = Date.now();
    const apiReadyMs = await msUntilReady('the API ready again', () => api('GET', '/health/ready'), 60_000);
    // The client retries each refused batch until it is answered 202, then sends the rest.
    let retries = 0;
    for (; next < batches.length; next++) {
      for (;;) {
        const answer = await api('POST', '/v1/events', batches[next]);
        if (answer.status === 202) break;
        retries++;
        await sleep(500);
      }
    }
    const ended = await allEnded(svc.db, journeyId, phoneOf.size, 80_000);
    const allDoneMs = Date.now() - resumed;
    const delivery = deliveryAt(fake, phoneOf.values());
    const perCustomer = await enrollmentsPerCustomer(journeyId);
    const lines = apiLog.slice(logFrom).map((l) => JSON.parse(l) as { level: string; msg: string; stack?: string });
    console.log(
      `drill dependency-outage database: outage_ms=${resumed - outageStarted} requests_during_outage=${during.length} ` +
        `slowest_answer_ms=${Math.max(...during.map((d) => d.answer.ms))} api_ready_after_ms=${apiReadyMs} retries_after=${retries} ` +
        `all_runs_ended_after_ms=${allDoneMs} delivered_at_fake=${delivery.delivered} duplicates=${delivery.duplicates.length}`,
    );

    expect(during.length).toBeGreaterThan(5);
    for (const { route, answer } of during) {
      expect({ route, status: answer.status, code: answer.body.error?.code, dependency: answer.body.error?.dependency, retryAfter: /^\d+$/.test(answer.retryAfter ?? '') }).toEqual({
        route,
        status: 503,
        code: 'dependency_unavailable',
        dependency: 'database',
        retryAfter: true,
      });
      expect(answer.ms).toBeLessThanOrEqual(DATABASE_ROUTE_BOUND_MS);
    }
    expect({ status: health.status, database: health.body.database }).toEqual({ status: 503, database: 'down' });
    // One warning when the outage starts, one when it ends; no error line (and so no stack) per request.
    expect(lines.filter((l) => l.level === 'warn' && /database/.test(l.msg)).map((l) => l.msg)).toEqual([
      expect.stringMatching(/database unavailable/),
      expect.stringMatching(/database available again/),
    ]);
    expect(lines.filter((l) => l.level === 'error' || l.stack)).toEqual([]);

    expect([...perCustomer.values()].filter((n) => n !== 1)).toEqual([]);
    expect(perCustomer.size).toBe(phoneOf.size);
    expect(ended.filter((e) => e.status !== 'completed')).toEqual([]);
    expect(delivery.duplicates).toEqual([]);
    expect(delivery.missing).toEqual([]);
  }, 200_000);
});
