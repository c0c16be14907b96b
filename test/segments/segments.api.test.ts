/**
 * The segments API over HTTP: authoring with path-located rule errors and references, listing,
 * preview counts against the known truth, "why not" for one customer, delete refused while in use,
 * roles and the audit log. Real app, PostgreSQL, Temporal dev server and worker.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { canvas, startApi, type ApiHarness } from '../api/api-harness.js';
import { withCustomersLocked } from '../support/customers-lock.js';
import { daysAgo, insertCohort, onboardingRule, type CohortCustomer } from './population.js';

let api: ApiHarness;
const unique = Date.now().toString(36);
const cohort = `seg-api-${unique}`;
const key = (name: string) => `${name}-${unique}`;

/** Members of onboardingRule: 01 and 02. Each other customer misses exactly one condition. */
const CUSTOMERS: CohortCustomer[] = [
  { id: `${cohort}-01`, traits: { registered_at: daysAgo(2), risk_level: 'C3' }, fundViews: [10, 20, 30] },
  { id: `${cohort}-02`, traits: { registered_at: daysAgo(6), risk_level: 'C5' }, fundViews: [5, 6, 7, 8] },
  { id: `${cohort}-03`, traits: { registered_at: daysAgo(9), risk_level: 'C4' }, fundViews: [1, 2, 3] },
  { id: `${cohort}-04`, traits: { registered_at: daysAgo(1), risk_level: 'C4' }, fundViews: [1, 2, 3], openedDaysAgo: 0.5 },
  { id: `${cohort}-05`, traits: { registered_at: daysAgo(1), risk_level: 'C2' }, fundViews: [1, 2, 3] },
  { id: `${cohort}-06`, traits: { registered_at: daysAgo(1), risk_level: 'C3' }, fundViews: [1, 2] },
];

beforeAll(async () => {
  api = await startApi('segments-api');
  await insertCohort(api.rt.db, cohort, CUSTOMERS);
});
afterAll(async () => {
  await api?.stop();
});

function createSegment(segmentKey: string, rule: unknown, name = 'test segment') {
  return api.as('marketer').post('/v1/segments').send({ key: segmentKey, name, rule });
}

