/**
 * Monitoring over HTTP: a journey with a condition, a random split with a control arm, a wait for an
 * event, a plain wait and a goal; eight customers driven through it by events and the API; then the
 * figures (totals, nodes, branches, arms, endings, conversions, daily series) checked against what
 * happened and against the enrollments table, and the enrollment list with its filters and pages.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { pickArm } from '../../engine/random.js';
import { eventually } from '../support/runtime-harness.js';
import { canvas, startApi, type ApiHarness } from './api-harness.js';

let api: ApiHarness;
const u = Date.now().toString(36);
const journeyId = `monitor-${u}`;
const SIGNUP = `signed_up_${u}`;
const OFFER = `offer_opened_${u}`;
const DEPOSIT = `first_deposit_${u}`;

const journey = (label: string) =>
  canvas(
    'Monitoring',
    [
      { id: 'start', type: 'trigger', trigger: { kind: 'event', event: SIGNUP } },
      { id: 'vip', type: 'condition', label, condition: { trait: 'vip', op: 'eq', value: true } },
      {
        id: 'ab',
        type: 'random_split',
        label: 'Holdout',
        arms: [
          { key: 'treatment', weight: 1 },
          { key: 'control', weight: 1, control: true },
        ],
      },
      { id: 'sms', type: 'action', action: 'sms', params: { body: 'Your offer' } },
      // Long enough for a slow machine to reach it before the window closes; short enough to time out in the test.
      { id: 'wait_offer', type: 'wait_for_event', event: OFFER, timeout: 'PT8S', since: 'entry' },
      { id: 'hold', type: 'wait', duration: 'PT1H' },
      { id: 'engaged', type: 'exit', reason: 'engaged' },
      { id: 'silent', type: 'exit', reason: 'silent' },
      { id: 'not_vip', type: 'exit', reason: 'not_vip' },
      { id: 'control_done', type: 'exit', reason: 'control_done' },
    ],
    [
      { from: 'start', to: 'vip' },
      { from: 'vip', port: 'yes', to: 'ab' },
      { from: 'vip', port: 'no', to: 'not_vip' },
      { from: 'ab', port: 'treatment', to: 'sms' },
      { from: 'ab', port: 'control', to: 'hold' },
      { from: 'sms', to: 'wait_offer' },
      { from: 'wait_offer', port: 'matched', to: 'engaged' },
      { from: 'wait_offer', port: 'timed_out', to: 'silent' },
      { from: 'hold', to: 'control_done' },
    ],
    { goal: { event: DEPOSIT } },
  );

/** Customer ids whose (sticky) arm in version 1 is `arm`: the split is a hash, so pick them up front. */
function customersIn(arm: 'treatment' | 'control', count: number): string[] {
  const arms = [
    { key: 'treatment', weight: 1 },
    { key: 'control', weight: 1 },
  ];
  const ids: string[] = [];
  for (let i = 0; ids.length < count; i++) {
    const id = `vip-${u}-${i}`;
    if (pickArm(`${journeyId}@1:${id}:ab`, arms) === arm) ids.push(id);
  }
  return ids;
}

const [T1, T2, T3] = customersIn('treatment', 3); // matched, timed out, converted while waiting for the offer
const [C1, C2, C3] = customersIn('control', 3); // converted while holding, exited by support, still holding
const [N1, N2] = [`plain-${u}-1`, `plain-${u}-2`]; // not VIP
const runOf = (customerId: string) => `journey:${journeyId}:customer:${customerId}:run:1`;

let eventSeq = 0;
async function send(customerId: string, name: string, eventTime = Date.now()) {
  await api
    .http()
    .post('/v1/events')
    .send({ events: [{ eventId: `${name}-${customerId}-${eventSeq++}`, customerId, name, eventTime }] })
    .expect(202);
}

async function waitingAt(customerId: string, node: string) {
  await eventually(`${customerId} waiting at ${node}`, async () => {
    const rows: unknown[] = await api.rt.db.query(
      `SELECT 1 FROM enrollments WHERE id = $1 AND status = 'active' AND current_node = $2 AND waiting_until > now()`,
      [runOf(customerId), node],
    );
    return rows.length === 1;
  });
}

