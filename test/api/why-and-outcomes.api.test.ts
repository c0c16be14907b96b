/**
 * "What happened and why", the rest of it, through the HTTP API alone: one segment that triggers
 * several journeys enrolls into all of them; every trigger that matched without an enrollment leaves a
 * "not enrolled" entry in the customer's history. Real app, PostgreSQL, Temporal dev server, worker.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createApp } from '../../api/app.factory.js';
import { inGlobalHoldout } from '../../engine/random.js';
import { RuntimeGaugesRepository } from '../../store/runtime-gauges.repository.js';
import { keyedAgent } from '../support/api-keys.js';
import { endedEnrollments, eventually, FAST_DEFAULTS } from '../support/runtime-harness.js';
import { canvas, startApi, type ApiHarness } from './api-harness.js';

const unique = Date.now().toString(36);
let api: ApiHarness;

beforeAll(async () => {
  api = await startApi('why-and-outcomes');
});
afterAll(async () => {
  await api?.stop();
});

async function publish(journeyId: string, body: object): Promise<void> {
  await api.http().put(`/v1/journeys/${journeyId}/publish`).send(body).expect(201);
}

const straightThrough = (name: string, trigger: object, extra: object = {}) =>
  canvas(name, [{ id: 'start', type: 'trigger', trigger } as never, { id: 'done', type: 'exit' }], [{ from: 'start', to: 'done' }], extra);

async function historyOf(customerId: string) {
  return (await api.as('support').get(`/v1/customers/${customerId}/history`).expect(200)).body;
}

describe('one segment triggering several journeys', () => {
  it('a profile change that puts the customer in the segment enrolls them into every journey it triggers', async () => {
    const segment = `shared-${unique}`;
    await api.as('marketer').post('/v1/segments').send({ key: segment, name: 'Shared', rule: { trait: 'tier', op: 'eq', value: 'gold' } }).expect(201);
    const first = `shared-a-${unique}`;
    const second = `shared-b-${unique}`;
    await publish(first, straightThrough('Shared A', { kind: 'segment', segment }));
    await publish(second, straightThrough('Shared B', { kind: 'segment', segment }));
    const customerId = `gold-${unique}`;

    await api.as('engineer').put(`/v1/customers/${customerId}`).send({ traits: { tier: 'gold' } }).expect(200);
    await endedEnrollments(api.rt.db, first, 1);
    await endedEnrollments(api.rt.db, second, 1);

    const history = await historyOf(customerId);
    const entered = history.enrollments.map((e: { journeyId: string; entry: { kind: string; segment: string } }) => [e.journeyId, e.entry.kind, e.entry.segment]);
    expect(entered.sort()).toEqual([
      [first, 'segment', segment],
      [second, 'segment', segment],
    ]);
    expect(history.notEnrolled).toEqual([]);
    // Still in the segment: a second profile change is not a second entry.
    await api.as('engineer').put(`/v1/customers/${customerId}`).send({ traits: { city: 'Lyon' } }).expect(200);
    expect((await historyOf(customerId)).enrollments).toHaveLength(2);
  });
});

describe('conversions after the run ended (settings.conversionWindow)', () => {
  it('counts a goal event within the window after the end as a conversion of that run, in totals, its arm and the day; not outside it, not twice', async () => {
    const journeyId = `late-goal-${unique}`;
    const deposit = `deposit_${unique}`;
    const nodes = [
      { id: 'start', type: 'trigger', trigger: { kind: 'api' } },
      { id: 'ab', type: 'random_split', arms: [{ key: 't', weight: 1 }, { key: 'c', weight: 0, control: true }] },
      { id: 'done', type: 'exit', reason: 'told' },
    ] as never[];
    const edges = [
      { from: 'start', to: 'ab' },
      { from: 'ab', port: 't', to: 'done' },
      { from: 'ab', port: 'c', to: 'done' },
    ];
    const goal = { event: deposit, where: [{ property: 'amount', op: 'gte', value: 100 }] };
    const settings = { reentry: { policy: 'after_exit' } };
    // Version 1 has no window: its runs never convert after their end.
    await publish(journeyId, canvas('Late goal', nodes, edges, { goal, settings } as never));
    const enroll = async (customerId: string, runs: number) => {
      await api.as('engineer').post(`/v1/journeys/${journeyId}/enrollments`).send({ customerId }).expect(201);
      await endedEnrollments(api.rt.db, journeyId, runs);
    };
    const endOf = async (customerId: string): Promise<number> => {
      const listed = (await api.as('support').get(`/v1/journeys/${journeyId}/enrollments`).query({ customerId }).expect(200)).body;
      return Date.parse(listed.items[0].endedAt);
    };
    const depositAt = async (customerId: string, at: number, amount: number) => {
      const events = [{ eventId: `${customerId}-${at}-${amount}`, customerId, name: deposit, eventTime: new Date(at).toISOString(), properties: { amount } }];
      await api.as('engineer').post('/v1/events').send({ events }).expect(202);
    };
    await enroll(`v1-${unique}`, 1);
    await depositAt(`v1-${unique}`, (await endOf(`v1-${unique}`)) + 1000, 500);

    await publish(journeyId, canvas('Late goal', nodes, edges, { goal, settings: { ...settings, conversionWindow: 'PT1M' } } as never));
    const [inside, late, early, small, again] = ['inside', 'late', 'early', 'small', 'again'].map((k) => `${k}-${unique}`);
    let runs = 1;
    for (const c of [inside, late, early, small, again]) await enroll(c, ++runs);
    await depositAt(inside, (await endOf(inside)) + 30_000, 150);
    await depositAt(late, (await endOf(late)) + 90_000, 150);
    await depositAt(early, (await endOf(early)) - 1000, 150);
    await depositAt(small, (await endOf(small)) + 1000, 99);
    // `again` enters a second run within the first's window: a deposit after that belongs to the second run only.
    const firstEnd = await endOf(again);
    await enroll(again, ++runs);
    await depositAt(again, Math.max(firstEnd, await endOf(again)) + 1000, 150);

    const stats = (await api.as('viewer').get(`/v1/journeys/${journeyId}/stats`).query({ version: 2 }).expect(200)).body;
    expect(stats.totals).toMatchObject({ entered: 6, converted: 2, convertedAfterEnd: 2, conversionRate: 0.3333 });
    expect(stats.totals.exits).toEqual([{ status: 'completed', reason: 'told', count: 6 }]);
    expect(stats.randomSplits[0].arms.map((a: { key: string; entered: number; converted: number; convertedAfterEnd: number }) => [a.key, a.entered, a.converted, a.convertedAfterEnd])).toEqual([
      ['t', 6, 2, 2],
      ['c', 0, 0, 0],
    ]);
    const days = stats.series.filter((d: { convertedAfterEnd: number }) => d.convertedAfterEnd > 0);
    expect(days.reduce((n: number, d: { converted: number }) => n + d.converted, 0)).toBe(2);
    expect(days.reduce((n: number, d: { arms: { ab?: { t?: { converted: number } } } }) => n + (d.arms.ab?.t?.converted ?? 0), 0)).toBe(2);
    const v1 = (await api.as('viewer').get(`/v1/journeys/${journeyId}/stats`).query({ version: 1 }).expect(200)).body;
    expect(v1.totals).toMatchObject({ entered: 1, converted: 0, convertedAfterEnd: 0 });
  });

  it('refuses a window without a goal, and one past the longest duration, with their paths', async () => {
    const noGoal = straightThrough('No goal', { kind: 'api' }, { settings: { conversionWindow: 'P14D' } });
    const refused = await api.as('marketer').post('/v1/journeys/validate').send(noGoal).expect(200);
    expect(refused.body).toMatchObject({ valid: false, issues: [{ code: 'conversion_window_without_goal', path: '$.settings.conversionWindow' }] });
    const tooLong = straightThrough('Too long', { kind: 'api' }, { goal: { event: 'deposit' }, settings: { conversionWindow: 'P3661D' } });
    const long = await api.as('marketer').post('/v1/journeys/validate').send(tooLong).expect(200);
    expect(long.body.issues).toMatchObject([{ code: 'invalid_duration', path: '$.settings.conversionWindow' }]);
    await api.as('marketer').put(`/v1/journeys/no-goal-${unique}/publish`).send(noGoal).expect(422);
  });
});

describe('publish-time warning: a trait compared with a value of another type', () => {
  it('warns with the JSON path when stored profiles hold the trait as another type, says nothing of mixed or unknown traits, and still publishes', async () => {
    const age = `age_${unique}`;
    const code = `code_${unique}`;
    await api.as('engineer').put(`/v1/customers/typed-a-${unique}`).send({ traits: { [age]: 41, [code]: 'A1' } }).expect(200);
    await api.as('engineer').put(`/v1/customers/typed-b-${unique}`).send({ traits: { [age]: 29, [code]: 7 } }).expect(200);
    const doc = canvas(
      'Typed',
      [
        { id: 'start', type: 'trigger', trigger: { kind: 'api' } },
        { id: 'thirty', type: 'condition', condition: { or: [{ trait: age, op: 'eq', value: '30' }, { trait: code, op: 'eq', value: 7 }, { trait: `new_${unique}`, op: 'eq', value: 1 }] } },
        { id: 'texted', type: 'condition', condition: { trait: 'phone', op: 'eq', value: 13800001234 } },
        { id: 'yes', type: 'exit' },
        { id: 'no', type: 'exit' },
      ] as never[],
      [
        { from: 'start', to: 'thirty' },
        { from: 'thirty', port: 'yes', to: 'texted' },
        { from: 'thirty', port: 'no', to: 'no' },
        { from: 'texted', port: 'yes', to: 'yes' },
        { from: 'texted', port: 'no', to: 'no' },
      ],
    );
    const res = await api.as('marketer').post('/v1/journeys/validate').send(doc).expect(200);
    expect(res.body).toMatchObject({ valid: true, issues: [] });
    expect(res.body.warnings).toEqual([
      {
        code: 'trait_type_mismatch',
        path: '$.nodes[1].condition.or[0].value',
        message: `"${age}" is compared with the text "30", but "${age}" is a number on all 2 stored profiles sampled that have it: this comparison never holds (write the value as a number)`,
      },
      {
        code: 'trait_type_mismatch',
        path: '$.nodes[2].condition.value',
        message: '"phone" is compared with the number 13800001234, but "phone" is text as the engine documents it: this comparison never holds (write "13800001234")',
      },
    ]);
    await publish(`typed-${unique}`, doc);
  });
});

describe('stats count quiet-hours deferrals', () => {
  it('counts a touch held back by quiet hours as suppressed quiet_hours per action node, arm and day; nothing attempted yet; the metric agrees', async () => {
    const journeyId = `quiet-${unique}`;
    const customerId = `night-owl-${unique}`;
    // Quiet hours around now (UTC, the journey's zone): the SMS waits for their end.
    const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);
    const quiet = { start: hhmm(Date.now() - 3_600_000), end: hhmm(Date.now() + 3_600_000) };
    await publish(
      journeyId,
      canvas(
        'Quiet',
        [
          { id: 'start', type: 'trigger', trigger: { kind: 'api' } },
          { id: 'ab', type: 'random_split', arms: [{ key: 't', weight: 1 }, { key: 'c', weight: 0, control: true }] },
          { id: 'sms', type: 'action', action: 'sms', params: { body: 'Good morning' } },
          { id: 'done', type: 'exit' },
        ] as never[],
        [
          { from: 'start', to: 'ab' },
          { from: 'ab', port: 't', to: 'sms' },
          { from: 'ab', port: 'c', to: 'done' },
          { from: 'sms', to: 'done' },
        ],
        { settings: { timeZone: 'UTC', quietHours: { sms: quiet } } } as never,
      ),
    );
    const before = await new RuntimeGaugesRepository(api.rt.db).suppressedSends();
    const quietCount = (rows: typeof before) => rows.filter((g) => g.action === 'sms' && g.reason === 'quiet_hours').reduce((n, g) => n + g.n, 0);
    await api.as('engineer').put(`/v1/customers/${customerId}`).send({ traits: { phone: '+8613800009999' } }).expect(200);
    await api.as('engineer').post(`/v1/journeys/${journeyId}/enrollments`).send({ customerId }).expect(201);
    const stats = await eventually('the deferral in the stats', async () => {
      const body = (await api.as('viewer').get(`/v1/journeys/${journeyId}/stats`).expect(200)).body;
      return body.totals.messages.suppressed.quiet_hours === 1 ? body : null;
    });
    const deferred = { attempted: 0, sent: 0, delivered: 0, failed: {}, suppressed: { quiet_hours: 1 } };
    expect(stats.totals).toMatchObject({ waiting: 1, messages: deferred });
    expect(stats.nodes.find((n: { nodeId: string }) => n.nodeId === 'sms').messages).toEqual(deferred);
    expect(stats.randomSplits[0].arms.map((a: { key: string; messages: unknown }) => [a.key, a.messages])).toEqual([
      ['t', deferred],
      ['c', { attempted: 0, sent: 0, delivered: 0, failed: {}, suppressed: {} }],
    ]);
    const today = new Date().toISOString().slice(0, 10);
    expect(stats.series.find((d: { date: string }) => d.date === today)).toMatchObject({ messages: deferred, nodes: { sms: { messages: deferred } } });
    expect(quietCount(await new RuntimeGaugesRepository(api.rt.db).suppressedSends())).toBe(quietCount(before) + 1);
  });
});

describe('refusals of closed journeys are recorded', () => {
  it('a segment entry offered to a paused journey, and an API call to a stopped one (answered 409), each leave "not enrolled"', async () => {
    const segment = `closed-${unique}`;
    await api.as('marketer').post('/v1/segments').send({ key: segment, name: 'Closed', rule: { trait: 'plan', op: 'eq', value: 'pro' } }).expect(201);
    const open = `closed-open-${unique}`;
    const paused = `closed-paused-${unique}`;
    const stopped = `closed-stopped-${unique}`;
    await publish(open, straightThrough('Open', { kind: 'segment', segment }));
    await publish(paused, straightThrough('Paused', { kind: 'segment', segment }));
    await publish(stopped, straightThrough('Stopped', { kind: 'api' }));
    await api.as('marketer').post(`/v1/journeys/${paused}/pause`).send({ reason: 'copy review' }).expect(200);
    await api.as('marketer').post(`/v1/journeys/${stopped}/stop`).send({ mode: 'finish', reason: 'campaign over' }).expect(200);
    const customerId = `pro-${unique}`;

    await api.as('engineer').put(`/v1/customers/${customerId}`).send({ traits: { plan: 'pro' } }).expect(200);
    await endedEnrollments(api.rt.db, open, 1);
    const refused = await api.as('engineer').post(`/v1/journeys/${stopped}/enrollments`).send({ customerId, idempotencyKey: `k-${unique}` }).expect(409);
    expect(refused.body.error).toMatchObject({ code: 'journey_not_active', status: 'stopped' });

    const history = await historyOf(customerId);
    expect(history.enrollments.map((e: { journeyId: string }) => e.journeyId)).toEqual([open]);
    const rows = history.notEnrolled.map((r: { journeyId: string; versionId: string; reason: string; rule: string; enrollmentId: string | null; trigger: unknown }) => r);
    expect(rows.sort((a: { journeyId: string }, b: { journeyId: string }) => a.journeyId.localeCompare(b.journeyId))).toEqual([
      expect.objectContaining({
        journeyId: paused,
        versionId: `${paused}@1`,
        reason: 'journey_paused',
        rule: 'the journey is paused: it admits no new customers',
        enrollmentId: null,
        trigger: expect.objectContaining({ kind: 'segment', segment, segmentRun: null }),
      }),
      expect.objectContaining({
        journeyId: stopped,
        versionId: `${stopped}@1`,
        reason: 'journey_stopped',
        rule: 'the journey is stopped: it admits no new customers',
        enrollmentId: null,
        trigger: expect.objectContaining({ kind: 'api', idempotencyKey: `k-${unique}`, keyName: 'engineer:why-and-outcomes engineer' }),
      }),
    ]);
    // The same call retried (same idempotency key) is recorded once.
    await api.as('engineer').post(`/v1/journeys/${stopped}/enrollments`).send({ customerId, idempotencyKey: `k-${unique}` }).expect(409);
    expect((await historyOf(customerId)).notEnrolled).toHaveLength(2);
  });
});

describe('global holdout (JE_GLOBAL_HOLDOUT_PERCENT)', () => {
  it('refuses a held-out customer every journey with a marketing action, records why, and admits them to transactional ones', async () => {
    const app = await createApp({ db: api.rt.db, temporal: api.rt.client, taskQueue: api.rt.taskQueue, defaults: { ...FAST_DEFAULTS, globalHoldoutPercent: 30 } });
    try {
      const engineer = () => keyedAgent(app.getHttpServer(), api.keys.engineer);
      const ids = Array.from({ length: 40 }, (_, i) => `holdout-${i}-${unique}`);
      const heldOut = ids.find((id) => inGlobalHoldout(id, 30))!;
      const treated = ids.find((id) => !inGlobalHoldout(id, 30))!;
      const sms = (category: string) => ({ id: 'sms', type: 'action', action: 'sms', category, params: { body: 'Hi' } });
      const journey = (category: string) =>
        canvas(`Holdout ${category}`, [{ id: 'start', type: 'trigger', trigger: { kind: 'api' } }, sms(category), { id: 'done', type: 'exit' }] as never[], [
          { from: 'start', to: 'sms' },
          { from: 'sms', to: 'done' },
        ]);
      const promo = `holdout-promo-${unique}`;
      const otp = `holdout-otp-${unique}`;
      await publish(promo, journey('marketing'));
      await publish(otp, journey('transactional'));

      const refused = await engineer().post(`/v1/journeys/${promo}/enrollments`).send({ customerId: heldOut }).expect(200);
      expect(refused.body).toMatchObject({ enrolled: false, reason: 'global_holdout' });
      await engineer().post(`/v1/journeys/${promo}/enrollments`).send({ customerId: treated }).expect(201);
      await engineer().post(`/v1/journeys/${otp}/enrollments`).send({ customerId: heldOut }).expect(201);

      const history = await historyOf(heldOut);
      expect(history.enrollments.map((e: { journeyId: string }) => e.journeyId)).toEqual([otp]);
      expect(history.notEnrolled).toEqual([
        expect.objectContaining({
          journeyId: promo,
          reason: 'global_holdout',
          rule: 'global holdout: the customer is among the 30% held out of every journey with a marketing action (JE_GLOBAL_HOLDOUT_PERCENT), to measure what the journeys add',
          enrollmentId: null,
        }),
      ]);
      expect((await historyOf(treated)).notEnrolled).toEqual([]);
    } finally {
      await app.close();
    }
  });
});

describe('entry limit (settings.entryLimit)', () => {
  it('admits at most the limit even when entries arrive together, and records the refusal of the others', async () => {
    const journeyId = `limited-${unique}`;
    await publish(journeyId, straightThrough('Limited', { kind: 'api' }, { settings: { entryLimit: 2, reentry: { policy: 'after_exit' } } }));
    const ids = [1, 2, 3, 4, 5].map((i) => `limited-${i}-${unique}`);
    const answers = await Promise.all(ids.map((customerId) => api.as('engineer').post(`/v1/journeys/${journeyId}/enrollments`).send({ customerId })));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 201, 201]);
    const refusedIds = ids.filter((_, i) => answers[i].status === 200);
    for (const i of answers.keys()) if (answers[i].status === 200) expect(answers[i].body).toMatchObject({ enrolled: false, reason: 'entry_limit' });
    const history = await historyOf(refusedIds[0]);
    expect(history.notEnrolled).toEqual([
      expect.objectContaining({
        journeyId,
        reason: 'entry_limit',
        rule: 'entry limit of 2: the journey has admitted 2 customers (settings.entryLimit), all versions together',
        enrollmentId: null,
      }),
    ]);
    await endedEnrollments(api.rt.db, journeyId, 2);
    // An ended run still counts: the limit is on entries, not on live runs.
    const admitted = ids.find((_, i) => answers[i].status === 201)!;
    expect((await api.as('engineer').post(`/v1/journeys/${journeyId}/enrollments`).send({ customerId: admitted }).expect(200)).body).toMatchObject({ reason: 'entry_limit' });
  });

  it('refuses a limit below 1 with its path', async () => {
    const res = await api.as('marketer').post('/v1/journeys/validate').send(straightThrough('Zero', { kind: 'api' }, { settings: { entryLimit: 0 } })).expect(200);
    expect(res.body).toMatchObject({ valid: false, issues: [{ path: '$.settings.entryLimit' }] });
  });
});