describe('create, get, update', () => {
  it('stores a valid rule, returns it and records who did it', async () => {
    const created = await createSegment(key('onboarding'), onboardingRule(cohort), 'Onboarding candidates').expect(201);
    expect(created.body).toMatchObject({ key: key('onboarding'), name: 'Onboarding candidates', rule: onboardingRule(cohort) });
    const read = await api.as('viewer').get(`/v1/segments/${key('onboarding')}`).expect(200);
    expect(read.body).toEqual(created.body);
    const audit: { action: string; actor_role: string; detail: { name: string } }[] = await api.rt.db.query(
      `SELECT action, actor_role, detail FROM audit_log WHERE entity_type = 'segment' AND entity_id = $1`,
      [key('onboarding')],
    );
    expect(audit).toEqual([{ action: 'segment.create', actor_role: 'marketer', detail: expect.objectContaining({ name: 'Onboarding candidates' }) }]);
  });

  it('refuses a second segment with the same key', async () => {
    await createSegment(key('dup'), { trait: 'cohort', op: 'eq', value: cohort }).expect(201);
    const again = await createSegment(key('dup'), { trait: 'cohort', op: 'exists' }).expect(409);
    expect(again.body.error.code).toBe('segment_exists');
  });

  it('422s a nonsense rule with every problem at its path, and saves nothing', async () => {
    const res = await createSegment(key('bad'), {
      and: [{ trait: 'risk level', op: 'eq', value: 'C3' }, { event: 'trade', count: { gte: 3, lte: 1 } }, { trait: 'x', op: 'near' }],
    }).expect(422);
    expect(res.body.error.code).toBe('invalid_segment');
    expect(res.body.error.issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ code: 'invalid_name', path: '$.rule.and[0].trait' }),
        expect.objectContaining({ code: 'invalid_count', path: '$.rule.and[1].count' }),
        expect.objectContaining({ code: 'unknown_operator', path: '$.rule.and[2].op' }),
      ]),
    );
    await api.http().get(`/v1/segments/${key('bad')}`).expect(404);
  });

  it('resolves references from the database: unknown segments and cycles are refused', async () => {
    const unknown = await createSegment(key('ref'), { segment: key('nowhere') }).expect(422);
    expect(unknown.body.error.issues).toEqual([expect.objectContaining({ code: 'unknown_segment', path: '$.rule.segment' })]);

    await createSegment(key('base'), { trait: 'cohort', op: 'eq', value: cohort }).expect(201);
    await createSegment(key('derived'), { and: [{ segment: key('base') }, { trait: 'risk_level', op: 'eq', value: 'C3' }] }).expect(201);
    const cycle = await api
      .as('marketer')
      .put(`/v1/segments/${key('base')}`)
      .send({ name: 'base', rule: { not: { segment: key('derived') } } })
      .expect(422);
    expect(cycle.body.error.issues).toEqual([expect.objectContaining({ code: 'segment_cycle', path: '$.rule.not.segment' })]);
  });

  it('updates name and rule, audited with the previous version', async () => {
    await createSegment(key('upd'), { trait: 'risk_level', op: 'eq', value: 'C1' }).expect(201);
    const res = await api
      .as('marketer')
      .put(`/v1/segments/${key('upd')}`)
      .send({ name: 'renamed', rule: { trait: 'risk_level', op: 'in', value: ['C4', 'C5'] } })
      .expect(200);
    expect(res.body).toMatchObject({ name: 'renamed', rule: { trait: 'risk_level', op: 'in', value: ['C4', 'C5'] } });
    const [entry]: { detail: { previous: { rule: unknown } } }[] = await api.rt.db.query(
      `SELECT detail FROM audit_log WHERE entity_id = $1 AND action = 'segment.update'`,
      [key('upd')],
    );
    expect(entry.detail.previous.rule).toEqual({ trait: 'risk_level', op: 'eq', value: 'C1' });
    const missing = await api.as('marketer').put(`/v1/segments/${key('absent')}`).send({ name: 'x', rule: { trait: 'a', op: 'exists' } }).expect(404);
    expect(missing.body.error.code).toBe('segment_not_found');
  });

  it('400s bad bodies and keys', async () => {
    const noRule = await api.as('marketer').post('/v1/segments').send({ key: key('x'), name: 'x' }).expect(400);
    expect(noRule.body.error.issues).toEqual([expect.objectContaining({ path: '$.rule', code: 'required' })]);
    const badKey = await api.as('marketer').post('/v1/segments').send({ key: '-no', name: 'x', rule: { trait: 'a', op: 'exists' } }).expect(400);
    expect(badKey.body.error.issues).toEqual([expect.objectContaining({ path: '$.key', code: 'invalid_format' })]);
    await api.as('marketer').post('/v1/segments').send([1]).expect(400);
    const path = await api.http().get('/v1/segments/%20bad').expect(400);
    expect(path.body.error.code).toBe('invalid_segment_key');
  });
});

describe('list', () => {
  it('pages by key', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { body: { items: { key: string }[]; nextCursor: string | null } } = await api
        .as('support')
        .get('/v1/segments')
        .query({ limit: 2, ...(cursor ? { cursor } : {}) })
        .expect(200);
      seen.push(...res.body.items.map((s) => s.key));
      cursor = res.body.nextCursor;
    } while (cursor);
    const ours = seen.filter((k) => k.endsWith(unique));
    expect(ours).toEqual([...ours].sort());
    expect(ours).toEqual(expect.arrayContaining([key('onboarding'), key('base'), key('derived')]));
    await api.http().get('/v1/segments?cursor=nonsense').expect(400);
  });
});