async function stats(query = '') {
  return (await api.as('viewer').get(`/v1/journeys/${journeyId}/stats${query}`).expect(200)).body;
}

async function list(query: string) {
  return (await api.as('support').get(`/v1/journeys/${journeyId}/enrollments${query}`).expect(200)).body;
}
const customersOf = (page: { items: { customerId: string }[] }) => page.items.map((i) => i.customerId).sort();

beforeAll(async () => {
  api = await startApi('api-monitoring');
  await api.http().put(`/v1/journeys/${journeyId}/publish`).send(journey('VIP?')).expect(201);
  for (const id of [T1, T2, T3, C1, C2, C3]) {
    await api.http().put(`/v1/customers/${id}`).send({ traits: { vip: true, phone: '+8613800000001' } }).expect(200);
  }
  for (const id of [N1, N2]) await api.http().put(`/v1/customers/${id}`).send({ traits: { vip: false } }).expect(200);

  const signedUpAt = Date.now();
  for (const id of [T1, T2, T3, C1, C2, C3, N1, N2]) await send(id, SIGNUP, signedUpAt);
  await send(T1, OFFER, signedUpAt + 1); // inside T1's window: matched as soon as the run gets there

  await waitingAt(T3, 'wait_offer');
  await send(T3, DEPOSIT);
  await waitingAt(C1, 'hold');
  await send(C1, DEPOSIT);
  await waitingAt(C2, 'hold');
  await api.as('support').post(`/v1/enrollments/${encodeURIComponent(runOf(C2))}/exit`).send({ reason: 'asked_to_stop' }).expect(202);
  await waitingAt(C3, 'hold');
  await eventually('every run but C3 ended', async () => {
    const rows: { n: number }[] = await api.rt.db.query(`SELECT count(*)::int AS n FROM enrollments WHERE journey_id = $1 AND ended_at IS NOT NULL`, [journeyId]);
    return rows[0].n === 7;
  });
}, 120_000);
afterAll(async () => {
  await api?.stop();
});

