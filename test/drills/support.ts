/**
 * Shared pieces of the fault drills (test/drills): services against any Temporal address, a real
 * worker process sending through the fake Twilio, the `sms -> wait PT2S -> sms -> exit` journey, and
 * the exactly-once checks counted at the fake and in the database.
 */
import { Client, Connection } from '@temporalio/client';
import type { DataSource } from 'typeorm';
import { IngestionService } from '../../api/events/ingestion.service.js';
import { EnrollmentService } from '../../core/enrollment.js';
import { PublishingService } from '../../core/journeys/publishing.js';
import { createDataSource } from '../../store/data-source.js';
import type { FakeTwilio } from '../fakes/twilio-server.js';
import { testDatabaseUrl, testTemporalAddress } from '../support/env.js';
import { FAST_DEFAULTS } from '../support/runtime-harness.js';
import { spawnWorkerProcess, type WorkerProcess } from '../support/worker-process.js';

import { BODIES } from '../support/journeys.js';

export { BODIES, publishTwoSmsJourney } from '../support/journeys.js';

export const FROM = '+15005550006';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The API-side services (no worker) on their own DataSource and Temporal client. */
export interface DrillServices {
  db: DataSource;
  client: Client;
  connection: Connection;
  taskQueue: string;
  enrollments: EnrollmentService;
  ingestion: IngestionService;
  publishing: PublishingService;
  stop(): Promise<void>;
}

export async function startServices(
  name: string,
  opts: { temporalAddress?: string; databaseUrl?: string; applicationName?: string; taskQueue?: string } = {},
): Promise<DrillServices> {
  const db = createDataSource(opts.databaseUrl ?? testDatabaseUrl(), { poolSize: 5, applicationName: opts.applicationName ?? `test-drill-${name}` });
  await db.initialize();
  const connection = await Connection.connect({ address: opts.temporalAddress ?? testTemporalAddress() });
  const client = new Client({ connection });
  const taskQueue = opts.taskQueue ?? `drill-${name}-${process.pid}-${Date.now()}`;
  const enrollments = new EnrollmentService({ db, temporal: client, taskQueue, defaults: FAST_DEFAULTS });
  const ingestion = new IngestionService({ db, temporal: client, enrollments });
  const publishing = new PublishingService(db);
  return {
    db,
    client,
    connection,
    taskQueue,
    enrollments,
    ingestion,
    publishing,
    async stop() {
      await connection.close().catch(() => undefined);
      if (db.isInitialized) await db.destroy();
    },
  };
}

/** The real worker process, configured with TWILIO_* pointing at the fake. */
export function spawnSmsWorker(taskQueue: string, fake: FakeTwilio, env: NodeJS.ProcessEnv = {}): WorkerProcess {
  return spawnWorkerProcess(taskQueue, {
    TWILIO_ACCOUNT_SID: fake.accountSid,
    TWILIO_AUTH_TOKEN: fake.authToken,
    TWILIO_FROM: FROM,
    TWILIO_API_BASE_URL: fake.baseUrl,
    ...env,
  });
}

/** spawnSmsWorker, resolved once the worker says it is polling (start-up is slow on a loaded machine). */
export async function spawnReadySmsWorker(taskQueue: string, fake: FakeTwilio, env: NodeJS.ProcessEnv = {}, timeoutMs = 80_000): Promise<WorkerProcess> {
  const worker = spawnSmsWorker(taskQueue, fake, env);
  await pollUntil(
    'the worker process to poll its task queue',
    async () => {
      if (worker.child.exitCode !== null) throw new Error(`worker exited with ${worker.child.exitCode}:\n${worker.output().slice(-2000)}`);
      return worker.output().includes('polling task queue');
    },
    timeoutMs,
  ).catch(async (err: unknown) => {
    await worker.kill();
    throw err;
  });
  return worker;
}

/** Creates `count` customers with distinct phone numbers; returns customer id -> phone. */
export async function seedCustomers(ingestion: IngestionService, journeyId: string, count: number, prefix: string): Promise<Map<string, string>> {
  const phoneOf = new Map<string, string>();
  for (let i = 0; i < count; i++) {
    const customerId = `${journeyId}-c${i}`;
    const phone = `+${prefix}${String(i).padStart(8, '0')}`;
    phoneOf.set(customerId, phone);
    await ingestion.upsertCustomer(customerId, { phone });
  }
  return phoneOf;
}

/** Polls `probe` every 250 ms until it returns a truthy value; throws after `timeoutMs`. */
export async function pollUntil<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (err) {
      // The database or Temporal may be down on purpose: keep polling.
      lastError = err;
    }
    if (Date.now() > deadline) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
    }
    await sleep(250);
  }
}

export interface EnrollmentRow {
  id: string;
  customer_id: string;
  status: string;
  ended_at: Date | null;
}

/** Every enrollment of the journey, once all of them have ended and there are at least `count`. */
export async function allEnded(db: DataSource, journeyId: string, count: number, timeoutMs: number): Promise<EnrollmentRow[]> {
  return waitAllEnded(db, journeyId, count, timeoutMs).catch(async (err: Error) => {
    // Say where the runs are stuck: enrollments by status and node, ledger rows by node and status.
    const runs: { status: string; current_node: string | null; n: string }[] = await db
      .query(`SELECT status, current_node, count(*) AS n FROM enrollments WHERE journey_id = $1 GROUP BY 1, 2 ORDER BY 1, 2`, [journeyId])
      .catch(() => []);
    const touches: { node_id: string; status: string; n: string }[] = await db
      .query(
        `SELECT m.node_id, m.status, count(*) AS n FROM messages m JOIN enrollments e ON e.id = m.enrollment_id
          WHERE e.journey_id = $1 GROUP BY 1, 2 ORDER BY 1, 2`,
        [journeyId],
      )
      .catch(() => []);
    const fmt = (rows: Record<string, unknown>[]) => rows.map((r) => Object.values(r).join('/')).join(', ');
    throw new Error(`${err.message}\nenrollments (status/node/count): ${fmt(runs)}\nmessages (node/status/count): ${fmt(touches)}`);
  });
}

