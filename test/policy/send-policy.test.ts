/**
 * Quiet hours, frequency caps and consent on the time-skipping server, with the real activities and
 * database: a marketing SMS decided at 23:00 local waits until 09:00 the next local day, across a
 * daylight-saving change; caps count sends by workflow time across journeys; opted-out customers get
 * no marketing but do get transactional messages.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { DataSource } from 'typeorm';
import { createActivities } from '../../activities/index.js';
import type { Canvas } from '../../engine/canvas.js';
import { parseFrequencyCaps } from '../../engine/policy.js';
import { createDataSource } from '../../store/data-source.js';
import { WORKFLOWS_PATH } from '../../worker/worker.js';
import { createTimeSkippingEnv, testDatabaseUrl } from '../support/env.js';
import { planOf, runInput } from '../support/runs.js';
import { bundleWorkflows } from '../../scripts/lib/workflow-bundle.js';

const HOUR = 3_600_000;
const TASK_QUEUE = 'send-policy-test';
const prefix = `policy-${Date.now().toString(36)}`;
let env: TestWorkflowEnvironment;
let db: DataSource;
let worker: Worker;
let running: Promise<void>;

beforeAll(async () => {
  db = createDataSource(testDatabaseUrl(), { poolSize: 4 });
  const [testEnv, bundle] = await Promise.all([createTimeSkippingEnv(), bundleWorkflows(WORKFLOWS_PATH), db.initialize()]);
  env = testEnv;
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: TASK_QUEUE,
    workflowBundle: bundle,
    activities: createActivities({ db, policy: { caps: parseFrequencyCaps('sms:1/P1D') } }),
  });
  running = worker.run();
  await db.query(`INSERT INTO journeys (id, name) VALUES ($1, 'policy')`, [prefix]);
  await db.query(`INSERT INTO journey_versions (id, journey_id, version, canvas, plan, trigger_kind) VALUES ($1, $2, 1, '{}', '{}', 'api')`, [
    `${prefix}@1`,
    prefix,
  ]);
});
afterAll(async () => {
  worker?.shutdown();
  await running;
  await env?.teardown();
  await db?.destroy();
});

/** trigger -> sms (category) -> exit, with quiet hours for SMS from 21:00 to 09:00. */
const journey = (category: 'marketing' | 'transactional') =>
  planOf({
    schemaVersion: 2,
    name: 'policy',
    settings: { quietHours: { sms: { start: '21:00', end: '09:00' } } },
    nodes: [
      { id: 'start', type: 'trigger', trigger: { kind: 'api' } },
      { id: 'sms', type: 'action', action: 'sms', category, params: { body: `a ${category} message` } },
      { id: 'done', type: 'exit' },
    ],
    edges: [
      { from: 'start', to: 'sms' },
      { from: 'sms', to: 'done' },
    ],
  } satisfies Canvas);

let runs = 0;
/** Enrolls `customerId` (the enrollment row the ledger references) and starts its run now. */
async function start(customerId: string, category: 'marketing' | 'transactional'): Promise<{ id: string }> {
  runs++;
  const input = runInput(journey(category), customerId, { kind: 'api', payload: {} }, await env.currentTimeMs(), {
    enrollmentId: `${prefix}:run${runs}`,
    journeyId: prefix,
    versionId: `${prefix}@1`,
  });
  await db.query(`INSERT INTO enrollments (id, journey_id, version_id, customer_id, seq, status, entry_key) VALUES ($1, $2, $3, $4, 1, 'pending', $1)`, [
    input.enrollmentId,
    prefix,
    `${prefix}@1`,
    customerId,
  ]);
  await env.client.workflow.start('journeyRun', { taskQueue: TASK_QUEUE, workflowId: input.enrollmentId, args: [input] });
  return { id: input.enrollmentId };
}

async function customer(id: string, traits: Record<string, unknown>) {
  await db.query(`INSERT INTO customers (id, traits) VALUES ($1, $2)`, [`${prefix}-${id}`, JSON.stringify(traits)]);
  return `${prefix}-${id}`;
}

const steps = async (enrollmentId: string) =>
  (await db.query(`SELECT kind, node_id, detail, at FROM enrollment_steps WHERE enrollment_id = $1 ORDER BY seq`, [enrollmentId])) as {
    kind: string;
    detail: Record<string, unknown>;
    at: Date;
  }[];

/**
 * Waits (real time) until the run has ended, by its enrollment row. Awaiting `result()` instead would
 * unlock time skipping, and under load the server then skips over activities' timeouts.
 */
