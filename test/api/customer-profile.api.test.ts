/**
 * The profile support reads in one request (GET /v1/customers/:customerId) and identity stitching
 * (anonymous ids on events, POST /v1/identify), through the HTTP API of the real app over PostgreSQL,
 * the Temporal dev server and an in-process worker.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { eventually } from '../support/runtime-harness.js';
import { canvas, startApi, type ApiHarness } from './api-harness.js';

const unique = Date.now().toString(36);
let api: ApiHarness;

beforeAll(async () => {
  api = await startApi('customer-profile');
});
afterAll(async () => {
  await api?.stop();
});

async function waitingAt(journeyId: string, node: string, customerId: string): Promise<void> {
  await eventually(`${customerId} waiting at ${node}`, async () => {
    const rows: unknown[] = await api.rt.db.query(
      `SELECT 1 FROM enrollments WHERE journey_id = $1 AND customer_id = $2 AND current_node = $3 AND status = 'active'`,
      [journeyId, customerId, node],
    );
    return rows.length === 1;
  });
}

describe('GET /v1/customers/:customerId', () => {
  const customerId = `lan-${unique}`;
  const journeyId = `profile-${unique}`;

  it('answers traits, consent with its last change, live journeys with node and deadline, last events and message counts; support reads personal traits masked', async () => {
    await api.as('engineer').put(`/v1/customers/${customerId}`).send({
      traits: { first_name: 'Lan', phone: '+8613800009876', push_tokens: ['tok-abcdefgh1234'], riskLevel: 'R3', consent: { sms: true } },
    }).expect(200);
    await api.as('support').post(`/v1/customers/${customerId}/consent`).send({ channel: 'push', consented: false, reason: 'asked by phone' }).expect(200);
    await api.http().put(`/v1/journeys/${journeyId}/publish`).send(
      canvas(
        'Profile',
        [
          { id: 'start', type: 'trigger', trigger: { kind: 'api' } },
          { id: 'hello', type: 'action', action: 'sms', params: { body: 'Hello {{ traits.first_name }}' } },
          { id: 'hold', type: 'wait', duration: 'PT1H' },
          { id: 'done', type: 'exit' },
        ],
        [
          { from: 'start', to: 'hello' },
          { from: 'hello', to: 'hold' },
          { from: 'hold', to: 'done' },
        ],
      ),
    ).expect(201);
    const enrolled = await api.http().post(`/v1/journeys/${journeyId}/enrollments`).send({ customerId }).expect(201);
    await waitingAt(journeyId, 'hold', customerId);
    const eventTime = '2026-03-01T02:00:00.000Z';
    await api.as('engineer').post('/v1/events').send({ events: [{ eventId: `fund-${unique}`, customerId, name: 'fund_page_viewed', eventTime, properties: { fund: 'F1' } }] }).expect(202);

    const support = (await api.as('support').get(`/v1/customers/${customerId}`).expect(200)).body;
    const [run] = support.journeys;
    expect(support).toEqual({
      customerId,
      traits: {
        first_name: '***',
        phone: '+*********9876',
        push_tokens: ['tok-…1234'],
        riskLevel: 'R3',
        consent: { sms: true, push: false },
        push_opted_out_at: expect.any(String),
      },
      maskedTraits: ['phone', 'push_tokens', 'first_name'],
      consent: [
        { channel: 'sms', consented: true, optedOutAt: null, lastChange: null },
        { channel: 'push', consented: false, optedOutAt: support.traits.push_opted_out_at, lastChange: { at: expect.any(String), by: expect.any(String), role: 'support', reason: 'asked by phone' } },
        { channel: 'crm_task', consented: null, optedOutAt: null, lastChange: null },
      ],
      identities: [],
      journeys: [
        {
          enrollmentId: enrolled.body.enrollmentId,
          journeyId,
          journeyName: 'Profile',
          versionId: `${journeyId}@1`,
          status: 'active',
          enrolledAt: expect.any(String),
          currentNode: 'hold',
          waitingUntil: run.movesOnAt,
          movesOnAt: expect.any(String),
        },
      ],
      lastEvents: [{ eventId: `fund-${unique}`, name: 'fund_page_viewed', eventTime, receivedAt: expect.any(String), properties: { fund: 'F1' } }],
      messages: { total: 1, byStatus: { sent: 1 } },
    });
    // The deadline is the wait's end: an hour after the run reached it.
    expect(Date.parse(run.movesOnAt) - Date.parse(run.enrolledAt)).toBeGreaterThanOrEqual(3_600_000);

    const admin = (await api.as('admin').get(`/v1/customers/${customerId}`).expect(200)).body;
    expect(admin.traits).toMatchObject({ first_name: 'Lan', phone: '+8613800009876', push_tokens: ['tok-abcdefgh1234'] });
    expect(admin.maskedTraits).toEqual([]);
  });

  it('answers 404 customer_not_found for an unknown customer', async () => {
    const res = await api.as('support').get(`/v1/customers/nobody-${unique}`).expect(404);
    expect(res.body.error).toMatchObject({ code: 'customer_not_found' });
  });
});

describe('identity stitching: ad click → browse → register → open', () => {
  const device = `dev-${unique}`;
  const customerId = `c-${unique}`;
  const other = `c2-${unique}`;
  const journeyId = `opening-${unique}`;
  const names = { fund: `fund_viewed_${unique}`, registered: `registered_${unique}`, opening: `opening_page_viewed_${unique}` };
  const rule = { and: [{ trait: 'cohort', op: 'eq', value: unique }, { event: names.fund, count: { gte: 3 } }] };
  let n = 0;
  const send = (identity: { customerId?: string; anonymousId?: string }, name: string) =>
    api.as('engineer').post('/v1/events').send({ events: [{ eventId: `e-${unique}-${n++}`, ...identity, name, eventTime: new Date().toISOString() }] }).expect(202);
  const count = async () => (await api.as('marketer').post('/v1/segments/preview').send({ rule, sample: 10 }).expect(200)).body.count;
  const eventNames = async (id: string) => (await api.as('support').get(`/v1/customers/${id}/events`).expect(200)).body.items.map((e: { name: string }) => e.name).sort();

  it('counts the device\'s events for the customer once linked, and a wait moves on for an event sent under the device id', async () => {
    await api.http().put(`/v1/journeys/${journeyId}/publish`).send(
      canvas(
        'Opening',
        [
          { id: 'start', type: 'trigger', trigger: { kind: 'event', event: names.registered } },
          { id: 'opened', type: 'wait_for_event', event: names.opening, timeout: 'PT1H' },
          { id: 'yes', type: 'exit', reason: 'opened' },
          { id: 'no', type: 'exit', reason: 'silent' },
        ],
        [
          { from: 'start', to: 'opened' },
          { from: 'opened', port: 'matched', to: 'yes' },
          { from: 'opened', port: 'timed_out', to: 'no' },
        ],
      ),
    ).expect(201);
    // A visitor browses fund pages from an ad click: stored under the device id, nobody's yet.
    for (let i = 0; i < 3; i++) expect((await send({ anonymousId: device }, names.fund)).body.results[0]).toMatchObject({ status: 'accepted', dispatch: 'dispatched' });
    // They register: the customer is known, but the browsing is not theirs yet.
    await api.as('engineer').put(`/v1/customers/${customerId}`).send({ traits: { cohort: unique } }).expect(200);
    await send({ customerId }, names.registered);
    await waitingAt(journeyId, 'opened', customerId);
    expect(await count()).toBe(0);
    expect(await eventNames(customerId)).toEqual([names.registered]);

    const linked = await api.as('engineer').post('/v1/identify').send({ anonymousId: device, customerId }).expect(200);
    expect(linked.body).toEqual({ anonymousId: device, customerId, link: 'linked', previousCustomerId: null, eventsMoved: 3 });
    expect(await count()).toBe(1);
    expect(await eventNames(customerId)).toEqual([names.fund, names.fund, names.fund, names.registered].sort());

    // The app still sends the opening page view under the device id: the waiting run moves on.
    await send({ anonymousId: device }, names.opening);
    const ended = await eventually('the run to end', async () => {
      const rows: { exit_reason: string }[] = await api.rt.db.query(`SELECT exit_reason FROM enrollments WHERE journey_id = $1 AND ended_at IS NOT NULL`, [journeyId]);
      return rows.length === 1 ? rows : null;
    });
    expect(ended).toEqual([{ exit_reason: 'opened' }]);
    const profile = (await api.as('support').get(`/v1/customers/${customerId}`).expect(200)).body;
    expect(profile.identities).toEqual([{ anonymousId: device, linkedAt: expect.any(String), source: 'identify' }]);
    expect(profile.lastEvents[0]).toMatchObject({ name: names.opening });
  });

  it('answers the same link again as unchanged, and refuses a device linked to someone else with 409 unless asked to move it', async () => {
    const again = await api.as('engineer').post('/v1/identify').send({ anonymousId: device, customerId }).expect(200);
    expect(again.body).toEqual({ anonymousId: device, customerId, link: 'unchanged', previousCustomerId: null, eventsMoved: 0 });

    const refused = await api.as('engineer').post('/v1/identify').send({ anonymousId: device, customerId: other }).expect(409);
    expect(refused.body.error).toMatchObject({ code: 'anonymous_id_linked', linkedTo: customerId });
    const viaProfile = await api.as('engineer').put(`/v1/customers/${other}`).send({ traits: { cohort: 'x' }, anonymousId: device }).expect(409);
    expect(viaProfile.body.error.code).toBe('anonymous_id_linked');
    await api.as('support').get(`/v1/customers/${other}`).expect(404);

    const moved = await api.as('engineer').post('/v1/identify').send({ anonymousId: device, customerId: other, move: true }).expect(200);
    expect(moved.body).toEqual({ anonymousId: device, customerId: other, link: 'moved', previousCustomerId: customerId, eventsMoved: 0 });
    const audit: { action: string; detail: object }[] = await api.rt.db.query(`SELECT action, detail FROM audit_log WHERE entity_type = 'customer' AND entity_id = $1`, [other]);
    expect(audit).toEqual([{ action: 'customer.identity_moved', detail: { anonymousId: device, from: customerId } }]);
    // What was stitched stays with the first customer; what comes next is the new one's.
    await send({ anonymousId: device }, names.fund);
    expect(await eventNames(other)).toEqual([names.fund]);
    expect((await eventNames(customerId)).length).toBe(5);
    expect((await api.as('support').get(`/v1/customers/${customerId}`).expect(200)).body.identities).toEqual([]);
  });

  it('links a device that comes with a customer id on an event, moving what it sent before', async () => {
    const device2 = `dev2-${unique}`;
    const third = `c3-${unique}`;
    await send({ anonymousId: device2 }, names.fund);
    await send({ anonymousId: device2, customerId: third }, names.registered);
    expect(await eventNames(third)).toEqual([names.fund, names.registered].sort());
    expect((await api.as('support').get(`/v1/customers/${third}`).expect(200)).body.identities).toEqual([{ anonymousId: device2, linkedAt: expect.any(String), source: 'event' }]);
    // A device linked elsewhere keeps its link: the event is still the customer's it names.
    await send({ anonymousId: device2, customerId: other }, names.opening);
    expect(await eventNames(other)).toEqual([names.fund, names.opening].sort());
    expect((await api.as('support').get(`/v1/customers/${other}`).expect(200)).body.identities).toEqual([{ anonymousId: device, linkedAt: expect.any(String), source: 'move' }]);
  });

  it('refuses an event with neither id, a customer id in the reserved anon: namespace, and a bad identify body, with paths', async () => {
    const res = await api.as('engineer').post('/v1/events').send({
      events: [
        { eventId: `bad-1-${unique}`, name: 'x', eventTime: new Date().toISOString() },
        { eventId: `bad-2-${unique}`, customerId: 'anon:abc', name: 'x', eventTime: new Date().toISOString() },
      ],
    }).expect(202);
    expect(res.body.results).toEqual([
      { eventId: `bad-1-${unique}`, status: 'rejected', issues: [{ path: '$.events[0].customerId', code: 'required', message: '$.events[0].customerId or $.events[0].anonymousId is required' }] },
      { eventId: `bad-2-${unique}`, status: 'rejected', issues: [{ path: '$.events[1].customerId', code: 'invalid_format', message: '$.events[1].customerId must not start with "anon:" (reserved for anonymous ids)' }] },
    ]);
    const bad = await api.as('engineer').post('/v1/identify').send({ anonymousId: '', move: 'yes' }).expect(400);
    expect(bad.body.error.code).toBe('invalid_body');
    expect(bad.body.error.issues.map((i: { path: string }) => i.path).sort()).toEqual(['$.anonymousId', '$.customerId', '$.move']);
    await api.as('support').post('/v1/identify').send({ anonymousId: 'a', customerId: 'b' }).expect(403);
  });
});
