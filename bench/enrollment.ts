/**
 * Benchmark 1: enrollment throughput. N `registered` events go through IngestionService in batches;
 * the clock runs from the first batch until the last run has ended. The baseline is a plain workflow
 * of the same shape (activities and timer counted from one journey run's history) started directly
 * with the client on the same Temporal server.
 */
import type { PlainRunInput } from './plain-workflow.js';
import { enrollmentCanvas, publish, upsertCustomers } from './journeys.js';
import type { BenchDeps } from './runtime.js';
import { deliveriesTo, mapLimit, phoneNumbers, round, waitFor } from './stats.js';

export interface EnrollmentBenchOptions {
  customers: number;
  /** Events per IngestionService.ingest call (500). */
  batchSize?: number;
  /** Trigger event name ('registered'); the smoke test uses its own so parallel tests don't interfere. */
  trigger?: string;
  /** Plain workflows started at once (10). */
  plainStartConcurrency?: number;
  timeoutMs?: number;
}

export interface RunShape {
  activitiesBeforeTimer: number;
  activitiesAfterTimer: number;
  timers: number;
  /** Scheduled activities of one journey run by type. */
  activityTypes: Record<string, number>;
  historyEvents: number;
}

export interface EnrollmentBenchResult {
  customers: number;
  batchSize: number;
  journey: { ingestSeconds: number; seconds: number; perSecond: number; statuses: Record<string, number> };
  plain: { seconds: number; perSecond: number; completed: number; startConcurrency: number };
  /** journey customers/s divided by plain workflows/s. */
  fractionOfPlain: number;
  shape: RunShape;
  sms: { journey: ReturnType<typeof deliveriesTo>; plain: ReturnType<typeof deliveriesTo> };
}

export async function runEnrollmentBench(deps: BenchDeps, opts: EnrollmentBenchOptions): Promise<EnrollmentBenchResult> {
  const n = opts.customers;
  const batchSize = opts.batchSize ?? 500;
  const trigger = opts.trigger ?? 'registered';
  const timeoutMs = opts.timeoutMs ?? Math.max(120_000, n * 500);
  const journeyId = `${deps.prefix}-enroll`;
  const phones = phoneNumbers(201, n);
  const customerIds = phones.map((_, i) => `${deps.prefix}-enroll-c${i}`);

  await publish(deps, journeyId, enrollmentCanvas(trigger));
  await upsertCustomers(
    deps,
    customerIds.map((id, i) => ({ id, traits: { phone: phones[i], vip: i % 2 === 0, timeZone: 'Asia/Shanghai' } })),
  );
  const now = Date.now();
  const events = customerIds.map((customerId, i) => ({
    eventId: `${deps.prefix}-enroll-e${i}`,
    customerId,
    name: trigger,
    eventTime: new Date(now).toISOString(),
  }));

  // Ours: first batch -> last run ended.
  const started = performance.now();
  for (let i = 0; i < events.length; i += batchSize) await deps.ingestion.ingest(events.slice(i, i + batchSize));
  const ingested = performance.now();
  await waitFor(
    `${n} ended runs of ${journeyId}`,
    async () => {
      const [row]: { ended: number }[] = await deps.db.query(
        `SELECT count(*)::int AS ended FROM enrollments WHERE journey_id = $1 AND ended_at IS NOT NULL`,
        [journeyId],
      );
      return row.ended >= n;
    },
    timeoutMs,
    50,
  );
  const ended = performance.now();
  await deps.publishing.deactivate(journeyId);
  const statusRows: { status: string; n: number }[] = await deps.db.query(
    `SELECT status, count(*)::int AS n FROM enrollments WHERE journey_id = $1 GROUP BY status`,
    [journeyId],
  );
  const statuses = Object.fromEntries(statusRows.map((r) => [r.status, r.n]));

  // The shape of one run, from its history.
  const [one]: { id: string }[] = await deps.db.query(`SELECT id FROM enrollments WHERE journey_id = $1 ORDER BY id LIMIT 1`, [journeyId]);
  const shape = await runShape(deps, one.id);

  // Baseline: the same number of activities and the timer, in a plain workflow.
  const plainPhones = phoneNumbers(202, n);
  const concurrency = opts.plainStartConcurrency ?? 10;
  const plainStarted = performance.now();
  const handles = await mapLimit(plainPhones, concurrency, (to, i) => {
    const input: PlainRunInput = {
      to,
      body: 'Welcome!',
      activitiesBeforeTimer: shape.activitiesBeforeTimer,
      activitiesAfterTimer: Math.max(1, shape.activitiesAfterTimer),
      timerMs: 1000,
    };
    return deps.client.workflow.start('plainRun', { taskQueue: deps.plainTaskQueue, workflowId: `${deps.prefix}-plain-${i}`, args: [input] });
  });
  let completed = 0;
  for (const handle of handles) {
    await handle.result();
    completed++;
  }
  const plainEnded = performance.now();

  const journeySeconds = (ended - started) / 1000;
  const plainSeconds = (plainEnded - plainStarted) / 1000;
  const journeyRate = n / journeySeconds;
  const plainRate = n / plainSeconds;
  return {
    customers: n,
    batchSize,
    journey: { ingestSeconds: round((ingested - started) / 1000, 2), seconds: round(journeySeconds, 2), perSecond: round(journeyRate), statuses },
    plain: { seconds: round(plainSeconds, 2), perSecond: round(plainRate), completed, startConcurrency: concurrency },
    fractionOfPlain: round(journeyRate / plainRate, 2),
    shape,
    sms: { journey: deliveriesTo(deps.fake.messages, phones), plain: deliveriesTo(deps.fake.messages, plainPhones) },
  };
}

/** Counts the activities scheduled before and after the (first) timer of a workflow, and its timers. */
export async function runShape(deps: BenchDeps, workflowId: string): Promise<RunShape> {
  const history = await deps.client.workflow.getHandle(workflowId).fetchHistory();
  const shape: RunShape = { activitiesBeforeTimer: 0, activitiesAfterTimer: 0, timers: 0, activityTypes: {}, historyEvents: history.events?.length ?? 0 };
  for (const event of history.events ?? []) {
    if (event.timerStartedEventAttributes) shape.timers++;
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled) {
      if (shape.timers === 0) shape.activitiesBeforeTimer++;
      else shape.activitiesAfterTimer++;
      const type = scheduled.activityType?.name ?? '?';
      shape.activityTypes[type] = (shape.activityTypes[type] ?? 0) + 1;
    }
  }
  return shape;
}