async function waitAllEnded(db: DataSource, journeyId: string, count: number, timeoutMs: number): Promise<EnrollmentRow[]> {
  return pollUntil(
    `${count} ended enrollments of ${journeyId}`,
    async () => {
      const rows: EnrollmentRow[] = await db.query(
        `SELECT id, customer_id, status, ended_at FROM enrollments WHERE journey_id = $1 ORDER BY customer_id, seq`,
        [journeyId],
      );
      return rows.length >= count && rows.every((r) => r.ended_at !== null) ? rows : null;
    },
    timeoutMs,
  );
}

export interface LedgerRow {
  idempotency_key: string;
  customer_id: string;
  node_id: string;
  status: string;
  attempts: number;
  provider_message_id: string | null;
}

export async function ledgerOf(db: DataSource, journeyId: string): Promise<LedgerRow[]> {
  return db.query(
    `SELECT m.idempotency_key, m.customer_id, m.node_id, m.status, m.attempts, m.provider_message_id
       FROM messages m JOIN enrollments e ON e.id = m.enrollment_id WHERE e.journey_id = $1 ORDER BY m.idempotency_key`,
    [journeyId],
  );
}

export interface Delivery {
  /** Messages the fake accepted to these phones. */
  delivered: number;
  /** (to, body) pairs delivered more than once. */
  duplicates: string[];
  /** Expected (to, body) pairs never delivered. */
  missing: string[];
  /** Delivered pairs nobody expected. */
  unexpected: string[];
  expected: number;
  /** POST (send) requests per (to, body), accepted or refused. */
  postsOf: Map<string, number>;
}

export const pairOf = (to: string, body: string) => `${to} ${body}`;

/** What reached customers, counted at the fake: each phone should get "one" and "two", once each. */
export function deliveryAt(fake: FakeTwilio, phones: Iterable<string>): Delivery {
  const mine = new Set(phones);
  const count = new Map<string, number>();
  for (const m of fake.messages) if (mine.has(m.to)) count.set(pairOf(m.to, m.body), (count.get(pairOf(m.to, m.body)) ?? 0) + 1);
  const postsOf = new Map<string, number>();
  for (const r of fake.requests) {
    if (r.method !== 'POST' || !mine.has(r.form.To)) continue;
    const key = pairOf(r.form.To, r.form.Body);
    postsOf.set(key, (postsOf.get(key) ?? 0) + 1);
  }
  const expectedPairs = [...mine].flatMap((p) => [pairOf(p, BODIES.first), pairOf(p, BODIES.second)]);
  const expectedSet = new Set(expectedPairs);
  return {
    delivered: [...count.values()].reduce((a, b) => a + b, 0),
    duplicates: [...count].filter(([, n]) => n > 1).map(([k, n]) => `${k} x${n}`),
    missing: expectedPairs.filter((k) => !count.has(k)),
    unexpected: [...count.keys()].filter((k) => !expectedSet.has(k)),
    expected: expectedPairs.length,
    postsOf,
  };
}

/** Accepted event ids missing from the `events` table, and ids stored more than once. */
export async function eventsCheck(db: DataSource, acceptedIds: string[]): Promise<{ stored: number; missing: string[]; repeated: string[] }> {
  const rows: { event_id: string; n: string }[] = await db.query(
    `SELECT event_id, count(*) AS n FROM events WHERE event_id = ANY($1::text[]) GROUP BY event_id`,
    [acceptedIds],
  );
  const have = new Set(rows.map((r) => r.event_id));
  return {
    stored: rows.reduce((a, r) => a + Number(r.n), 0),
    missing: acceptedIds.filter((id) => !have.has(id)),
    repeated: rows.filter((r) => Number(r.n) > 1).map((r) => r.event_id),
  };
}

/** What every drill reports: deliveries at the fake, accepted and stored events, the ledger, how runs ended. */
export interface DrillOutcome {
  customers: number;
  delivery: Delivery;
  ledger: LedgerRow[];
  ended: EnrollmentRow[];
  /** Events the client believed accepted and events stored (drills that send none: 0 and 0). */
  events?: { accepted: number; stored: number };
}

/** Prints (and returns) the drill's report line: the shared counts, then the drill's own `extra` ones. */
export function report(name: string, outcome: DrillOutcome, extra: Record<string, string | number> = {}): string {
  const fields: Record<string, string | number> = {
    customers: outcome.customers,
    delivered_at_fake: outcome.delivery.delivered,
    expected: outcome.delivery.expected,
    duplicates: outcome.delivery.duplicates.length,
    events_accepted: outcome.events?.accepted ?? 0,
    events_stored: outcome.events?.stored ?? 0,
    ...extra,
    ledger_sent: outcome.ledger.filter((r) => r.status === 'sent').length,
    completed: outcome.ended.filter((e) => e.status === 'completed').length,
  };
  const line = `drill ${name}: ${Object.entries(fields)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ')}`;
  console.log(line);
  return line;
}
