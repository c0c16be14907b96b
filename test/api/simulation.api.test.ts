/**
 * HTTP API, simulation: a draft or a version, an inline or a real customer (history, caps counted on
 * the real ledger), validation with JSON paths, 404 and 422, roles, and nothing written but the
 * audit entry. Real app, real PostgreSQL.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parseFrequencyCaps } from '../../engine/policy.js';
import { eventually } from '../support/runtime-harness.js';
import { ROOT } from '../support/runs.js';
import { startApi, type ApiHarness } from './api-harness.js';

let api: ApiHarness;
const unique = Date.now().toString(36);
const journeyId = `sim-onboarding-${unique}`;
const onboarding = JSON.parse(fs.readFileSync(`${ROOT}/examples/onboarding.json`, 'utf8'));
const START = '2026-03-02T01:00:00Z';
const TRAITS = { first_name: 'Mei', phone: '+8613800000001', push_tokens: ['tok'], account_manager: 'am-1' };

beforeAll(async () => {
  api = await startApi('simulation', { channelSettings: { frequencyCaps: parseFrequencyCaps('sms:1/P7D') } });
  await api.as('marketer').post('/v1/journeys').send({ id: journeyId, canvas: onboarding }).expect(201);
  await api.as('marketer').put(`/v1/journeys/${journeyId}/publish`).send(onboarding).expect(201);
});
afterAll(async () => {
  await api?.stop();
});

const simulate = (body: object, role: 'marketer' | 'support' | 'admin' = 'marketer', id = journeyId) => api.as(role).post(`/v1/journeys/${id}/simulate`).send(body);

/** Rows that a run, a send or an ingested event would leave. */
async function footprint(customerId: string) {
  const [counts] = await api.rt.db.query(
    `SELECT (SELECT count(*) FROM enrollments WHERE customer_id = $1)::int AS enrollments,
            (SELECT count(*) FROM messages WHERE customer_id = $1)::int AS messages,
            (SELECT count(*) FROM events WHERE customer_id = $1)::int AS events,
            (SELECT traits FROM customers WHERE id = $1) AS traits`,
    [customerId],
  );
  return counts;
}

