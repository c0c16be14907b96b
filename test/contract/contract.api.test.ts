/**
 * The request check that the `@Endpoint` declarations drive (api/http/contract.ts), through the real
 * app: what the OpenAPI document declares is what the server enforces, with a 4xx, a code and JSON
 * paths; the document describes canvases with the canvas schema and the key scheme as an API key.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { canvas, startApi, type ApiHarness } from '../api/api-harness.js';

let api: ApiHarness;
const unique = Date.now().toString(36);

beforeAll(async () => {
  api = await startApi('contract');
});
afterAll(async () => {
  await api?.stop();
});

describe('query strings', () => {
  it('refuses an unknown query parameter instead of ignoring it', async () => {
    const res = await api.http().get('/v1/journeys?colour=blue').expect(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_query', issues: [{ path: '$query.colour', code: 'unknown_parameter' }] });
  });

  it('refuses the array form ?status[]=x and a repeated parameter', async () => {
    const arrayForm = await api.http().get('/v1/journeys?status[]=draft').expect(400);
    expect(arrayForm.body.error).toMatchObject({ code: 'invalid_query', issues: [{ code: expect.stringMatching(/unknown_parameter|invalid_type/) }] });
    const repeated = await api.http().get('/v1/journeys?status=draft&status=active').expect(400);
    expect(repeated.body.error).toMatchObject({ code: 'invalid_query', issues: [{ path: '$query.status', code: 'invalid_type' }] });
  });

  it('checks a declared parameter against its schema (limit 1-200)', async () => {
    const res = await api.http().get('/v1/journeys?limit=500').expect(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_query', issues: [{ path: '$query.limit', code: 'out_of_range' }] });
    await api.http().get('/v1/journeys?limit=200').expect(200);
  });
});

describe('path parameters and bodies', () => {
  it('refuses a journey id its schema does not allow with the parameter code', async () => {
    const res = await api.http().get('/v1/journeys/a:b').expect(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_journey_id', issues: [{ path: '$path.journeyId', code: 'invalid_format' }] });
  });

  it('refuses a missing required body, and a field its schema does not allow, with paths', async () => {
    const missing = await api.http().post('/v1/journeys/validate').expect(400);
    expect(missing.body.error).toMatchObject({ code: 'invalid_body', issues: [{ path: '$', code: 'required' }] });
    const wrong = await api.http().post('/v1/api-keys').send({ name: '', role: 'boss' }).expect(400);
    expect(wrong.body.error.code).toBe('invalid_body');
    expect(wrong.body.error.issues.map((i: { path: string; code: string }) => `${i.path}:${i.code}`).sort()).toEqual(['$.name:too_short', '$.role:invalid_value']);
  });

  it.each([65, 15_000])('refuses a body nested %i levels deep with too_deep, never a 500', async (levels) => {
    // Written by hand: JSON.stringify itself overflows the stack on such a value.
    const traits = `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
    const res = await api.http().put(`/v1/customers/deep-${unique}`).set('Content-Type', 'application/json').send(`{"traits":${traits}}`).expect(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_body', issues: [{ code: 'too_deep', path: expect.stringMatching(/^\$\.traits(\.a)+$/) }] });
    // 63 levels inside the body (64 with the body itself) are accepted.
    const within = `${'{"a":'.repeat(62)}1${'}'.repeat(62)}`;
    await api.http().put(`/v1/customers/deep-${unique}`).set('Content-Type', 'application/json').send(`{"traits":${within}}`).expect(200);
  });
});

describe('bodies refuse fields they do not know', () => {
  const journeyId = `closed-${unique}`;

  beforeAll(async () => {
    const draft = canvas('Closed bodies', [{ id: 'start', type: 'trigger', trigger: { kind: 'api' } }, { id: 'done', type: 'exit' }], [{ from: 'start', to: 'done' }]);
    await api.http().put(`/v1/journeys/${journeyId}/publish`).send(draft).expect(201);
  });

  it('refuses `entry` instead of `payload` on an enrollment with unknown_field and its path, and enrolls no one', async () => {
    const customerId = `closed-cust-${unique}`;
    const res = await api.http().post(`/v1/journeys/${journeyId}/enrollments`).send({ customerId, entry: { plan: 'gold' } }).expect(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_body', issues: [{ path: '$.entry', code: 'unknown_field' }] });
    const runs: unknown[] = await api.rt.db.query(`SELECT 1 FROM enrollments WHERE journey_id = $1 AND customer_id = $2`, [journeyId, customerId]);
    expect(runs).toEqual([]);
    await api.http().post(`/v1/journeys/${journeyId}/enrollments`).send({ customerId, payload: { plan: 'gold' } }).expect(201);
  });

  it.each([
    ['PUT /v1/customers/:id', (id: string) => api.http().put(`/v1/customers/${id}`).send({ traits: {}, trait: { tier: 'gold' } }), '$.trait'],
    ['POST /v1/events', (id: string) => api.http().post('/v1/events').send({ events: [], customerId: id }), '$.customerId'],
    ['POST /v1/crm/tasks/:id/claim', () => api.http().post('/v1/crm/tasks/1/claim').send({ by: 'am-1', owner: 'am-2' }), '$.owner'],
    ['POST /v1/segments/preview', () => api.http().post('/v1/segments/preview').send({ rule: { trait: 'tier', op: 'eq', value: 'gold' }, limit: 5 }), '$.limit'],
    [
      'POST /v1/journeys/:id/simulate (a nested object)',
      () => api.as('marketer').post(`/v1/journeys/${journeyId}/simulate`).send({ source: { version: 1 }, customer: { traits: {} }, events: [{ name: 'x', at: 'P1D', propertes: {} }] }),
      '$.events[0].propertes',
    ],
  ])('%s answers 400 unknown_field with the path', async (_route, send, path) => {
    const res = await send(`closed-${unique}`).expect(400);
    expect(res.body.error.issues).toContainEqual(expect.objectContaining({ path, code: 'unknown_field' }));
  });

  it('keeps the extension points open: traits, event properties and enrollment payloads take any field', async () => {
    await api.http().put(`/v1/customers/open-${unique}`).send({ traits: { any_new_trait: 1 } }).expect(200);
    const event = { eventId: `open-${unique}`, customerId: `open-${unique}`, name: 'page_view', eventTime: new Date().toISOString(), properties: { any_new_property: 'x' } };
    expect((await api.http().post('/v1/events').send({ events: [event] }).expect(202)).body.results).toEqual([expect.objectContaining({ status: 'accepted' })]);
    await api.http().post(`/v1/journeys/${journeyId}/enrollments`).send({ customerId: `open-${unique}`, payload: { anything: true } }).expect(201);
  });

  it('states it in the document: every request-body object that lists its properties says whether others are allowed', async () => {
    const doc = (await api.anonymous().get('/docs/openapi.json').expect(200)).body;
    const loose: string[] = [];
    const walk = (schema: Record<string, unknown> | undefined, at: string): void => {
      if (!schema || typeof schema !== 'object') return;
      if (schema.properties && schema.additionalProperties === undefined) loose.push(at);
      for (const [name, child] of Object.entries((schema.properties ?? {}) as Record<string, Record<string, unknown>>)) walk(child, `${at}.${name}`);
      if (schema.items) walk(schema.items as Record<string, unknown>, `${at}[]`);
      for (const key of ['anyOf', 'oneOf', 'allOf']) ((schema[key] ?? []) as Record<string, unknown>[]).forEach((branch) => walk(branch, at));
    };
    for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, { requestBody?: { content: Record<string, { schema: Record<string, unknown> }> } }>>)) {
      for (const [method, op] of Object.entries(item)) walk(op.requestBody?.content['application/json']?.schema, `${method.toUpperCase()} ${path} $`);
    }
    expect(loose).toEqual([]);
  });
});

describe('body limits per route', () => {
  it('answers 413 payload_too_large with the route limit above it (4 KB for API keys), and accepts a body within it', async () => {
    const res = await api.http().post('/v1/api-keys').send({ name: 'x'.repeat(5000), role: 'viewer' }).expect(413);
    expect(res.body.error).toMatchObject({ code: 'payload_too_large', limit: 4096 });
    await api.http().post('/v1/api-keys').send({ name: `small-${unique}`, role: 'viewer' }).expect(201);
  });

  it('documents each route limit in its 413 answer', async () => {
    const doc = (await api.anonymous().get('/docs/openapi.json').expect(200)).body;
    expect(doc.paths['/v1/api-keys'].post.responses['413'].description).toMatch(/4 KB/);
    expect(doc.paths['/v1/events'].post.responses['413'].description).toMatch(/1 MB/);
  });
});

describe('the OpenAPI document', () => {
  it('declares a schema for the success answer of every operation that answers JSON', async () => {
    const doc = (await api.anonymous().get('/docs/openapi.json').expect(200)).body;
    // Not JSON: Prometheus text, Twilio's TwiML, and 204s without a body.
    const notJson = new Set(['get /metrics', 'post /v1/providers/twilio/inbound']);
    const missing: string[] = [];
    for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, { responses: Record<string, { content?: { 'application/json'?: { schema?: unknown } } }> }>>)) {
      for (const [method, op] of Object.entries(item)) {
        if (notJson.has(`${method} ${path}`)) continue;
        for (const [status, answer] of Object.entries(op.responses)) {
          if (status.startsWith('2') && status !== '204' && !answer.content?.['application/json']?.schema) missing.push(`${method.toUpperCase()} ${path} ${status}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it('answers 405 with Allow for a method a declared path does not take', async () => {
    const res = await api.http().delete('/v1/events').expect(405);
    expect(res.headers.allow).toBe('POST');
    expect(res.body.error.code).toBe('method_not_allowed');
  });

  it('describes canvas bodies with the canvas schema and the key scheme as an API key, not a JWT', async () => {
    const doc = (await api.anonymous().get('/docs/openapi.json').expect(200)).body;
    const scheme = doc.components.securitySchemes.apiKey;
    expect(scheme).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(JSON.stringify(scheme)).not.toMatch(/JWT/);
    expect(doc.paths['/v1/journeys/{journeyId}/publish'].put.requestBody.content['application/json'].schema.$ref).toBe('#/components/schemas/Canvas');
    expect(doc.components.schemas.Canvas.required).toEqual(['schemaVersion', 'name', 'nodes', 'edges']);
    expect(doc.components.schemas['Canvas.node']).toBeDefined();
    expect(doc.paths['/v1/journeys/{journeyId}'].get.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'journeyId', in: 'path', schema: expect.objectContaining({ pattern: expect.any(String) }) })]),
    );
  });
});
