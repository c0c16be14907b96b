/**
 * Export and erasure of one customer's data (PIPL / GDPR requests), through the HTTP API of the real
 * app over PostgreSQL, the Temporal dev server and an in-process worker. The proof of erasure searches
 * every text, jsonb and array column of every table of the schema (read from the catalogue, so a new
 * table is searched too) for the customer's phone number, name, push token and device id.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { RetentionSweeper } from '../../core/retention.js';
import { ERASURE_PLAN } from '../../store/customer-data.repository.js';
import { eventually } from '../support/runtime-harness.js';
import { canvas, startApi, type ApiHarness } from './api-harness.js';

const unique = Date.now().toString(36);
let api: ApiHarness;

beforeAll(async () => {
  api = await startApi('customer-erasure');
});
afterAll(async () => {
  await api?.stop();
});

/** Every `table.column` of the public schema (text-like, jsonb or array columns) whose value contains `needle`. */
async function columnsHolding(needle: string): Promise<string[]> {
  const columns: { table_name: string; column_name: string }[] = await api.rt.db.query(
    `SELECT c.table_name, c.column_name FROM information_schema.columns c
       JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
      WHERE c.table_schema = 'public' AND (c.data_type IN ('text', 'character varying', 'jsonb', 'json', 'ARRAY', 'USER-DEFINED'))
      ORDER BY c.table_name, c.column_name`,
  );
  const found: string[] = [];
  for (const { table_name, column_name } of columns) {
    const [{ n }]: { n: number }[] = await api.rt.db.query(`SELECT count(*)::int AS n FROM "${table_name}" WHERE "${column_name}"::text LIKE '%' || $1 || '%'`, [needle]);
    if (n > 0) found.push(`${table_name}.${column_name}`);
  }
  return found;
}