describe('GET /v1/journeys/:journeyId/stats', () => {
  it('the runs ended as the scenario says (the ground truth the figures are checked against)', async () => {
    const rows: { customer_id: string; status: string; exit_reason: string | null }[] = await api.rt.db.query(
      `SELECT customer_id, status, exit_reason FROM enrollments WHERE journey_id = $1`,
      [journeyId],
    );
    const outcome = Object.fromEntries(rows.map((r) => [r.customer_id, `${r.status}:${r.exit_reason}`]));
    expect(outcome).toEqual({
      [T1]: 'completed:engaged',
      [T2]: 'completed:silent',
      [T3]: 'converted:goal_reached',
      [C1]: 'converted:goal_reached',
      [C2]: 'exited:asked_to_stop',
      [C3]: 'active:null',
      [N1]: 'completed:not_vip',
      [N2]: 'completed:not_vip',
    });
  });

  it('totals: entered, endings by reason, conversions and rate, live runs', async () => {
    const body = await stats();
    expect(body).toMatchObject({ journeyId, version: null, window: { from: null, to: null, timeZone: 'Asia/Shanghai' } });
    expect(body.versions).toEqual([{ version: 1, versionId: `${journeyId}@1`, active: true, publishedAt: expect.any(String) }]);
    expect(body.totals).toEqual({
      entered: 8,
      converted: 2,
      convertedAfterEnd: 0,
      conversionRate: 0.25,
      exits: [
        { status: 'completed', reason: 'not_vip', count: 2 },
        { status: 'converted', reason: 'goal_reached', count: 2 },
        { status: 'completed', reason: 'engaged', count: 1 },
        { status: 'completed', reason: 'silent', count: 1 },
        { status: 'exited', reason: 'asked_to_stop', count: 1 },
      ],
      pending: 0,
      waiting: 1,
      inProgress: 0,
      // The three SMS of the treatment arm, through the recording channel (no delivery reports).
      messages: { attempted: 3, sent: 3, delivered: 0, failed: {}, suppressed: {} },
    });
    // The same endings, counted straight from the enrollments table.
    const db: { status: string; reason: string; count: number }[] = await api.rt.db.query(
      `SELECT status, exit_reason AS reason, count(*)::int AS count FROM enrollments WHERE journey_id = $1 AND ended_at IS NOT NULL GROUP BY 1, 2`,
      [journeyId],
    );
    expect(body.totals.exits).toEqual(expect.arrayContaining(db));
    expect(body.totals.exits).toHaveLength(db.length);
  });

  it('per node: kind, label, edges, passed, where runs wait now, and each branch', async () => {
    const body = await stats();
    const byId = Object.fromEntries(body.nodes.map((n: { nodeId: string }) => [n.nodeId, n]));
    expect(body.nodes.map((n: { nodeId: string }) => n.nodeId)).toEqual([
      'vip', 'ab', 'not_vip', 'sms', 'hold', 'wait_offer', 'control_done', 'engaged', 'silent',
    ]);
    expect(byId.vip).toEqual({
      nodeId: 'vip', kind: 'condition', label: 'VIP?', next: { yes: 'ab', no: 'not_vip' },
      passed: 8, waiting: 0, inProgress: 0, branches: { yes: 6, no: 2 }, messages: null,
    });
    expect(byId.ab).toMatchObject({ kind: 'random_split', passed: 6, branches: { treatment: 3, control: 3 } });
    expect(byId.sms).toMatchObject({ kind: 'action', next: { next: 'wait_offer' }, passed: 3, branches: null, messages: { attempted: 3, sent: 3, delivered: 0, failed: {}, suppressed: {} } });
    // T3 converted while waiting: it took no branch.
    expect(byId.wait_offer).toMatchObject({ kind: 'wait_for_event', passed: 3, waiting: 0, branches: { matched: 1, timed_out: 1 } });
    expect(byId.hold).toMatchObject({ kind: 'wait_duration', passed: 3, waiting: 1, inProgress: 0, branches: null });
    expect([byId.engaged.passed, byId.silent.passed, byId.not_vip.passed, byId.control_done.passed]).toEqual([1, 1, 2, 0]);
    expect(byId.not_vip).toMatchObject({ kind: 'exit', next: {} });
  });

  it('per arm of the random split: entered, converted, rate and endings, so the control group compares', async () => {
    const body = await stats();
    expect(body.randomSplits).toEqual([
      {
        nodeId: 'ab',
        label: 'Holdout',
        arms: [
          {
            key: 'treatment', weight: 1, control: false, entered: 3, converted: 1, convertedAfterEnd: 0, conversionRate: 0.3333,
            exits: [
              { status: 'completed', reason: 'engaged', count: 1 },
              { status: 'completed', reason: 'silent', count: 1 },
              { status: 'converted', reason: 'goal_reached', count: 1 },
            ],
            messages: { attempted: 3, sent: 3, delivered: 0, failed: {}, suppressed: {} },
          },
          {
            key: 'control', weight: 1, control: true, entered: 3, converted: 1, convertedAfterEnd: 0, conversionRate: 0.3333,
            exits: [
              { status: 'converted', reason: 'goal_reached', count: 1 },
              { status: 'exited', reason: 'asked_to_stop', count: 1 },
            ],
            messages: { attempted: 0, sent: 0, delivered: 0, failed: {}, suppressed: {} },
          },
        ],
      },
    ]);
    // Arm membership as recorded in the runs' decisions.
    const arms: { customer_id: string; arm: string }[] = await api.rt.db.query(
      `SELECT e.customer_id, s.detail->>'port' AS arm FROM enrollments e JOIN enrollment_steps s ON s.enrollment_id = e.id
        WHERE e.journey_id = $1 AND s.node_id = 'ab' AND s.kind = 'decision' ORDER BY 1`,
      [journeyId],
    );
    expect(arms).toEqual(
      [[T1, 'treatment'], [T2, 'treatment'], [T3, 'treatment'], [C1, 'control'], [C2, 'control'], [C3, 'control']]
        .map(([customer_id, arm]) => ({ customer_id, arm }))
        .sort((a, b) => a.customer_id.localeCompare(b.customer_id)),
    );
  });

  it('the daily series buckets each figure on its local day and sums to the totals', async () => {
    const body = await stats();
    const days: { day: string }[] = await api.rt.db.query(
      `SELECT DISTINCT to_char(enrolled_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD') AS day FROM enrollments WHERE journey_id = $1`,
      [journeyId],
    );
    expect(body.series[0].date).toBe(days.map((d) => d.day).sort()[0]);
    const sum = (pick: (d: { entered: number; converted: number; nodes: Record<string, { passed: number }> }) => number) =>
      body.series.reduce((total: number, d: never) => total + pick(d), 0);
    expect(sum((d) => d.entered)).toBe(8);
    expect(sum((d) => d.converted)).toBe(2);
    expect(sum((d) => d.nodes.vip?.passed ?? 0)).toBe(8);
  });

  it('counts a run whose wait deadline has passed as waiting, as je_waits_in_progress does (overdue ones show in stuck-runs)', async () => {
    await api.rt.db.query(`UPDATE enrollments SET waiting_until = waiting_until - interval '2 hours' WHERE id = $1`, [runOf(C3)]);
    try {
      const body = await stats();
      expect(body.totals).toMatchObject({ waiting: 1, inProgress: 0 });
      expect(body.nodes.find((n: { nodeId: string }) => n.nodeId === 'hold')).toMatchObject({ waiting: 1, inProgress: 0 });
    } finally {
      await api.rt.db.query(`UPDATE enrollments SET waiting_until = waiting_until + interval '2 hours' WHERE id = $1`, [runOf(C3)]);
    }
  });

  it('marketer, support and viewer may read it; engineer may not', async () => {
    for (const role of ['marketer', 'support', 'viewer'] as const) {
      await api.as(role).get(`/v1/journeys/${journeyId}/stats`).expect(200);
    }
    const denied = await api.as('engineer').get(`/v1/journeys/${journeyId}/stats`).expect(403);
    expect(denied.body.error.code).toBe('forbidden_role');
  });

  it('404s an unknown journey or version; 400s a bad parameter with every issue', async () => {
    const missing = await api.as('viewer').get(`/v1/journeys/nope-${u}/stats`).expect(404);
    expect(missing.body.error.code).toBe('journey_not_found');
    const noVersion = await api.as('viewer').get(`/v1/journeys/${journeyId}/stats?version=9`).expect(404);
    expect(noVersion.body.error.code).toBe('version_not_found');
    const bad = await api.as('viewer').get(`/v1/journeys/${journeyId}/stats?version=0&from=2026-02-30&to=2026-13-01&timeZone=Mars/Base`).expect(400);
    expect(bad.body.error.code).toBe('invalid_query');
    // The declared schema states every parameter's rule (calendar dates, the engine's time zones): all its issues at once.
    expect(bad.body.error.issues.map((i: { path: string; code: string }) => `${i.path}:${i.code}`)).toEqual([
      '$query.version:out_of_range',
      '$query.from:invalid_format',
      '$query.to:invalid_format',
      '$query.timeZone:invalid_format',
    ]);
    const rest = await api.as('viewer').get(`/v1/journeys/${journeyId}/stats?from=2026-02-30&to=2026-13-01`).expect(400);
    expect(rest.body.error.issues.map((i: { path: string; code: string }) => `${i.path}:${i.code}`)).toEqual(['$query.from:invalid_format', '$query.to:invalid_format']);
    // Rules between fields the schema cannot state: 422 invalid_range (docs/api.md, Limits).
    const reversed = await api.as('viewer').get(`/v1/journeys/${journeyId}/stats?from=2026-03-02&to=2026-03-01`).expect(422);
    expect(reversed.body.error).toMatchObject({ code: 'invalid_range', issues: [{ path: '$query.to', code: 'out_of_range', message: expect.any(String) }] });
    const tooLong = await api.as('viewer').get(`/v1/journeys/${journeyId}/stats?from=2020-01-01&to=2026-01-01`).expect(422);
    expect(tooLong.body.error.issues[0]).toMatchObject({ path: '$query.to', code: 'out_of_range' });
    const badId = await api.as('viewer').get(`/v1/journeys/-bad-/stats`).expect(400);
    expect(badId.body.error.code).toBe('invalid_journey_id');
  });
});

