/**
 * Segment-triggered bulk entry over HTTP: a one-off run enrolls every member once with progress
 * visible while it goes; a Temporal Schedule's run enrolls only newcomers (the journey's re-entry
 * policy would let the others in again); schedules are listed and deleted. Real app, PostgreSQL,
 * Temporal dev server and worker.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ScheduleNotFoundError } from '@temporalio/client';
import { canvas, startApi, type ApiHarness } from '../api/api-harness.js';
import { createSegmentEntryActivities } from '../../activities/segment-entry.js';
import { withCustomersLocked } from '../support/customers-lock.js';
import { eventually, FAST_DEFAULTS } from '../support/runtime-harness.js';
import { insertCohort } from './population.js';

let api: ApiHarness;
const unique = Date.now().toString(36);
const cohort = `seg-run-${unique}`;
const journeyId = `seg-entry-${unique}`;
const segment = `seg-run-members-${unique}`;
const runs = `/v1/journeys/${journeyId}/segment-runs`;
const schedules = `/v1/journeys/${journeyId}/segment-schedules`;

/** Members are the cohort's C3+ customers: 5 of the first 7. */
const customer = (n: number, risk: string) => ({ id: `${cohort}-${String(n).padStart(2, '0')}`, traits: { risk_level: risk } });
const FIRST = [customer(1, 'C3'), customer(2, 'C1'), customer(3, 'C4'), customer(4, 'C5'), customer(5, 'C2'), customer(6, 'C3'), customer(7, 'C4')];
const FIRST_MEMBERS = [1, 3, 4, 6, 7].map((n) => FIRST[n - 1].id);

beforeAll(async () => {
  api = await startApi('segment-runs');
  await insertCohort(api.rt.db, cohort, FIRST);
  await api
    .as('marketer')
    .post('/v1/segments')
    .send({ key: segment, name: 'C3 and up', rule: { and: [{ trait: 'cohort', op: 'eq', value: cohort }, { trait: 'risk_level', op: 'in', value: ['C3', 'C4', 'C5'] }] } })
    .expect(201);
  // after_exit would let a customer whose run ended in again: only the segment-run trigger key stops it.
  const journey = canvas('Segment entry', [{ id: 'start', type: 'trigger', trigger: { kind: 'api' } }, { id: 'done', type: 'exit' }], [{ from: 'start', to: 'done' }], {
    settings: { reentry: { policy: 'after_exit' } },
  });
  await api.as('marketer').put(`/v1/journeys/${journeyId}/publish`).send(journey).expect(201);
});
afterAll(async () => {
  await api?.stop();
});

interface RunView {
  id: string;
  status: string;
  scheduleId: string | null;
  total: number | null;
  processed: number;
  enrolled: number;
  skipped: number;
}

async function enrolledCustomers(): Promise<{ customer_id: string; trigger_key: string; status: string }[]> {
  return api.rt.db.query(`SELECT customer_id, trigger_key, status FROM enrollments WHERE journey_id = $1 ORDER BY customer_id, seq`, [journeyId]);
}

describe('a one-off segment run', () => {
  it('enrolls every member once, in batches at the given rate, with progress while it runs', async () => {
    const started = await api.as('marketer').post(runs).send({ segment, batchSize: 2, ratePerSecond: 2 }).expect(202);
    expect(started.body).toMatchObject({ journeyId, segment, status: 'running', batchSize: 2, ratePerSecond: 2, processed: 0 });
    const runId: string = started.body.id;

    const midway = await eventually('the run half way', async () => {
      const res = await api.as('viewer').get(`${runs}/${runId}`).expect(200);
      return res.body.status === 'running' && res.body.processed > 0 ? (res.body as RunView) : null;
    }, 20_000);
    expect(midway).toMatchObject({ total: 5 });
    expect(midway.processed).toBeLessThan(5);

    const done = await eventually('the run completed', async () => {
      const res = await api.as('support').get(`${runs}/${runId}`).expect(200);
      return res.body.status === 'completed' ? (res.body as RunView) : null;
    }, 30_000);
    expect(done).toMatchObject({ total: 5, processed: 5, enrolled: 5, skipped: 0, scheduleId: null });
    await eventually('the journey runs ended', async () => (await enrolledCustomers()).every((e) => e.status === 'completed'), 20_000);
    expect((await enrolledCustomers()).map((e) => [e.customer_id, e.trigger_key])).toEqual(
      FIRST_MEMBERS.map((id) => [id, `segment-run:${journeyId}:${id}`]),
    );
  });
});

