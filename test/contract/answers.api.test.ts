/**
 * The success answers of the routes the console reads (CRM tasks, stuck runs, publish requests,
 * segment membership, the simulation) match the schemas their @Endpoint declares, read strictly:
 * every field an answer carries is declared with its type (an object that lists its fields and does
 * not say otherwise has no others), so a schema that names only a few fields fails here.
 * Real app, real PostgreSQL and Temporal.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Ajv } from 'ajv';
import { canvas, startApi, type ApiHarness } from '../api/api-harness.js';

let api: ApiHarness;
let doc: { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>> };
const unique = Date.now().toString(36);
const journeyId = `answers-${unique}`;
const customerId = `answers-cust-${unique}`;

/**
 * The schema as the strict reading takes it: objects without `additionalProperties` are closed, and a
 * field declared only as `{}` may not hold an object or a list (their fields would go undeclared).
 */
function strict(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(strict);
  if (schema === null || typeof schema !== 'object') return schema;
  if (Object.keys(schema).length === 0) return { not: { type: ['object', 'array'] } };
  const node = Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, k === 'example' || k === 'required' || k === 'enum' ? v : strict(v)]));
  return node.properties !== undefined || node.type === 'object' ? { additionalProperties: false, ...node } : node;
}

const ajv = new Ajv({ allErrors: true, strict: false });
ajv.addFormat('date-time', true);

/** Checks `body` against the declared success answer of `method path` (status `status`), strictly. */
function expectDeclared(method: string, path: string, status: number, body: unknown): void {
  const schema = doc.paths[path]?.[method]?.responses[String(status)]?.content?.['application/json']?.schema;
  expect(schema).toBeDefined();
  const validate = ajv.compile(strict(schema) as object);
  const valid = validate(body);
  expect(valid ? [] : validate.errors?.map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`)).toEqual([]);
}

async function until<T>(read: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = await read();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('gave up waiting');
}

const journey = (name: string) =>
  canvas(
    name,
    [
      { id: 'start', type: 'trigger', trigger: { kind: 'api' } },
      { id: 'sms', type: 'action', action: 'sms', params: { body: 'Hello {{ traits.first_name }}' } },
      { id: 'call', type: 'action', action: 'crm_task', params: { title: 'Call {{ traits.first_name }}', queue: 'team-a' } },
      { id: 'done', type: 'exit', reason: 'called' },
    ],
    [
      { from: 'start', to: 'sms' },
      { from: 'sms', to: 'call' },
      { from: 'call', to: 'done' },
    ],
  );

beforeAll(async () => {
  api = await startApi('answers', { fourEyesPublishing: true });
  doc = (await api.anonymous().get('/docs/openapi.json').expect(200)).body;
  await api.as('marketer').post('/v1/journeys').send({ id: journeyId, canvas: journey('Answers') }).expect(201);
  await api.http().put(`/v1/customers/${customerId}`).send({ traits: { first_name: 'Mei', phone: '+8613800000077', tier: 'silver' } }).expect(200);
});
afterAll(async () => {
  await api?.stop();
});

describe('declared answers, read strictly', () => {
  it('publish requests: the list, an approval and a rejection', async () => {
    const requested = await api.as('marketer').post(`/v1/journeys/${journeyId}/publish`).send({}).expect(202);
    const approved = await api.http().post(`/v1/journeys/${journeyId}/publish-requests/${requested.body.requestId}/approve`).send({}).expect(200);
    expectDeclared('post', '/v1/journeys/{journeyId}/publish-requests/{requestId}/approve', 200, approved.body);
    expect(approved.body).toMatchObject({ status: 'approved', requestedBy: { role: 'marketer' }, version: 1 });

    await api.as('marketer').put(`/v1/journeys/${journeyId}/draft`).send({ canvas: journey('Answers v2') }).expect(200);
    const second = await api.as('marketer').post(`/v1/journeys/${journeyId}/publish`).send({}).expect(202);
    const rejected = await api.http().post(`/v1/journeys/${journeyId}/publish-requests/${second.body.requestId}/reject`).send({ reason: 'not yet' }).expect(200);
    expectDeclared('post', '/v1/journeys/{journeyId}/publish-requests/{requestId}/reject', 200, rejected.body);

    const list = await api.as('viewer').get(`/v1/journeys/${journeyId}/publish-requests`).expect(200);
    expect(list.body.items).toHaveLength(2);
    expectDeclared('get', '/v1/journeys/{journeyId}/publish-requests', 200, list.body);
  });

  it('CRM tasks: the list, one task, a claim and a completion', async () => {
    await api.http().post(`/v1/journeys/${journeyId}/enrollments`).send({ customerId }).expect(201);
    const page = await until(async () => {
      const res = await api.as('support').get(`/v1/crm/tasks?customerId=${customerId}`).expect(200);
      return res.body.items.length > 0 ? res.body : undefined;
    });
    expectDeclared('get', '/v1/crm/tasks', 200, page);
    const id = page.items[0].id;
    expectDeclared('get', '/v1/crm/tasks/{id}', 200, (await api.as('support').get(`/v1/crm/tasks/${id}`).expect(200)).body);
    expectDeclared('post', '/v1/crm/tasks/{id}/claim', 200, (await api.as('support').post(`/v1/crm/tasks/${id}/claim`).send({ by: 'am-1' }).expect(200)).body);
    const done = await api.as('support').post(`/v1/crm/tasks/${id}/complete`).send({ by: 'am-1', outcome: 'reached' }).expect(200);
    expect(done.body).toMatchObject({ status: 'completed', completedBy: 'am-1', outcome: 'reached' });
    expectDeclared('post', '/v1/crm/tasks/{id}/complete', 200, done.body);
  });

  it('stuck runs, with a run that never started', async () => {
    const [run] = await until(async () => {
      const rows: { id: string }[] = await api.rt.db.query(`SELECT id FROM enrollments WHERE journey_id = $1 AND status IN ('completed', 'exited')`, [journeyId]);
      return rows.length > 0 ? rows : undefined;
    });
    await api.rt.db.query(`UPDATE enrollments SET status = 'pending', enrolled_at = now() - interval '1 day' WHERE id = $1`, [run.id]);
    const res = await api.as('viewer').get('/v1/operations/stuck-runs').expect(200);
    expect(res.body.items).toContainEqual(expect.objectContaining({ enrollmentId: run.id, reason: 'never_started' }));
    expectDeclared('get', '/v1/operations/stuck-runs', 200, res.body);
  });

  it('segment membership: why a customer is not in it', async () => {
    const key = `gold_${unique}`;
    await api.as('marketer').post('/v1/segments').send({ key, name: 'Gold', rule: { trait: 'tier', op: 'eq', value: 'gold' } }).expect(201);
    const res = await api.as('support').get(`/v1/segments/${key}/members/${customerId}`).expect(200);
    expect(res.body).toMatchObject({ member: false, failed: [{ kind: 'trait', found: 'silver' }] });
    expectDeclared('get', '/v1/segments/{key}/members/{customerId}', 200, res.body);
  });

  it('the simulation answer', async () => {
    const res = await api
      .as('marketer')
      .post(`/v1/journeys/${journeyId}/simulate`)
      .send({ source: 'draft', customer: { traits: { first_name: 'Mei', phone: '+8613800000078' }, consent: { sms: false } }, events: [] })
      .expect(200);
    expect(res.body.messages.map((m: { action: string; status: string }) => [m.action, m.status])).toEqual([
      ['sms', 'suppressed'],
      ['crm_task', 'sent'],
    ]);
    expectDeclared('post', '/v1/journeys/{journeyId}/simulate', 200, res.body);
  });
});