describe('GET /v1/journeys/:journeyId/enrollments', () => {
  it('pages through every enrollment newest first, each once, in the order of the table', async () => {
    const expected: { id: string }[] = await api.rt.db.query(
      `SELECT id FROM enrollments WHERE journey_id = $1 ORDER BY enrolled_at DESC, id DESC`,
      [journeyId],
    );
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { items: { enrollmentId: string }[]; nextCursor: string | null } = await list(`?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.items.map((i) => i.enrollmentId));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(expected.map((e) => e.id));
  });

  it('items: id, customer, version, status, where the run is or ended, wait, times, reason', async () => {
    const [live] = (await list(`?customerId=${C3}`)).items;
    expect(live).toEqual({
      enrollmentId: runOf(C3),
      customerId: C3,
      version: 1,
      versionId: `${journeyId}@1`,
      status: 'active',
      currentNode: 'hold',
      waitingUntil: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      movesOnAt: live.waitingUntil,
      enrolledAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      endedAt: null,
      exitReason: null,
    });
    const [ended] = (await list(`?customerId=${T1}`)).items;
    expect(ended).toMatchObject({ status: 'completed', currentNode: 'engaged', waitingUntil: null, exitReason: 'engaged', endedAt: expect.any(String) });
    const [converted] = (await list(`?customerId=${T3}`)).items;
    expect(converted).toMatchObject({ status: 'converted', currentNode: 'wait_offer', exitReason: 'goal_reached' });
  });

  it('filters by status, node (live runs there), version and customer', async () => {
    expect(customersOf(await list('?status=converted'))).toEqual([T3, C1].sort());
    expect(customersOf(await list('?status=completed'))).toEqual([T1, T2, N1, N2].sort());
    expect(customersOf(await list('?node=hold'))).toEqual([C3]);
    expect(customersOf(await list('?node=wait_offer'))).toEqual([]);
    expect(customersOf(await list('?status=exited&version=1'))).toEqual([C2]);
    expect(customersOf(await list(`?customerId=${N1}&status=active`))).toEqual([]);
  });

  it('404s an unknown journey or version; 400s bad filters and cursors', async () => {
    expect((await api.as('viewer').get(`/v1/journeys/nope-${u}/enrollments`).expect(404)).body.error.code).toBe('journey_not_found');
    expect((await api.as('viewer').get(`/v1/journeys/${journeyId}/enrollments?version=3`).expect(404)).body.error.code).toBe('version_not_found');
    const bad = await api.as('viewer').get(`/v1/journeys/${journeyId}/enrollments?status=done&limit=0&cursor=abc&version=x`).expect(400);
    // The declared schema is checked first (every problem it can see); the route's own checks then report the rest.
    expect(bad.body.error.issues.map((i: { path: string; code: string }) => `${i.path}:${i.code}`)).toEqual(['$query.status:invalid_value', '$query.version:invalid_type', '$query.limit:out_of_range']);
    const rest = await api.as('viewer').get(`/v1/journeys/${journeyId}/enrollments?cursor=abc`).expect(400);
    expect(rest.body.error.issues.map((i: { path: string; code: string }) => `${i.path}:${i.code}`)).toEqual(['$query.cursor:invalid_format']);
    await api.as('engineer').get(`/v1/journeys/${journeyId}/enrollments`).expect(403);
  });
});

describe('versions and day boundaries', () => {
  const N3 = `plain-${u}-3`;

  it('a second version: figures per version, and all versions together', async () => {
    await api.http().put(`/v1/journeys/${journeyId}/publish`).send(journey('VIP customer?')).expect(201);
    await send(N3, SIGNUP);
    await eventually('N3 ended', async () => {
      const rows: unknown[] = await api.rt.db.query(`SELECT 1 FROM enrollments WHERE customer_id = $1 AND ended_at IS NOT NULL`, [N3]);
      return rows.length === 1;
    });
    const v2 = await stats('?version=2');
    expect(v2.version).toBe(2);
    expect(v2.totals).toMatchObject({ entered: 1, converted: 0, conversionRate: 0, exits: [{ status: 'completed', reason: 'not_vip', count: 1 }] });
    expect(v2.nodes[0]).toMatchObject({ nodeId: 'vip', label: 'VIP customer?', passed: 1, branches: { yes: 0, no: 1 } });
    expect(v2.randomSplits[0].arms.map((a: { entered: number }) => a.entered)).toEqual([0, 0]);
    expect((await stats('?version=1')).totals).toMatchObject({ entered: 8, converted: 2 });
    const all = await stats();
    expect(all.totals).toMatchObject({ entered: 9, converted: 2 });
    expect(all.nodes[0]).toMatchObject({ label: 'VIP customer?', passed: 9, branches: { yes: 6, no: 3 } });
    expect(all.versions.map((v: { version: number; active: boolean }) => [v.version, v.active])).toEqual([[1, false], [2, true]]);
    expect(customersOf(await list('?version=2'))).toEqual([N3]);
  });

  it('days end at local midnight in the chosen zone; from/to select whole local days', async () => {
    // N2's run is moved to one millisecond before midnight in Shanghai (16:00 UTC); it ends at midnight.
    const enteredAt = '2026-01-10T15:59:59.999Z';
    const endedAt = '2026-01-10T16:00:00.000Z';
    await api.rt.db.query(`UPDATE enrollments SET enrolled_at = $2, started_at = $2, ended_at = $3 WHERE id = $1`, [runOf(N2), enteredAt, endedAt]);
    await api.rt.db.query(`UPDATE enrollment_steps SET at = CASE WHEN kind = 'ended' THEN $3::timestamptz ELSE $2::timestamptz END WHERE enrollment_id = $1`, [
      runOf(N2),
      enteredAt,
      endedAt,
    ]);

    const shanghai = await stats('?version=1&from=2026-01-10&to=2026-01-11&timeZone=Asia/Shanghai');
    expect(shanghai.window).toEqual({ from: '2026-01-10', to: '2026-01-11', timeZone: 'Asia/Shanghai' });
    expect(shanghai.series).toEqual([
      {
        date: '2026-01-10',
        entered: 1,
        converted: 0,
        convertedAfterEnd: 0,
        exits: [],
        nodes: { vip: { passed: 1, branches: { no: 1 } }, not_vip: { passed: 1 } },
        arms: {},
        messages: { attempted: 0, sent: 0, delivered: 0, failed: {}, suppressed: {} },
      },
      { date: '2026-01-11', entered: 0, converted: 0, convertedAfterEnd: 0, exits: [{ status: 'completed', reason: 'not_vip', count: 1 }], nodes: {}, arms: {}, messages: { attempted: 0, sent: 0, delivered: 0, failed: {}, suppressed: {} } },
    ]);
    expect(shanghai.totals).toMatchObject({ entered: 1, converted: 0, exits: [{ status: 'completed', reason: 'not_vip', count: 1 }], waiting: 1 });

    const utc = await stats('?version=1&from=2026-01-10&to=2026-01-10&timeZone=UTC');
    expect(utc.series).toHaveLength(1);
    expect(utc.series[0]).toMatchObject({ date: '2026-01-10', entered: 1, exits: [{ status: 'completed', reason: 'not_vip', count: 1 }] });

    const nextDay = await stats('?version=1&from=2026-01-11&to=2026-01-11&timeZone=Asia/Shanghai');
    expect(nextDay.totals).toMatchObject({ entered: 0, exits: [{ status: 'completed', reason: 'not_vip', count: 1 }] });
    expect(nextDay.nodes.find((n: { nodeId: string }) => n.nodeId === 'vip').passed).toBe(0);

    // Without a window, the series runs from that day to today with the empty days in between.
    const whole = await stats('?version=1&timeZone=Asia/Shanghai');
    expect(whole.series[0].date).toBe('2026-01-10');
    expect(whole.series.length).toBeGreaterThan(2);
    expect(whole.totals.entered).toBe(8);
  });
});