describe('export and erasure of a customer', () => {
  const customerId = `erase-${unique}`;
  const journeyId = `erase-journey-${unique}`;
  const personal = { phone: `+86139${unique.slice(-8).replace(/\D/g, '7').padStart(8, '7')}`, name: `Zhaoyun${unique}`, token: `tok-${unique}-fcm`, device: `device-${unique}` };

  it('exports everything held about the customer as one document, audited', async () => {
    await api.as('engineer').post('/v1/events').send({
      events: [{ eventId: `v-${unique}`, anonymousId: personal.device, name: 'fund_page_viewed', eventTime: new Date().toISOString(), properties: { note: `viewed by ${personal.name}` } }],
    }).expect(202);
    await api.as('engineer').put(`/v1/customers/${customerId}`).send({
      anonymousId: personal.device,
      traits: { first_name: personal.name, phone: personal.phone, push_tokens: [personal.token], consent: { sms: true } },
    }).expect(200);
    await api.http().put(`/v1/journeys/${journeyId}/publish`).send(
      canvas(
        'Erasure',
        [
          { id: 'start', type: 'trigger', trigger: { kind: 'event', event: `registered_${unique}` } },
          { id: 'sms', type: 'action', action: 'sms', params: { body: 'Hi {{ traits.first_name }}' } },
          { id: 'push', type: 'action', action: 'push', params: { title: 'Welcome {{ traits.first_name }}', body: 'Open your account' } },
          { id: 'task', type: 'action', action: 'crm_task', params: { title: 'Call {{ traits.first_name }}', details: 'Phone {{ traits.phone }}', queue: 'vip_desk' } },
          { id: 'opened', type: 'wait_for_event', event: `opened_${unique}`, timeout: 'PT1H' },
          { id: 'yes', type: 'exit', reason: 'opened' },
          { id: 'no', type: 'exit', reason: 'silent' },
        ],
        [
          { from: 'start', to: 'sms' },
          { from: 'sms', to: 'push' },
          { from: 'push', to: 'task' },
          { from: 'task', to: 'opened' },
          { from: 'opened', port: 'matched', to: 'yes' },
          { from: 'opened', port: 'timed_out', to: 'no' },
        ],
      ),
    ).expect(201);
    await api.as('engineer').post('/v1/events').send({
      events: [{ eventId: `r-${unique}`, customerId, name: `registered_${unique}`, eventTime: new Date().toISOString(), properties: { phone: personal.phone } }],
    }).expect(202);
    await eventually('the run waiting at opened', async () => {
      const rows: unknown[] = await api.rt.db.query(`SELECT 1 FROM enrollments WHERE journey_id = $1 AND current_node = 'opened' AND status = 'active'`, [journeyId]);
      return rows.length === 1;
    });

    const doc = (await api.as('admin').get(`/v1/customers/${customerId}/export`).expect(200)).body;
    expect(doc).toMatchObject({ customerId, profile: { id: customerId, traits: { first_name: personal.name, phone: personal.phone, push_tokens: [personal.token] } } });
    expect(doc.identities).toEqual([expect.objectContaining({ anonymous_id: personal.device, source: 'identify' })]);
    expect(doc.events.map((e: { event_id: string }) => e.event_id)).toEqual([`v-${unique}`, `r-${unique}`]);
    expect(doc.enrollments).toEqual([expect.objectContaining({ journey_id: journeyId, status: 'active', current_node: 'opened' })]);
    expect(doc.messages.map((m: { action: string }) => m.action).sort()).toEqual(['crm_task', 'push', 'sms']);
    expect(doc.steps.length).toBeGreaterThan(0);
    const audit: { action: string }[] = await api.rt.db.query(`SELECT action FROM audit_log WHERE entity_type = 'customer' AND entity_id = $1`, [customerId]);
    expect(audit.map((a) => a.action)).toContain('customer.export');
    await api.as('support').get(`/v1/customers/${customerId}/export`).expect(403);
    await api.as('admin').get(`/v1/customers/nobody-${unique}/export`).expect(404);
  });

  it('erases the customer during a live wait: the run ends erased, no table holds their phone, name, token or device id, stats still count them', async () => {
    // Before: the personal values are really there, in several tables.
    for (const value of Object.values(personal)) expect((await columnsHolding(value)).length).toBeGreaterThan(0);
    expect(await columnsHolding(personal.phone)).toEqual(expect.arrayContaining(['customers.traits', 'events.properties', 'messages.request']));
    const statsBefore = (await api.as('viewer').get(`/v1/journeys/${journeyId}/stats`).expect(200)).body;
    expect(statsBefore.totals).toMatchObject({ entered: 1, waiting: 1 });

    const res = await api.as('admin').post(`/v1/customers/${customerId}/erasure`).send({ reason: 'ticket PIPL-17' }).expect(200);
    expect(res.body).toMatchObject({ customerId, erased: true, runsEnded: 1, rows: expect.objectContaining({ customers: 1, customer_identities: 1 }) });

    for (const value of Object.values(personal)) expect({ value, columns: await columnsHolding(value) }).toEqual({ value, columns: [] });
    const [run]: { status: string; exit_reason: string }[] = await api.rt.db.query(`SELECT status, exit_reason FROM enrollments WHERE journey_id = $1`, [journeyId]);
    expect(run).toEqual({ status: 'exited', exit_reason: 'erased' });
    // The workflow is gone: an event it waited for reaches nobody, and nothing more is sent.
    const messages: { n: number }[] = await api.rt.db.query(`SELECT count(*)::int AS n FROM messages WHERE customer_id = $1`, [customerId]);
    const described = await api.rt.client.workflow.getHandle((await api.rt.db.query(`SELECT id FROM enrollments WHERE journey_id = $1`, [journeyId]))[0].id).describe();
    expect(described.status.name).toBe('TERMINATED');
    const statsAfter = (await api.as('viewer').get(`/v1/journeys/${journeyId}/stats`).expect(200)).body;
    expect(statsAfter.totals).toMatchObject({ entered: 1, waiting: 0 });
    // Per-node counts stay; only the wait no longer holds anyone.
    expect(statsAfter.nodes).toEqual(statsBefore.nodes.map((n: Record<string, unknown>) => (n.nodeId === 'opened' ? { ...n, waiting: 0 } : n)));
    expect(messages[0].n).toBe(3);

    // Audited with the counts, never the data.
    const audit: { action: string; detail: { reason: string } }[] = await api.rt.db.query(
      `SELECT action, detail FROM audit_log WHERE entity_type = 'customer' AND entity_id = $1 AND action = 'customer.erasure'`,
      [customerId],
    );
    expect(audit).toEqual([{ action: 'customer.erasure', detail: expect.objectContaining({ reason: 'ticket PIPL-17' }) }]);
    await api.as('admin').get(`/v1/customers/${customerId}`).expect(404);
  });

  it('is idempotent, and a later event for the id starts a new, empty customer', async () => {
    const again = await api.as('admin').post(`/v1/customers/${customerId}/erasure`).send({ reason: 'ticket PIPL-17 (retry)' }).expect(200);
    expect(again.body).toMatchObject({ customerId, erased: false, runsEnded: 0 });
    expect(Object.values(again.body.rows).every((n) => n === 0)).toBe(true);
    await api.as('engineer').post('/v1/events').send({ events: [{ eventId: `late-${unique}`, customerId, name: 'app_opened', eventTime: new Date().toISOString() }] }).expect(202);
    const profile = (await api.as('admin').get(`/v1/customers/${customerId}`).expect(200)).body;
    expect(profile).toMatchObject({ traits: {}, identities: [], journeys: [] });
    await api.as('support').post(`/v1/customers/${customerId}/erasure`).send({ reason: 'x' }).expect(403);
    expect((await api.as('admin').post(`/v1/customers/${customerId}/erasure`).send({}).expect(400)).body.error.code).toBe('invalid_body');
  });

  it('has an erasure rule for every table that holds rows by customer id (read from the schema)', async () => {
    const tables: { table_name: string }[] = await api.rt.db.query(
      `SELECT DISTINCT table_name FROM information_schema.columns WHERE table_schema = 'public' AND column_name = 'customer_id' ORDER BY table_name`,
    );
    expect(tables.map((t) => t.table_name).filter((t) => !(t in ERASURE_PLAN))).toEqual([]);
  });
});