describe('preview', () => {
  it('counts the members and samples them, first by id', async () => {
    const res = await api.as('viewer').get(`/v1/segments/${key('onboarding')}/preview?sample=1`).expect(200);
    expect(res.body.count).toBe(2);
    expect(res.body.sample).toEqual([{ customerId: `${cohort}-01`, traits: expect.objectContaining({ risk_level: 'C3', cohort }) }]);
  });

  it('previews an unsaved rule, references included', async () => {
    const res = await api
      .as('marketer')
      .post('/v1/segments/preview')
      .send({ rule: { and: [{ segment: key('base') }, { trait: 'risk_level', op: 'in', value: ['C3', 'C4'] }] }, sample: 10 })
      .expect(200);
    const truth = CUSTOMERS.filter((c) => ['C3', 'C4'].includes(c.traits.risk_level as string)).map((c) => c.id);
    expect(res.body.count).toBe(truth.length);
    expect(res.body.sample.map((s: { customerId: string }) => s.customerId)).toEqual(truth);
  });

  it('bounds the sample and checks the rule', async () => {
    const big = await api.http().get(`/v1/segments/${key('onboarding')}/preview?sample=101`).expect(400);
    expect(big.body.error.code).toBe('invalid_query');
    const bad = await api.http().post('/v1/segments/preview').send({ rule: { segment: key('nowhere') } }).expect(422);
    expect(bad.body.error.code).toBe('invalid_segment');
    await api.http().get(`/v1/segments/${key('nowhere')}/preview`).expect(404);
  });
});

describe('preview under a statement timeout (JE_SEGMENT_PREVIEW_TIMEOUT)', () => {
  let short: ApiHarness;
  beforeAll(async () => {
    short = await startApi('segments-api-timeout', { segmentPreviewTimeoutMs: 300 });
  });
  afterAll(async () => {
    await short?.stop();
  });

  it('cancels a count that runs past it with 503 segment_preview_timeout, and previews again once it is quick', async () => {
    // A count that cannot finish in time: another session holds the customers table exclusively.
    await withCustomersLocked(
      api.rt.db,
      async () => {
        const slow = await short.as('viewer').get(`/v1/segments/${key('onboarding')}/preview`).expect(503);
        expect(slow.body.error).toMatchObject({ code: 'segment_preview_timeout', message: expect.stringContaining('300 ms') });
      },
      async () => {
        const quick = await short.as('viewer').get(`/v1/segments/${key('onboarding')}/preview`).expect(200);
        expect(quick.body.count).toBe(2);
      },
    );
  });
});

describe('GET /v1/segments/:key/members/:customerId', () => {
  it('says a member is in, with nothing failed', async () => {
    const res = await api.as('support').get(`/v1/segments/${key('onboarding')}/members/${cohort}-01`).expect(200);
    expect(res.body).toEqual({ segment: key('onboarding'), customerId: `${cohort}-01`, member: true, failed: [] });
  });

  it.each([
    ['03', '$.and[1]', 'trait', true],
    ['04', '$.and[2].not', 'event', false],
    ['05', '$.and[3]', 'trait', true],
    ['06', '$.and[4]', 'event', true],
  ])('names the one condition that keeps customer %s out (%s)', async (suffix, path, kind, expected) => {
    const res = await api.as('viewer').get(`/v1/segments/${key('onboarding')}/members/${cohort}-${suffix}`).expect(200);
    expect(res.body.member).toBe(false);
    expect(res.body.failed).toEqual([expect.objectContaining({ path, kind, expected, result: !expected, reason: expect.any(String) })]);
  });

  it('says how close: the value or count found against what was needed', async () => {
    const failedOf = async (suffix: string) =>
      (await api.as('support').get(`/v1/segments/${key('onboarding')}/members/${cohort}-${suffix}`).expect(200)).body.failed[0];
    // 06 viewed the fund page twice; the rule needs three views.
    expect(await failedOf('06')).toMatchObject({
      found: 2,
      howClose: 'page_view where page = "fund_detail": 2 times; needs at least 3 × page_view where page = "fund_detail"',
    });
    // 05 is C2; the rule needs C3 or above.
    expect(await failedOf('05')).toMatchObject({
      found: 'C2',
      howClose: 'trait risk_level is "C2"; needs trait risk_level ≥ "C3" (order C1 < C2 < C3 < C4 < C5)',
    });
    // 04 opened an account once; the rule needs that never to have happened.
    expect(await failedOf('04')).toMatchObject({ found: 1, howClose: 'account_opened: 1 time; needs NOT (at least 1 × account_opened)' });
  });

  it('404s an unknown customer or segment', async () => {
    const customer = await api.http().get(`/v1/segments/${key('onboarding')}/members/nobody-${unique}`).expect(404);
    expect(customer.body.error.code).toBe('customer_not_found');
    const segment = await api.http().get(`/v1/segments/${key('nowhere')}/members/${cohort}-01`).expect(404);
    expect(segment.body.error.code).toBe('segment_not_found');
  });
});