describe('a scheduled segment run', () => {
  it('enrolls only newcomers on its next run, and the schedule is listed and deleted', async () => {
    await insertCohort(api.rt.db, cohort, [customer(8, 'C5'), customer(9, 'C1'), customer(10, 'C3')]);
    const created = await api.as('marketer').post(schedules).send({ segment, every: 'PT1H', batchSize: 50 }).expect(201);
    expect(created.body).toMatchObject({ journeyId, segment, spec: { everyMs: 3_600_000 }, batchSize: 50, ratePerSecond: null });
    expect(created.body.nextRunAt.length).toBeGreaterThan(0);
    const scheduleId: string = created.body.id;

    await api.rt.client.schedule.getHandle(scheduleId).trigger();
    const run = await eventually('the scheduled run completed', async () => {
      const res = await api.as('viewer').get(runs).expect(200);
      const found = (res.body.items as RunView[]).find((r) => r.scheduleId === scheduleId && r.status !== 'running');
      return found ?? null;
    }, 30_000);
    expect(run).toMatchObject({ status: 'completed', total: 7, processed: 7, enrolled: 2, skipped: 5 });
    const enrolled = (await enrolledCustomers()).map((e) => e.customer_id);
    expect(enrolled).toEqual([...FIRST_MEMBERS, `${cohort}-08`, `${cohort}-10`].sort());

    const listed = await api.as('support').get(schedules).expect(200);
    expect(listed.body.items.map((s: { id: string }) => s.id)).toEqual([scheduleId]);
    await api.as('viewer').delete(`${schedules}/${scheduleId}`).expect(403);
    await api.as('marketer').delete(`${schedules}/${scheduleId}`).expect(204);
    await api.http().get(`${schedules}/${scheduleId}`).expect(404);
    await expect(api.rt.client.schedule.getHandle(scheduleId).describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
    const audit: { action: string }[] = await api.rt.db.query(`SELECT action FROM audit_log WHERE entity_id = $1 ORDER BY id`, [scheduleId]);
    expect(audit.map((a) => a.action)).toEqual(['segment_schedule.create', 'segment_schedule.delete']);
  });
});

describe('a segment query that runs too long', () => {
  it('is cancelled in PostgreSQL and fails the run with segment_query_timeout, without retries', async () => {
    const activities = createSegmentEntryActivities(api.rt.db, { queryTimeoutMs: 300 });
    const runId = `seg-run-timeout-${unique}`;
    const begin = { runId, journeyId, segment, scheduleId: null, batchSize: 2, ratePerSecond: null };
    const timedOut = { type: 'segment_query_timeout', nonRetryable: true, message: expect.stringContaining('took longer than 300 ms') };
    // Queries that cannot finish in time: another session holds the customers table exclusively.
    await withCustomersLocked(
      api.rt.db,
      async () => {
        await expect(activities.beginSegmentRun(begin)).rejects.toMatchObject(timedOut);
        const page = { runId, journeyId, segment, after: null, batchSize: 2, defaults: FAST_DEFAULTS };
        await expect(activities.enrollSegmentBatch(page)).rejects.toMatchObject(timedOut);
      },
      async () => {
        // Nothing half-done: the count was rolled back with its statement, and counts normally now.
        const [before] = await api.rt.db.query(`SELECT total FROM segment_runs WHERE id = $1`, [runId]);
        expect(before.total).toBeNull();
        await activities.beginSegmentRun(begin);
        const [after] = await api.rt.db.query(`SELECT total FROM segment_runs WHERE id = $1`, [runId]);
        const preview = await api.as('viewer').get(`/v1/segments/${segment}/preview`).expect(200);
        expect(Number(after.total)).toBe(preview.body.count);
        expect(preview.body.count).toBeGreaterThanOrEqual(FIRST_MEMBERS.length);
      },
    );
  });
});

describe('refusals', () => {
  it('checks the journey, the segment, the body and the role', async () => {
    const inactive = await api.as('marketer').post(`/v1/journeys/none-${unique}/segment-runs`).send({ segment }).expect(404);
    expect(inactive.body.error.code).toBe('journey_not_active');
    const noSegment = await api.as('marketer').post(runs).send({}).expect(422);
    expect(noSegment.body.error.code).toBe('segment_required');
    const unknown = await api.as('marketer').post(runs).send({ segment: `nope-${unique}` }).expect(422);
    expect(unknown.body.error.code).toBe('segment_not_found');
    const badBatch = await api.as('marketer').post(runs).send({ segment, batchSize: 0 }).expect(400);
    expect(badBatch.body.error.issues).toEqual([expect.objectContaining({ path: '$.batchSize' })]);
    const noTiming = await api.as('marketer').post(schedules).send({ segment }).expect(400);
    expect(noTiming.body.error.code).toBe('invalid_body');
    const tooOften = await api.as('marketer').post(schedules).send({ segment, every: 'PT10S' }).expect(400);
    expect(tooOften.body.error.issues).toEqual([expect.objectContaining({ path: '$.every' })]);
    const badCron = await api.as('marketer').post(schedules).send({ segment, cron: 'every full moon' }).expect(422);
    expect(badCron.body.error.code).toBe('invalid_schedule');
    await api.as('viewer').post(runs).send({ segment }).expect(403);
    await api.as('engineer').get(runs).expect(403);
    await api.http().get(`${runs}/nope`).expect(404);
  });

  it('refuses to delete a segment a schedule enrolls', async () => {
    const created = await api.as('marketer').post(schedules).send({ segment, cron: '0 9 * * MON', timeZone: 'Asia/Shanghai' }).expect(201);
    const res = await api.as('marketer').delete(`/v1/segments/${segment}`).expect(409);
    expect(res.body.error).toMatchObject({ code: 'segment_in_use', schedules: [created.body.id] });
    await api.as('marketer').delete(`${schedules}/${created.body.id}`).expect(204);
  });
});