describe('retention of raw events', () => {
  it('deletes dispatched events older than the retention period and keeps the rest', async () => {
    const customerId = `old-${unique}`;
    const at = (iso: string, id: string) => ({ eventId: `${id}-${unique}`, customerId, name: 'page_viewed', eventTime: iso });
    const res = await api.as('engineer').post('/v1/events').send({ events: [at('1971-01-01T00:00:00Z', 'old'), at('1972-01-01T00:00:00Z', 'kept')] }).expect(202);
    expect(res.body.results.map((r: { dispatch: string }) => r.dispatch)).toEqual(['dispatched', 'dispatched']);
    // Keep everything after 1971-06-01: only this test's 1971 event is that old.
    const now = Date.now();
    const sweeper = new RetentionSweeper(api.rt.db, { eventsMs: now - Date.UTC(1971, 5, 1), messageTextsMs: null });
    expect(sweeper.enabled).toBe(true);
    const round = await sweeper.sweep(now);
    expect(round.eventsDeleted).toBeGreaterThanOrEqual(1);
    expect(round.messageTextsRemoved).toBe(0);
    const listed = (await api.as('support').get(`/v1/customers/${customerId}/events`).expect(200)).body.items;
    expect(listed.map((e: { eventId: string }) => e.eventId)).toEqual([`kept-${unique}`]);
    expect(new RetentionSweeper(api.rt.db, { eventsMs: null, messageTextsMs: null }).enabled).toBe(false);
  });
});