describe('delete', () => {
  it('deletes an unused segment, audited', async () => {
    await createSegment(key('gone'), { trait: 'cohort', op: 'eq', value: cohort }).expect(201);
    await api.as('marketer').delete(`/v1/segments/${key('gone')}`).expect(204);
    await api.http().get(`/v1/segments/${key('gone')}`).expect(404);
    await api.as('marketer').delete(`/v1/segments/${key('gone')}`).expect(404);
    const actions: { action: string }[] = await api.rt.db.query(`SELECT action FROM audit_log WHERE entity_id = $1 ORDER BY id`, [key('gone')]);
    expect(actions.map((a) => a.action)).toEqual(['segment.create', 'segment.delete']);
  });

  it('409s while another segment refers to it', async () => {
    const res = await api.as('marketer').delete(`/v1/segments/${key('base')}`).expect(409);
    expect(res.body.error).toMatchObject({ code: 'segment_in_use', segments: [key('derived')], journeys: [] });
  });

  it('409s while a published journey uses it as trigger or in a condition, and not once the journey moved on', async () => {
    await createSegment(key('trig'), { trait: 'cohort', op: 'eq', value: cohort }).expect(201);
    await createSegment(key('cond'), { trait: 'risk_level', op: 'eq', value: 'C5' }).expect(201);
    const journeyId = `seg-use-${unique}`;
    const nodes = [
      { id: 'start', type: 'trigger', trigger: { kind: 'segment', segment: key('trig') } },
      { id: 'split', type: 'condition', condition: { segment: key('cond') } },
      { id: 'yes', type: 'exit' },
      { id: 'no', type: 'exit' },
    ];
    const edges = [
      { from: 'start', to: 'split' },
      { from: 'split', port: 'yes', to: 'yes' },
      { from: 'split', port: 'no', to: 'no' },
    ];
    await api.as('marketer').put(`/v1/journeys/${journeyId}/publish`).send(canvas('uses segments', nodes as never, edges)).expect(201);
    for (const used of [key('trig'), key('cond')]) {
      const res = await api.as('marketer').delete(`/v1/segments/${used}`).expect(409);
      expect(res.body.error).toMatchObject({ code: 'segment_in_use', journeys: [journeyId] });
    }
    // A new version without the condition: `cond` is free again (no run of the old version is live).
    const plain = canvas('uses trigger only', [nodes[0], nodes[2]] as never, [{ from: 'start', to: 'yes' }]);
    await api.as('marketer').put(`/v1/journeys/${journeyId}/publish`).send(plain).expect(201);
    await api.as('marketer').delete(`/v1/segments/${key('cond')}`).expect(204);
    await api.as('marketer').delete(`/v1/segments/${key('trig')}`).expect(409);
  });
});

describe('roles', () => {
  it('lets only marketers (and admins) write; support and viewers read; engineers neither', async () => {
    const rule = { trait: 'cohort', op: 'exists' };
    for (const role of ['viewer', 'support', 'engineer'] as const) {
      const res = await api.as(role).post('/v1/segments').send({ key: key(`role-${role}`), name: 'x', rule }).expect(403);
      expect(res.body.error.code).toBe('forbidden_role');
      await api.as(role).delete(`/v1/segments/${key('onboarding')}`).expect(403);
      await api.as(role).put(`/v1/segments/${key('onboarding')}`).send({ name: 'x', rule }).expect(403);
    }
    await api.as('engineer').get('/v1/segments').expect(403);
    await api.as('engineer').get(`/v1/segments/${key('onboarding')}/members/${cohort}-01`).expect(403);
    await api.anonymous().get('/v1/segments').expect(401);
    await api.http().post('/v1/segments').send({ key: key('by-admin'), name: 'x', rule }).expect(201);
  });
});
