/**
 * Stuck runs: enrollments written to look stuck in each of the three ways (and healthy ones next to
 * them) are listed by `GET /v1/operations/stuck-runs` with the right reason and counted by
 * `je_stuck_runs`. Real PostgreSQL and Nest app; no workflow runs (rows are inserted directly).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { createApp } from '../../api/app.factory.js';
import { FAST_DEFAULTS, startRuntime, type RuntimeHarness } from '../support/runtime-harness.js';
import { parsePromText, valueOf } from './prom-text.js';
import { adminHttp } from '../support/api-keys.js';

const unique = Date.now().toString(36);
const journeyId = `stuck-${unique}`;
const versionId = `${journeyId}@1`;
let rt: RuntimeHarness;
let app: NestExpressApplication;

/** Enrollment rows: [customer, status, current node, waiting_until, enrolled/started offset, last step offset] (SQL intervals from now). */
const ROWS: [string, 'pending' | 'active' | 'completed', string | null, string | null, string, string | null][] = [
  ['overdue', 'active', 'wait_3d', '-10 minutes', '-3 days', '-3 days'],
  ['waiting', 'active', 'wait_3d', '+1 hour', '-1 day', '-1 day'],
  ['in-grace', 'active', 'wait_3d', '-1 minute', '-1 day', '-1 day'],
  ['unstarted', 'pending', null, null, '-20 minutes', null],
  ['just-enrolled', 'pending', null, null, '-1 minute', null],
  ['no-progress', 'active', 'sms', null, '-3 hours', '-2 hours'],
  ['progressing', 'active', 'sms', null, '-3 hours', '-1 minute'],
  ['finished', 'completed', 'done', null, '-3 days', '-3 days'],
];
let http: Awaited<ReturnType<typeof adminHttp>>;
const idOf = (customer: string) => `journey:${journeyId}:customer:${customer}-${unique}:run:1`;

beforeAll(async () => {
  rt = await startRuntime('stuck', { worker: false });
  app = await createApp({ db: rt.db, temporal: rt.client, taskQueue: rt.taskQueue, defaults: FAST_DEFAULTS });
  http = await adminHttp(app.getHttpServer(), rt.db);
  await rt.db.query(`INSERT INTO journeys (id, name, status) VALUES ($1, 'Stuck', 'active')`, [journeyId]);
  await rt.db.query(
    `INSERT INTO journey_versions (id, journey_id, version, canvas, plan, trigger_kind, active) VALUES ($1, $2, 1, '{}', '{}', 'api', false)`,
    [versionId, journeyId],
  );
  for (const [customer, status, node, waitingUntil, enrolled, lastStep] of ROWS) {
    await rt.db.query(
      `INSERT INTO enrollments (id, journey_id, version_id, customer_id, seq, status, current_node, waiting_until, enrolled_at, started_at)
       VALUES ($1, $2, $3, $4, 1, $5, $6, now() + $7::interval, now() + $8::interval, CASE WHEN $5 = 'pending' THEN NULL ELSE now() + $8::interval END)`,
      [idOf(customer), journeyId, versionId, `${customer}-${unique}`, status, node, waitingUntil, enrolled],
    );
    if (lastStep) {
      await rt.db.query(
        `INSERT INTO enrollment_steps (enrollment_id, seq, at, node_id, kind) VALUES ($1, 1, now() + $2::interval - interval '1 minute', NULL, 'enrolled'),
                                                                                 ($1, 2, now() + $2::interval, $3, 'node_entered')`,
        [idOf(customer), lastStep, node],
      );
    }
  }
});

afterAll(async () => {
  // Leave nothing that looks stuck to the tests that run after this one.
  await rt?.db.query(`DELETE FROM enrollments WHERE journey_id = $1`, [journeyId]);
  await app?.close();
  await rt?.stop();
});

type Run = Record<string, unknown>;
async function stuck(query = ''): Promise<Run[]> {
  const res = await http().get(`/v1/operations/stuck-runs?limit=1000${query}`).expect(200);
  return (res.body.items as Run[]).filter((r) => r.journeyId === journeyId);
}

