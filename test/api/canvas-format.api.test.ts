/**
 * Canvas format 1 through the HTTP API: accepted on every route that takes a canvas, stored and
 * answered as its format-2 upgrade, published with a plan in the rule language, and run: the
 * upgraded conditions decide as the format-1 ones did. Real app, PostgreSQL, Temporal and worker.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { endedEnrollments } from '../support/runtime-harness.js';
import { startApi, type ApiHarness } from './api-harness.js';
import { PLAN_VERSION } from '../../engine/plan.js';

let api: ApiHarness;
const unique = Date.now().toString(36);

beforeAll(async () => {
  api = await startApi('canvas-format');
});
afterAll(async () => {
  await api?.stop();
});

/** A format-1 canvas: an API entry, then a condition written with all/any and a segment non-membership. */
const format1 = (name: string, condition: unknown) => ({
  schemaVersion: 1,
  name,
  nodes: [
    { id: 'start', type: 'trigger', trigger: { kind: 'api' } },
    { id: 'check', type: 'condition', condition },
    { id: 'vip', type: 'exit', reason: 'vip_path' },
    { id: 'other', type: 'exit', reason: 'other_path' },
  ],
  edges: [
    { from: 'start', to: 'check' },
    { from: 'check', port: 'yes', to: 'vip' },
    { from: 'check', port: 'no', to: 'other' },
  ],
});

const V1_CONDITION = {
  all: [
    { any: [{ trait: 'tier', op: 'eq', value: 'gold' }, { entry: 'channel', op: 'eq', value: 'vip_desk' }] },
    { segment: `no-such-segment-${unique}`, member: false },
  ],
};
const V2_CONDITION = {
  and: [
    { or: [{ trait: 'tier', op: 'eq', value: 'gold' }, { entry: 'channel', op: 'eq', value: 'vip_desk' }] },
    { not: { segment: `no-such-segment-${unique}` } },
  ],
};

describe('canvas format 1 through the API', () => {
  it('a draft saved in format 1 is stored and answered in format 2', async () => {
    const id = `fmt1-draft-${unique}`;
    const created = await api.as('marketer').post('/v1/journeys').send({ id, canvas: format1('Format 1 draft', V1_CONDITION) }).expect(201);
    expect(created.body.draft.canvas.schemaVersion).toBe(2);
    expect(created.body.draft.canvas.nodes[1].condition).toEqual(V2_CONDITION);
    expect(created.body.validation).toMatchObject({ valid: true, issues: [] });
    const [row] = await api.rt.db.query(`SELECT draft FROM journeys WHERE id = $1`, [id]);
    expect(row.draft.schemaVersion).toBe(2);
    expect(row.draft.nodes[1].condition).toEqual(V2_CONDITION);

    const saved = await api.as('marketer').put(`/v1/journeys/${id}/draft`).send({ canvas: format1('Format 1 again', { all: [{ trait: 'tier', op: 'exists' }] }) }).expect(200);
    expect(saved.body.draft.canvas.nodes[1].condition).toEqual({ and: [{ trait: 'tier', op: 'exists' }] });
  });

  it('a format-1 ordered comparison of text is refused at its path with how to fix it', async () => {
    const res = await api
      .as('marketer')
      .put(`/v1/journeys/fmt1-order-${unique}/publish`)
      .send(format1('Ranked text', { trait: 'risk_level', op: 'gt', value: 'C2' }))
      .expect(422);
    expect(res.body.error.code).toBe('invalid_canvas');
    expect(res.body.error.issues).toEqual([expect.objectContaining({ code: 'invalid_value', path: '$.nodes[1].condition.value', message: expect.stringContaining('order') })]);
  });

  it('a format-1 canvas publishes with a plan in the rule language, and its runs decide as before', async () => {
    const id = `fmt1-run-${unique}`;
    const v1 = { all: [{ any: [{ trait: 'tier', op: 'eq', value: 'gold' }, { entry: 'channel', op: 'eq', value: 'vip_desk' }] }, { not: { trait: 'blocked', op: 'eq', value: true } }] };
    const v2 = { and: [{ or: [{ trait: 'tier', op: 'eq', value: 'gold' }, { entry: 'channel', op: 'eq', value: 'vip_desk' }] }, { not: { trait: 'blocked', op: 'eq', value: true } }] };
    const published = await api.as('marketer').put(`/v1/journeys/${id}/publish`).send(format1('Format 1 published', v1)).expect(201);
    const [version] = await api.rt.db.query(`SELECT canvas, plan FROM journey_versions WHERE id = $1`, [published.body.versionId]);
    expect(version.canvas.schemaVersion).toBe(2);
    expect(version.plan.planVersion).toBe(PLAN_VERSION);
    expect(version.plan.nodes.check.condition).toEqual(v2);

    await api.rt.db.query(`INSERT INTO customers (id, traits) VALUES ($1, '{"tier":"gold"}'), ($2, '{"tier":"silver"}'), ($3, '{"blocked":false}')`, [
      `gold-${unique}`,
      `silver-${unique}`,
      `desk-${unique}`,
    ]);
    const enroll = (customerId: string, payload: object) =>
      api.as('engineer').post(`/v1/journeys/${id}/enrollments`).send({ customerId, payload }).expect(201);
    await enroll(`gold-${unique}`, {});
    await enroll(`silver-${unique}`, {});
    await enroll(`desk-${unique}`, { channel: 'vip_desk' });
    const ended = await endedEnrollments(api.rt.db, id, 3);
    const reasons = Object.fromEntries(ended.map((e: { customer_id: string; exit_reason: string }) => [e.customer_id, e.exit_reason]));
    expect(reasons).toEqual({ [`gold-${unique}`]: 'vip_path', [`silver-${unique}`]: 'other_path', [`desk-${unique}`]: 'vip_path' });

    // The decision record carries the rule in words and the facts it read.
    const [decision] = await api.rt.db.query(
      `SELECT s.detail FROM enrollment_steps s JOIN enrollments e ON e.id = s.enrollment_id WHERE e.journey_id = $1 AND e.customer_id = $2 AND s.kind = 'decision'`,
      [id, `desk-${unique}`],
    );
    expect(decision.detail).toMatchObject({ port: 'yes', values: { 'trait:tier': null, 'entry:channel': 'vip_desk', 'trait:blocked': false } });
    expect(decision.detail.condition).toContain('entry channel = "vip_desk"');
  });
});