describe('POST /v1/journeys/:journeyId/simulate', () => {
  it('walks an inline customer through the draft: path, rendered SMS with its recipient, consent suppression, end', async () => {
    const r = await simulate({ source: 'draft', customer: { traits: TRAITS, consent: { sms: false } }, events: [{ name: 'account_opened', at: 'P1D' }], start: START }).expect(200);
    expect(r.body).toMatchObject({ journeyId, source: `${journeyId}@draft`, status: 'completed', reason: 'onboarding_finished' });
    expect(r.body.path).toEqual(['wait_opening_page', 'sms_open_nudge', 'wait_day3', 'day3_split', 'push_reward', 'wait_day7', 'day7_check', 'sms_day7_deposit', 'done']);
    expect(r.body.messages.map((m: { nodeId: string; status: string }) => [m.nodeId, m.status])).toEqual([
      ['sms_open_nudge', 'suppressed'],
      ['push_reward', 'sent'],
      ['sms_day7_deposit', 'suppressed'],
    ]);
    expect(r.body.messages[1]).toMatchObject({ recipient: 'tok', rendered: { title: '100 points waiting' } });
    expect(r.body.timeline.find((e: { type: string }) => e.type === 'wait')).toMatchObject({ nodeId: 'wait_opening_page', until: '2026-03-02T03:00:00.000Z' });
  });

  it('honours customer.consent over traits.consent: an SMS opt-out there holds back every marketing SMS with no_consent', async () => {
    const script = { source: 'draft', events: [{ name: 'account_opened', at: 'P1D' }], start: START };
    const smsOf = (body: { messages: { action: string; status: string; reason?: { code: string } }[] }) =>
      body.messages.filter((m) => m.action === 'sms').map((m) => [m.status, m.reason?.code ?? null]);
    const consenting = await simulate({ ...script, customer: { traits: { ...TRAITS, consent: { sms: true } } } }).expect(200);
    expect(smsOf(consenting.body)).toEqual([
      ['sent', null],
      ['sent', null],
    ]);
    const optedOut = await simulate({ ...script, customer: { traits: { ...TRAITS, consent: { sms: true } }, consent: { sms: false } } }).expect(200);
    expect(smsOf(optedOut.body)).toEqual([
      ['suppressed', 'no_consent'],
      ['suppressed', 'no_consent'],
    ]);
    // Push consent is untouched by an SMS opt-out.
    expect(optedOut.body.messages.find((m: { action: string }) => m.action === 'push')).toMatchObject({ status: 'sent' });
  });

  it('reads a real customer (traits, stored events, ledger for caps) and writes nothing but the audit entry', async () => {
    const customerId = `sim-real-${unique}`;
    await api.as('engineer').put(`/v1/customers/${customerId}`).send({ traits: TRAITS }).expect(200);
    await api.as('engineer').post('/v1/events').send({ events: [{ eventId: `os-${unique}`, customerId, name: 'opening_started', eventTime: '2026-03-01T00:00:00Z' }] }).expect(202);
    const before = await footprint(customerId);
    const r = await simulate({ source: { version: 1 }, customer: { customerId }, events: [], start: START }, 'support').expect(200);
    expect(r.body).toMatchObject({ source: `${journeyId}@1`, customerId, status: 'completed' });
    // The stored opening_started sends them down the drop-out branch.
    expect(r.body.path).toContain('crm_call_dropout');
    expect(r.body.messages.map((m: { nodeId: string; status: string; reason?: { code: string } }) => [m.nodeId, m.status, m.reason?.code ?? null])).toEqual([
      ['sms_open_nudge', 'sent', null],
      ['crm_call_dropout', 'sent', null],
    ]);
    expect(await footprint(customerId)).toEqual(before);
    const audit = await api.http().get('/v1/audit-log').query({ entityType: 'journey', entityId: journeyId, action: 'journey.simulated' }).expect(200);
    expect(audit.body.items[0]).toMatchObject({ actor: { role: 'support' }, detail: { customer: customerId, status: 'completed' } });
  });

  it('counts the frequency cap on the SMS a real run already sent the customer', async () => {
    const customerId = `sim-capped-${unique}`;
    const smsJourney = `sim-sms-${unique}`;
    const smsNow = {
      schemaVersion: 2,
      name: 'SMS now',
      nodes: [
        { id: 'start', type: 'trigger', trigger: { kind: 'api' } },
        { id: 'hello', type: 'action', action: 'sms', params: { body: 'Hello' } },
        { id: 'done', type: 'exit' },
      ],
      edges: [{ from: 'start', to: 'hello' }, { from: 'hello', to: 'done' }],
    };
    await api.as('engineer').put(`/v1/customers/${customerId}`).send({ traits: TRAITS }).expect(200);
    await api.as('marketer').post('/v1/journeys').send({ id: smsJourney, canvas: smsNow }).expect(201);
    await api.as('marketer').put(`/v1/journeys/${smsJourney}/publish`).send(smsNow).expect(201);
    await api.as('engineer').post(`/v1/journeys/${smsJourney}/enrollments`).send({ customerId }).expect(201);
    await eventually('the real SMS', async () => (await footprint(customerId)).messages === 1);
    const before = await footprint(customerId);
    const r = await simulate({ source: { version: 1 }, customer: { customerId }, events: [] }).expect(200);
    expect(r.body.messages[0]).toMatchObject({ nodeId: 'sms_open_nudge', status: 'suppressed', reason: { code: 'frequency_cap' } });
    expect(await footprint(customerId)).toEqual(before);
  });

  it('answers 400 with every problem and its JSON path', async () => {
    const r = await simulate({ source: 'latest', customer: { traits: 'x' }, events: [{ name: 'a', at: 'tomorrow' }], horizon: 'P400D' }).expect(400);
    expect(r.body.error.code).toBe('invalid_body');
    expect(r.body.error.issues.map((i: { path: string }) => i.path)).toEqual(['$.source', '$.customer', '$.events[0].at', '$.horizon']);
  });

  it('answers 404 for an unknown journey, version or customer, and 422 for a draft that does not compile', async () => {
    expect((await simulate({ source: 'draft', customer: { traits: {} } }, 'marketer', `nope-${unique}`).expect(404)).body.error.code).toBe('journey_not_found');
    expect((await simulate({ source: { version: 9 }, customer: { traits: {} } }).expect(404)).body.error.code).toBe('version_not_found');
    expect((await simulate({ source: 'draft', customer: { customerId: `ghost-${unique}` } }).expect(404)).body.error.code).toBe('customer_not_found');
    const brokenId = `sim-broken-${unique}`;
    await api.as('marketer').post('/v1/journeys').send({ id: brokenId, canvas: { ...onboarding, nodes: [...onboarding.nodes, { id: 'bad', type: 'wait', duration: 'soon' }] } }).expect(201);
    const r = await simulate({ source: 'draft', customer: { traits: {} } }, 'marketer', brokenId).expect(422);
    expect(r.body.error.code).toBe('invalid_canvas');
    expect(r.body.error.issues.length).toBeGreaterThan(0);
  });

  it('admits marketers, support and admins only', async () => {
    const body = { source: 'draft', customer: { traits: TRAITS }, horizon: 'P1D' };
    for (const role of ['marketer', 'support', 'admin'] as const) await simulate(body, role).expect(200);
    for (const role of ['engineer', 'viewer'] as const) await api.as(role).post(`/v1/journeys/${journeyId}/simulate`).send(body).expect(403);
  });
});