describe('GET /v1/operations/stuck-runs', () => {
  it('lists each kind of stuck run with its reason, longest stuck first, and no healthy run', async () => {
    const runs = await stuck();
    // Ordered by when each got stuck: last step 2 h ago, enrolled 20 min ago, wait due 10 min ago.
    expect(runs.map((r) => [r.customerId, r.reason])).toEqual([
      [`no-progress-${unique}`, 'no_progress'],
      [`unstarted-${unique}`, 'never_started'],
      [`overdue-${unique}`, 'wait_overdue'],
    ]);
    const [noProgress, unstarted, overdue] = runs;
    expect(overdue).toEqual({
      journeyId,
      versionId,
      enrollmentId: idOf('overdue'),
      customerId: `overdue-${unique}`,
      status: 'active',
      currentNode: 'wait_3d',
      waitingUntil: expect.any(String),
      lastStepAt: expect.any(String),
      enrolledAt: expect.any(String),
      reason: 'wait_overdue',
      stuckSince: overdue.waitingUntil,
    });
    expect(Date.now() - Date.parse(overdue.waitingUntil as string)).toBeGreaterThan(9 * 60_000);
    expect([noProgress.stuckSince, unstarted.stuckSince]).toEqual([noProgress.lastStepAt, unstarted.enrolledAt]);
    expect(unstarted).toMatchObject({ status: 'pending', currentNode: null, waitingUntil: null, lastStepAt: null });
    expect(noProgress).toMatchObject({ currentNode: 'sms', waitingUntil: null });
    const lastStepAge = Date.now() - Date.parse(noProgress.lastStepAt as string);
    expect(lastStepAge).toBeGreaterThan(119 * 60_000);
    expect(lastStepAge).toBeLessThan(121 * 60_000);
  });

  it('takes the wait grace, the no-progress threshold and a limit from the query', async () => {
    const strict = await stuck('&graceSeconds=30&olderThan=PT3H');
    expect(strict.map((r) => [r.customerId, r.reason])).toEqual([
      [`unstarted-${unique}`, 'never_started'],
      [`overdue-${unique}`, 'wait_overdue'],
      [`in-grace-${unique}`, 'wait_overdue'],
    ]);
    const res = await http().get('/v1/operations/stuck-runs?limit=1&graceSeconds=30').expect(200);
    expect(res.body.items).toHaveLength(1);
    expect(res.body.thresholds).toEqual({ graceSeconds: 30, pendingSeconds: 300, olderThanSeconds: 3600 });
    // Page by page, one at a time: the same runs in the same order as the whole list.
    const whole = (await http().get('/v1/operations/stuck-runs?limit=1000&graceSeconds=30&olderThan=PT3H').expect(200)).body.items as Run[];
    const paged: Run[] = [];
    for (let cursor: string | null = null, pages = 0; pages === 0 || cursor; pages++) {
      const query = { limit: 2, graceSeconds: 30, olderThan: 'PT3H', ...(cursor ? { cursor } : {}) };
      const body: { items: Run[]; nextCursor: string | null } = (await http().get('/v1/operations/stuck-runs').query(query).expect(200)).body;
      expect(body.items.length).toBeLessThanOrEqual(2);
      paged.push(...body.items);
      cursor = body.nextCursor;
    }
    expect(paged.map((r) => r.enrollmentId)).toEqual(whole.map((r) => r.enrollmentId));
    expect(whole.length).toBeGreaterThanOrEqual(3);
  });

  it('400s bad query parameters, naming each', async () => {
    const res = await http().get('/v1/operations/stuck-runs?limit=0&graceSeconds=-1&olderThan=1h').expect(400);
    expect(res.body.error.code).toBe('invalid_query');
    expect(res.body.error.issues.map((i: { path: string }) => i.path)).toEqual(['$query.limit', '$query.graceSeconds', '$query.olderThan']);
    const forged = await http().get('/v1/operations/stuck-runs').query({ cursor: 'not-a-cursor' }).expect(400);
    expect(forged.body.error.issues.map((i: { path: string }) => i.path)).toEqual(['$query.cursor']);
  });
});

describe('je_stuck_runs', () => {
  it('counts the same runs per journey and reason', async () => {
    const res = await (await adminHttp(app.getHttpServer(), rt.db))().get('/metrics').expect(200);
    const { samples } = parsePromText(res.text);
    expect(valueOf(samples, 'je_stuck_runs', { journey_id: journeyId, reason: 'wait_overdue' })).toBe(1);
    expect(valueOf(samples, 'je_stuck_runs', { journey_id: journeyId, reason: 'never_started' })).toBe(1);
    expect(valueOf(samples, 'je_stuck_runs', { journey_id: journeyId, reason: 'no_progress' })).toBe(1);
    expect(valueOf(samples, 'je_waits_in_progress', { journey_id: journeyId, node_id: 'wait_3d' })).toBe(3);
  });
});
