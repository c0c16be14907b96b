/**
 * Backtests over HTTP: a draft replayed over a small generated population of stored customers and
 * events (written straight to PostgreSQL). Every figure the backtest reports is checked against
 * figures computed independently, by SQL over the same events (not by the simulator); paging (a
 * second backtest with pages of 7) gives the same figures; nothing is enrolled or sent; validation,
 * roles and 404/422. Real app, PostgreSQL, Temporal dev server and worker.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { defaultChannelDescriptors } from '../../activities/channels/registry.js';
import { actionSpecsOf } from '../../core/channels/descriptor.js';
import type { Client } from '@temporalio/client';
import { DurableOperations } from '../../core/operations.js';
import { Backtests } from '../../core/simulation/backtests.js';
import { createApp } from '../../api/app.factory.js';
import { createLogger } from '../../observability/logger.js';
import { keyedAgent } from '../support/api-keys.js';
import { simulatedChannels } from '../../engine/simulation/world.js';
import { canvas, startApi, type ApiHarness } from '../api/api-harness.js';
import { eventually, FAST_DEFAULTS } from '../support/runtime-harness.js';

let api: ApiHarness;
const unique = Date.now().toString(36);
const journeyId = `backtest-${unique}`;
// Event names of this run only: the test database is shared with other tests.
const SIGNED_UP = `signed_up_${unique}`;
const OPENED = `app_opened_${unique}`;
const PURCHASE = `purchase_${unique}`;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const FROM = Date.parse('2026-01-05T00:00:00Z');
const TO = Date.parse('2026-01-19T00:00:00Z');
const GRACE = FAST_DEFAULTS.lateEventGraceMs;
const CUSTOMERS = 90;

const journey = canvas(
  'Backtest',
  [
    { id: 'start', type: 'trigger', trigger: { kind: 'event', event: SIGNED_UP, where: [{ property: 'plan', op: 'eq', value: 'pro' }] } },
    { id: 'wait_open', type: 'wait_for_event', event: OPENED, timeout: 'P1D', since: 'entry' },
    { id: 'push_welcome', type: 'action', action: 'push', params: { title: 'Welcome', body: 'Glad to see you' } },
    { id: 'sms_nudge', type: 'action', action: 'sms', params: { body: 'Open the app, {{ traits.first_name | default: "friend" }}' } },
    { id: 'wait_2d', type: 'wait', duration: 'P2D' },
    { id: 'welcomed', type: 'exit', reason: 'welcomed' },
    { id: 'nudged', type: 'exit', reason: 'nudged' },
  ],
  [
    { from: 'start', to: 'wait_open' },
    { from: 'wait_open', port: 'matched', to: 'push_welcome' },
    { from: 'wait_open', port: 'timed_out', to: 'sms_nudge' },
    { from: 'push_welcome', to: 'welcomed' },
    { from: 'sms_nudge', to: 'wait_2d' },
    { from: 'wait_2d', to: 'nudged' },
  ],
  { goal: { event: PURCHASE } },
);

/** A seeded generator, so a failure can be replayed. */
function random(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Customers with traits (some without consent, without a phone, without a profile) and events around the window. */
async function insertPopulation(): Promise<void> {
  const rnd = random(16);
  const customers: [string, Record<string, unknown>][] = [];
  const events: [string, string, string, number, Record<string, unknown>][] = [];
  for (let i = 0; i < CUSTOMERS; i++) {
    const id = `bt-${unique}-${String(i).padStart(3, '0')}`;
    const traits: Record<string, unknown> = { first_name: `C${i}`, push_tokens: [`tok-${i}`] };
    if (i % 7 !== 0) traits.phone = `+86138${String(i).padStart(8, '0')}`;
    if (i % 5 === 0) traits.consent = { sms: false };
    if (i % 17 !== 3) customers.push([id, traits]);
    // Signed up before the window (not taken), in it on the free plan (taken, not entered), or in it on pro.
    const t0 = i % 11 === 0 ? FROM - rnd() * 3 * DAY : FROM + rnd() * (TO - FROM - DAY);
    events.push([`${id}-su`, id, SIGNED_UP, t0, { plan: i % 6 === 0 ? 'free' : 'pro' }]);
    if (i % 12 === 0) events.push([`${id}-su2`, id, SIGNED_UP, t0 + rnd() * 10 * HOUR, { plan: 'pro' }]);
    if (rnd() < 0.55) events.push([`${id}-open`, id, OPENED, t0 + rnd() * 40 * HOUR, {}]);
    if (rnd() < 0.4) events.push([`${id}-buy`, id, PURCHASE, t0 + rnd() * 5 * DAY, { amount: 10 }]);
    if (i % 13 === 0) events.push([`${id}-old-buy`, id, PURCHASE, t0 - DAY, {}]);
  }
  await api.rt.db.query(`INSERT INTO customers (id, traits) SELECT id, traits FROM jsonb_to_recordset($1::jsonb) AS c(id text, traits jsonb)`, [
    JSON.stringify(customers.map(([id, traits]) => ({ id, traits }))),
  ]);
  await api.rt.db.query(
    `INSERT INTO events (event_id, customer_id, name, event_time, properties, dispatched_at)
     SELECT e.event_id, e.customer_id, e.name, to_timestamp(e.ms / 1000.0), e.properties, now()
       FROM jsonb_to_recordset($1::jsonb) AS e(event_id text, customer_id text, name text, ms double precision, properties jsonb)`,
    [JSON.stringify(events.map(([event_id, customer_id, name, ms, properties]) => ({ event_id, customer_id, name, ms: Math.round(ms), properties })))],
  );
}

interface Expected {
  customers: number;
  entered: number;
  matched: number;
  timed_out: number;
  converted: number;
  welcomed: number;
  nudged: number;
  push_sent: number;
  push_failed: number;
  sms_sent: number;
  sms_suppressed: number;
  sms_failed: number;
  hours: Record<string, number>;
}

/**
 * The figures, by SQL alone: entry at the first pro sign-up in the window; the wait matches the first
 * open within a day of it; a purchase after the entry converts the customer if it comes before the run
 * would have ended (at the open, or 3 days and the late-event grace after the entry).
 */
async function expectedBySql(): Promise<Expected> {
  const [row] = await api.rt.db.query(
    `WITH taken AS (
       SELECT DISTINCT customer_id FROM events WHERE name = $1 AND event_time >= $4 AND event_time < $5
     ), entry AS (
       SELECT customer_id, min(event_time) AS t0 FROM events
        WHERE name = $1 AND event_time >= $4 AND event_time < $5 AND properties->>'plan' = 'pro' GROUP BY customer_id
     ), facts AS (
       SELECT en.customer_id, en.t0,
              (SELECT min(e.event_time) FROM events e WHERE e.customer_id = en.customer_id AND e.name = $2
                  AND e.event_time >= en.t0 AND e.event_time <= en.t0 + interval '1 day') AS t_open,
              (SELECT min(e.event_time) FROM events e WHERE e.customer_id = en.customer_id AND e.name = $3 AND e.event_time > en.t0) AS t_goal,
              en.t0 + interval '1 day' + make_interval(secs => $6 / 1000.0) AS t_timeout,
              c.traits
         FROM entry en LEFT JOIN customers c ON c.id = en.customer_id
     ), runs AS (
       SELECT f.*, COALESCE(t_open, t_timeout + interval '2 days') AS t_end,
              (t_goal IS NOT NULL AND t_goal <= COALESCE(t_open, t_timeout)) AS goal_while_waiting
         FROM facts f
     ), outcomes AS (
       SELECT r.*, (t_goal IS NOT NULL AND t_goal <= t_end) AS converted,
              (t_open IS NOT NULL AND NOT goal_while_waiting) AS matched,
              (t_open IS NULL AND NOT goal_while_waiting) AS timed_out
         FROM runs r
     )
     SELECT (SELECT count(*) FROM taken)::int AS customers,
            count(*)::int AS entered,
            count(*) FILTER (WHERE matched)::int AS matched,
            count(*) FILTER (WHERE timed_out)::int AS timed_out,
            count(*) FILTER (WHERE converted)::int AS converted,
            count(*) FILTER (WHERE matched AND NOT converted)::int AS welcomed,
            count(*) FILTER (WHERE timed_out AND NOT converted)::int AS nudged,
            count(*) FILTER (WHERE matched AND traits ? 'push_tokens')::int AS push_sent,
            count(*) FILTER (WHERE matched AND NOT COALESCE(traits ? 'push_tokens', false))::int AS push_failed,
            count(*) FILTER (WHERE timed_out AND COALESCE(traits->'consent'->>'sms', '') <> 'false' AND traits ? 'phone')::int AS sms_sent,
            count(*) FILTER (WHERE timed_out AND traits->'consent'->>'sms' = 'false')::int AS sms_suppressed,
            count(*) FILTER (WHERE timed_out AND COALESCE(traits->'consent'->>'sms', '') <> 'false' AND NOT COALESCE(traits ? 'phone', false))::int AS sms_failed,
            COALESCE((SELECT jsonb_object_agg(h, n) FROM (
              SELECT floor(extract(epoch FROM t_goal - t0) / 3600)::int::text AS h, count(*)::int AS n FROM outcomes WHERE converted GROUP BY 1) g), '{}'::jsonb) AS hours
       FROM outcomes`,
    [SIGNED_UP, OPENED, PURCHASE, new Date(FROM), new Date(TO), GRACE],
  );
  return row as Expected;
}

/** Only non-zero counters: the backtest does not report a count of zero. */
const nonZero = (counts: Record<string, number>) => Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0));

