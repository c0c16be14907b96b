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