async function finished(enrollmentId: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const [row]: { ended_at: Date | null }[] = await db.query(`SELECT ended_at FROM enrollments WHERE id = $1`, [enrollmentId]);
    if (row?.ended_at) return;
    if (Date.now() > deadline) throw new Error(`run ${enrollmentId} did not end`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function stepRecorded(enrollmentId: string, kind: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await steps(enrollmentId)).some((s) => s.kind === kind)) {
    if (Date.now() > deadline) throw new Error(`run ${enrollmentId} recorded no ${kind}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Skips the test server's clock forward to `targetMs`. */
async function skipTo(targetMs: number) {
  const now = await env.currentTimeMs();
  if (targetMs > now) await env.sleep(targetMs - now);
}

describe('quiet hours', () => {
  it('defer a marketing SMS decided at 23:00 local to 09:00 the next local day, across a spring-forward night', async () => {
    // New York springs forward at 02:00 on 2027-03-14: 23:00 EST on the 13th is 04:00Z; 09:00 EDT is 13:00Z.
    await skipTo(Date.parse('2027-03-14T04:00:00Z'));
    const ny = await customer('ny', { phone: '+12125550100', timeZone: 'America/New_York' });
    const { id } = await start(ny, 'marketing');
    await stepRecorded(id, 'wait_started');
    await skipTo(Date.parse('2027-03-14T13:01:00Z'));
    await finished(id);
    const log = await steps(id);
    const deferred = log.find((s) => s.kind === 'wait_started')!;
    expect(deferred.detail).toMatchObject({ kind: 'quiet_hours', reason: 'quiet_hours', until: '2027-03-14T13:00:00.000Z' });
    const action = log.find((s) => s.kind === 'action')!;
    expect(action.detail).toMatchObject({ status: 'sent' });
    expect(action.at.getTime()).toBeGreaterThanOrEqual(Date.parse('2027-03-14T13:00:00Z'));
  });

  it('do not hold back a transactional SMS', async () => {
    const now = await env.currentTimeMs();
    // 23:30 in Shanghai on the next day (15:30Z).
    const day = new Date(now + 24 * HOUR).toISOString().slice(0, 10);
    await skipTo(Date.parse(`${day}T15:30:00Z`));
    const sh = await customer('sh', { phone: '+8613800000001', timeZone: 'Asia/Shanghai' });
    const { id } = await start(sh, 'transactional');
    await finished(id);
    const log = await steps(id);
    expect(log.some((s) => s.kind === 'wait_started')).toBe(false);
    expect(log.find((s) => s.kind === 'action')!.detail).toMatchObject({ status: 'sent' });
  });
});

describe('caps and consent', () => {
  it('suppress the second marketing SMS within a day across journeys, and allow one the next day', async () => {
    const now = await env.currentTimeMs();
    const day = new Date(now + 24 * HOUR).toISOString().slice(0, 10);
    await skipTo(Date.parse(`${day}T04:00:00Z`)); // 12:00 in Shanghai, outside quiet hours
    const capped = await customer('capped', { phone: '+8613800000002', timeZone: 'Asia/Shanghai' });
    const first = await start(capped, 'marketing');
    await finished(first.id);
    await env.sleep(HOUR);
    const second = await start(capped, 'marketing');
    await finished(second.id);
    await env.sleep(24 * HOUR);
    const third = await start(capped, 'marketing');
    await finished(third.id);
    const outcome = async (id: string) => (await steps(id)).find((s) => s.kind === 'action')!.detail;
    expect(await outcome(first.id)).toMatchObject({ status: 'sent' });
    expect(await outcome(second.id)).toMatchObject({ status: 'suppressed', error: { code: 'frequency_cap' } });
    expect(await outcome(third.id)).toMatchObject({ status: 'sent' });
  });

  it('send no marketing to a customer who opted out, but still send transactional messages', async () => {
    const optedOut = await customer('optout', { phone: '+8613800000003', timeZone: 'Asia/Shanghai', consent: { sms: false } });
    const marketing = await start(optedOut, 'marketing');
    const transactional = await start(optedOut, 'transactional');
    await Promise.all([finished(marketing.id), finished(transactional.id)]);
    expect((await steps(marketing.id)).find((s) => s.kind === 'action')!.detail).toMatchObject({ status: 'suppressed', error: { code: 'no_consent' } });
    const sends = (await db.query(`SELECT payload->>'body' AS body FROM recorded_sends WHERE customer_id = $1`, [optedOut])) as { body: string }[];
    expect(sends.map((s) => s.body)).toEqual(['a transactional message']);
  });
});