beforeAll(async () => {
  api = await startApi('backtests');
  await api.as('marketer').post('/v1/journeys').send({ id: journeyId, canvas: journey }).expect(201);
  await insertPopulation();
});
afterAll(async () => {
  await api?.stop();
});

const body = { source: 'draft', from: new Date(FROM).toISOString(), to: new Date(TO).toISOString(), horizon: 'P10D' };

async function finished(id: string, role: 'marketer' | 'support' = 'support') {
  return eventually(
    `backtest ${id} to finish`,
    async () => {
      const r = await api.as(role).get(`/v1/journeys/${journeyId}/backtests/${encodeURIComponent(id)}`).expect(200);
      return r.body.status === 'running' ? null : r.body;
    },
    60_000,
  );
}

describe('POST /v1/journeys/:journeyId/backtests', () => {
  it('answers 202 at once, then reports the figures an independent SQL query computes over the same events', async () => {
    const started = await api.as('marketer').post(`/v1/journeys/${journeyId}/backtests`).send(body).expect(202);
    expect(started.body).toMatchObject({ journeyId, source: `${journeyId}@draft`, status: 'running', window: { from: body.from, to: body.to } });
    const done = await finished(started.body.id);
    const sql = await expectedBySql();
    // The population is not trivial: every path and every outcome of a touch occurs.
    for (const key of ['matched', 'timed_out', 'converted', 'push_failed', 'sms_sent', 'sms_suppressed', 'sms_failed'] as const) expect(sql[key]).toBeGreaterThan(0);
    expect(sql.customers).toBeGreaterThan(sql.entered);

    expect(done).toMatchObject({ status: 'completed', progress: { processed: sql.customers, total: sql.customers }, live: null, error: null });
    const f = done.figures;
    expect(f.customers).toBe(sql.customers);
    expect(f.entered).toBe(sql.entered);
    expect(f.nodes).toEqual(nonZero({ wait_open: sql.entered, push_welcome: sql.matched, welcomed: sql.welcomed, sms_nudge: sql.timed_out, wait_2d: sql.timed_out, nudged: sql.nudged }));
    expect(f.edges).toEqual(
      nonZero({ 'wait_open->push_welcome': sql.matched, 'push_welcome->welcomed': sql.welcomed, 'wait_open->sms_nudge': sql.timed_out, 'sms_nudge->wait_2d': sql.timed_out, 'wait_2d->nudged': sql.nudged }),
    );
    expect(f.branches).toEqual({ wait_open: nonZero({ matched: sql.matched, timed_out: sql.timed_out }) });
    expect(f.messages).toEqual({ push: nonZero({ sent: sql.push_sent, failed: sql.push_failed }), sms: nonZero({ sent: sql.sms_sent, suppressed: sql.sms_suppressed, failed: sql.sms_failed }) });
    expect(f.suppressions).toEqual({ no_consent: sql.sms_suppressed });
    expect(f.goal).toEqual({ reached: sql.converted, hoursToGoal: sql.hours });
    expect(f.ended).toEqual({ converted: { goal_reached: sql.converted }, completed: nonZero({ welcomed: sql.welcomed, nudged: sql.nudged }) });
    expect(f.summary.conversionRate).toBeCloseTo(sql.converted / sql.entered, 3);
  });

  it('gives the same figures in pages of 7, and enrolls, sends and stores no event', async () => {
    const descriptors = defaultChannelDescriptors();
    const paged = new Backtests({
      db: api.rt.db,
      temporal: api.rt.client,
      taskQueue: api.rt.taskQueue,
      actions: actionSpecsOf(descriptors),
      channels: simulatedChannels(descriptors),
      caps: {},
      defaults: FAST_DEFAULTS,
      batchSize: 7,
    });
    const whole = await api.as('marketer').post(`/v1/journeys/${journeyId}/backtests`).send(body).expect(202);
    const inPages = await paged.request({ journeyId, source: 'draft', from: FROM, to: TO, horizonMs: 10 * DAY, sample: null, segment: null, requestedBy: 'test' });
    const [a, b] = [await finished(whole.body.id), await finished(inPages.id)];
    expect(b.progress).toEqual(a.progress);
    expect(b.figures).toEqual(a.figures);
    const [footprint] = await api.rt.db.query(
      `SELECT (SELECT count(*) FROM enrollments WHERE journey_id = $1)::int AS enrollments,
              (SELECT count(*) FROM messages WHERE customer_id LIKE $2)::int AS messages,
              (SELECT count(*) FROM events WHERE customer_id LIKE $2)::int AS events,
              (SELECT count(*) FROM backtest_population WHERE backtest_id IN ($3, $4))::int AS population`,
      [journeyId, `bt-${unique}-%`, a.id, b.id],
    );
    const [{ n: eventsWritten }] = await api.rt.db.query(`SELECT count(*)::int AS n FROM events WHERE name LIKE $1`, [`%_${unique}`]);
    expect(footprint).toEqual({ enrollments: 0, messages: 0, events: eventsWritten, population: 0 });
  });

  it('with Temporal away, POST answers 202 with the saved backtest (a retry would only make a second), and the recovery sweep starts it', async () => {
    // The same database and keys, behind an app whose Temporal refuses every call.
    const refuse = async () => Promise.reject(new Error('Temporal is away'));
    const temporalAway = { workflow: { start: refuse }, workflowService: { getSystemInfo: refuse } } as unknown as Client;
    const warnings: string[] = [];
    const logger = createLogger({ service: 'api', level: 'warn', write: (line) => void warnings.push(JSON.parse(line).msg) });
    const away = await createApp({ db: api.rt.db, temporal: temporalAway, taskQueue: api.rt.taskQueue, defaults: FAST_DEFAULTS, logger });
    let id: string;
    try {
      const r = await keyedAgent(away.getHttpServer(), api.keys.marketer).post(`/v1/journeys/${journeyId}/backtests`).send({ ...body, sample: 5 }).expect(202);
      expect(r.body).toMatchObject({ journeyId, status: 'running', sample: 5, progress: { processed: 0, total: null } });
      id = r.body.id;
    } finally {
      await away.close();
    }
    expect(warnings).toContain('backtest start deferred to the recovery sweep');
    // Saved once, visible through the healthy API, not started (no workflow under its id yet).
    expect((await api.as('support').get(`/v1/journeys/${journeyId}/backtests/${encodeURIComponent(id)}`).expect(200)).body).toMatchObject({ status: 'running', progress: { processed: 0, total: null } });
    await expect(api.rt.client.workflow.getHandle(id).describe()).rejects.toThrow();
    expect(await api.app.get(DurableOperations).resumeStalled(0)).toBeGreaterThanOrEqual(1);
    expect(await finished(id)).toMatchObject({ status: 'completed', progress: { processed: 5, total: 5 } });
  });

  it('takes only the members of a segment', async () => {
    const segment = `bt-first-ten-${unique}`;
    const names = Array.from({ length: 10 }, (_, i) => `C${i}`);
    await api.as('marketer').post('/v1/segments').send({ key: segment, name: 'first ten', rule: { trait: 'first_name', op: 'in', value: names } }).expect(201);
    const [{ n }] = await api.rt.db.query(
      `SELECT count(DISTINCT e.customer_id)::int AS n FROM events e JOIN customers c ON c.id = e.customer_id
        WHERE e.name = $1 AND e.event_time >= $2 AND e.event_time < $3 AND c.traits->>'first_name' = ANY($4::text[])`,
      [SIGNED_UP, new Date(FROM), new Date(TO), names],
    );
    expect(n).toBeGreaterThan(0);
    const r = await api.as('marketer').post(`/v1/journeys/${journeyId}/backtests`).send({ ...body, segment }).expect(202);
    expect(await finished(r.body.id)).toMatchObject({ status: 'completed', segment, progress: { processed: n, total: n }, figures: { customers: n } });
  });

  it('takes a sample of the population', async () => {
    const r = await api.as('marketer').post(`/v1/journeys/${journeyId}/backtests`).send({ ...body, sample: 10 }).expect(202);
    const done = await finished(r.body.id);
    expect(done).toMatchObject({ status: 'completed', sample: 10, progress: { processed: 10, total: 10 } });
    expect(done.figures.customers).toBe(10);
  });

  it('refuses bad input with the JSON path, unknown things with 404, a journey without an event trigger with 422; only marketers start one', async () => {
    const bad = await api
      .as('marketer')
      .post(`/v1/journeys/${journeyId}/backtests`)
      .send({ source: 'latest', from: body.to, to: body.from, horizon: 'P2Y', sample: 0, colour: 1 })
      .expect(400);
    expect(bad.body.error.code).toBe('invalid_body');
    // The declared body schema is checked first (api/http/contract.ts): its issues come back together.
    expect(bad.body.error.issues.map((i: { path: string }) => i.path).sort()).toEqual(['$.colour', '$.horizon', '$.sample', '$.source']);
    // A horizon the schema does not allow is the schema's 400, even beside a window that ends before it starts.
    const tooFar = await api.as('marketer').post(`/v1/journeys/${journeyId}/backtests`).send({ from: body.to, to: body.from, horizon: 'P2Y' }).expect(400);
    expect(tooFar.body.error.issues.map((i: { path: string }) => i.path)).toEqual(['$.horizon']);
    // A body of the right shape then gets the route's rules between fields: 422 invalid_range.
    const crossed = await api.as('marketer').post(`/v1/journeys/${journeyId}/backtests`).send({ from: body.to, to: body.from }).expect(422);
    expect(crossed.body.error).toMatchObject({ code: 'invalid_range', issues: [{ path: '$.to', code: 'empty_window' }] });
    const future = await api.as('marketer').post(`/v1/journeys/${journeyId}/backtests`).send({ ...body, from: new Date(Date.now() - DAY).toISOString(), to: new Date(Date.now() + DAY).toISOString() }).expect(422);
    expect(future.body.error.issues).toEqual([expect.objectContaining({ path: '$.to', code: 'window_in_future' })]);
    expect((await api.as('marketer').post(`/v1/journeys/none-${unique}/backtests`).send(body).expect(404)).body.error.code).toBe('journey_not_found');
    expect((await api.as('marketer').post(`/v1/journeys/${journeyId}/backtests`).send({ ...body, source: { version: 3 } }).expect(404)).body.error.code).toBe('version_not_found');
    expect((await api.as('marketer').post(`/v1/journeys/${journeyId}/backtests`).send({ ...body, segment: `none-${unique}` }).expect(404)).body.error.code).toBe('segment_not_found');
    expect((await api.as('support').get(`/v1/journeys/${journeyId}/backtests/none`).expect(404)).body.error.code).toBe('backtest_not_found');
    const apiJourney = `backtest-api-${unique}`;
    const apiCanvas = canvas('API', [{ id: 'start', type: 'trigger', trigger: { kind: 'api' } }, { id: 'done', type: 'exit' }], [{ from: 'start', to: 'done' }]);
    await api.as('marketer').post('/v1/journeys').send({ id: apiJourney, canvas: apiCanvas }).expect(201);
    expect((await api.as('marketer').post(`/v1/journeys/${apiJourney}/backtests`).send(body).expect(422)).body.error.code).toBe('backtest_needs_event_trigger');
    await api.as('support').post(`/v1/journeys/${journeyId}/backtests`).send(body).expect(403);
    await api.as('engineer').post(`/v1/journeys/${journeyId}/backtests`).send(body).expect(403);
  });
});
