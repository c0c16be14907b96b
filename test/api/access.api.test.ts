/**
 * API keys and roles over HTTP: the whole matrix of roles and routes, walked through the real app.
 * The expected access of every route is written out here, by hand, and must cover every route the
 * app serves: a new route fails this test until someone decides who may call it.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ROLES, type Role } from '../../core/access/roles.js';
import { startApi, type ApiHarness } from './api-harness.js';

type Expected = readonly Role[] | 'public';

/** `METHOD /path` (OpenAPI path syntax) → the roles admitted besides admin, or public. */
const EXPECTED: Record<string, Expected> = {
  'GET /health': 'public',
  'GET /health/live': 'public',
  'GET /health/ready': 'public',
  'GET /metrics': ['engineer', 'viewer'],
  'POST /v1/providers/{provider}/status': 'public',
  'POST /v1/providers/twilio/inbound': 'public',
  'POST /v1/api-keys': [],
  'GET /v1/api-keys': [],
  'DELETE /v1/api-keys/{keyId}': [],
  'GET /v1/auth/whoami': ['marketer', 'engineer', 'support', 'viewer'],
  'GET /v1/audit-log': ['marketer', 'viewer'],
  'PUT /v1/journeys/{journeyId}/publish': ['marketer'],
  'POST /v1/journeys/validate': ['marketer', 'engineer', 'viewer'],
  'POST /v1/journeys/{journeyId}/enrollments': ['engineer'],
  'POST /v1/journeys/{journeyId}/simulate': ['marketer', 'support'],
  'POST /v1/journeys/{journeyId}/backtests': ['marketer'],
  'GET /v1/journeys/{journeyId}/backtests/{backtestId}': ['marketer', 'support'],
  'POST /v1/journeys/{journeyId}/backtests/{backtestId}/cancel': ['marketer'],
  'POST /v1/journeys': ['marketer'],
  'GET /v1/journeys': ['marketer', 'support', 'viewer'],
  'GET /v1/journeys/{journeyId}': ['marketer', 'support', 'viewer'],
  'PUT /v1/journeys/{journeyId}/draft': ['marketer'],
  'POST /v1/journeys/{journeyId}/publish': ['marketer'],
  'POST /v1/journeys/{journeyId}/pause': ['marketer'],
  'POST /v1/journeys/{journeyId}/resume': ['marketer'],
  'POST /v1/journeys/{journeyId}/stop': ['marketer'],
  'POST /v1/journeys/{journeyId}/archive': ['marketer'],
  'GET /v1/journeys/{journeyId}/versions': ['marketer', 'support', 'viewer'],
  'GET /v1/journeys/{journeyId}/versions/{version}': ['marketer', 'support', 'viewer'],
  'GET /v1/journeys/{journeyId}/versions/{from}/diff/{to}': ['marketer', 'support', 'viewer'],
  'GET /v1/journeys/{journeyId}/diff': ['marketer', 'support', 'viewer'],
  'GET /v1/journeys/{journeyId}/publish-requests': ['marketer', 'viewer'],
  'POST /v1/journeys/{journeyId}/publish-requests/{requestId}/approve': ['marketer'],
  'POST /v1/journeys/{journeyId}/publish-requests/{requestId}/reject': ['marketer'],
  'POST /v1/enrollments/{enrollmentId}/exit': ['marketer', 'support'],
  'PUT /v1/customers/{customerId}': ['engineer'],
  'GET /v1/customers/{customerId}/history': ['support', 'viewer'],
  'GET /v1/customers/{customerId}/events': ['support', 'viewer', 'marketer', 'engineer'],
  'POST /v1/customers/{customerId}/consent': ['support'],
  'POST /v1/events': ['engineer'],
  'GET /v1/customers/{customerId}': ['support', 'viewer', 'marketer', 'engineer'],
  'POST /v1/identify': ['engineer'],
  'GET /v1/customers/{customerId}/export': [],
  'POST /v1/customers/{customerId}/erasure': [],
  'GET /v1/crm/tasks': ['support', 'engineer', 'viewer'],
  'GET /v1/channels/{channel}/templates': ['marketer', 'engineer', 'viewer'],
  'PUT /v1/channels/{channel}/templates/{templateId}': ['engineer'],
  'GET /v1/crm/tasks/{id}': ['support', 'engineer', 'viewer'],
  'POST /v1/crm/tasks/{id}/claim': ['support'],
  'POST /v1/crm/tasks/{id}/complete': ['support'],
  'GET /v1/operations/stuck-runs': ['marketer', 'engineer', 'support', 'viewer'],
  'GET /v1/operations/{operationId}': ['marketer', 'engineer', 'support', 'viewer'],
  'GET /v1/journeys/{journeyId}/stats': ['marketer', 'support', 'viewer'],
  'GET /v1/journeys/{journeyId}/enrollments': ['marketer', 'support', 'viewer'],
  'POST /v1/segments': ['marketer'],
  'GET /v1/segments': ['marketer', 'support', 'viewer'],
  'POST /v1/segments/preview': ['marketer', 'support', 'viewer'],
  'GET /v1/segments/{key}': ['marketer', 'support', 'viewer'],
  'PUT /v1/segments/{key}': ['marketer'],
  'DELETE /v1/segments/{key}': ['marketer'],
  'GET /v1/segments/{key}/preview': ['marketer', 'support', 'viewer'],
  'GET /v1/segments/{key}/members/{customerId}': ['marketer', 'support', 'viewer'],
  'POST /v1/journeys/{journeyId}/segment-runs': ['marketer'],
  'GET /v1/journeys/{journeyId}/segment-runs': ['marketer', 'support', 'viewer'],
  'GET /v1/journeys/{journeyId}/segment-runs/{runId}': ['marketer', 'support', 'viewer'],
  'POST /v1/journeys/{journeyId}/segment-schedules': ['marketer'],
  'GET /v1/journeys/{journeyId}/segment-schedules': ['marketer', 'support', 'viewer'],
  'GET /v1/journeys/{journeyId}/segment-schedules/{scheduleId}': ['marketer', 'support', 'viewer'],
  'DELETE /v1/journeys/{journeyId}/segment-schedules/{scheduleId}': ['marketer'],
};

interface Operation {
  method: string;
  path: string;
}

let api: ApiHarness;
let document: { paths: Record<string, Record<string, { security?: unknown[]; responses: Record<string, unknown> }>> };

beforeAll(async () => {
  // With Twilio configured, so its webhook routes are served (and classified) too.
  api = await startApi('access', { messaging: { twilioAuthToken: 'access-test-token', publicBaseUrl: 'https://journeys.example.com' } });
  document = (await api.anonymous().get('/docs/openapi.json').expect(200)).body;
});
afterAll(() => api?.stop());

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

function documentedOperations(): Operation[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.keys(item)
      .filter((m) => METHODS.includes(m))
      .map((m) => ({ method: m.toUpperCase(), path })),
  );
}

/** Routes Express really serves (Nest's controllers), in OpenAPI path syntax; the docs pages themselves excluded. */
function servedOperations(): Operation[] {
  const router = (api.app.getHttpAdapter().getInstance() as { router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] } }).router;
  return router.stack
    .filter((layer) => layer.route && !layer.route.path.startsWith('/docs'))
    .flatMap((layer) =>
      Object.keys(layer.route!.methods).map((m) => ({ method: m.toUpperCase(), path: layer.route!.path.replace(/:(\w+)/g, '{$1}') })),
    );
}

const key = (op: Operation) => `${op.method} ${op.path}`;
/** A concrete URL for a templated path: every parameter becomes a harmless, non-existent id. */
const urlOf = (path: string) => path.replace(/\{(\w+)\}/g, (_, name: string) => `no-such-${name.toLowerCase()}`);

function send(agent: ReturnType<ApiHarness['anonymous']>, op: Operation) {
  const url = urlOf(op.path);
  switch (op.method) {
    case 'GET':
      return agent.get(url);
    case 'DELETE':
      return agent.delete(url);
    case 'PUT':
      return agent.put(url).send({});
    case 'PATCH':
      return agent.patch(url).send({});
    default:
      return agent.post(url).send({});
  }
}

describe('the route inventory', () => {
  it('documents every served route in the OpenAPI document, and nothing else', () => {
    expect(documentedOperations().map(key).sort()).toEqual(servedOperations().map(key).sort());
  });

  it('has an expected access rule written in this test for every route', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual(documentedOperations().map(key).sort());
  });

  it('documents the key requirement and the error answers of every route', () => {
    for (const op of documentedOperations()) {
      const operation = document.paths[op.path][op.method.toLowerCase()];
      const keyed = EXPECTED[key(op)] !== 'public';
      expect({ route: key(op), secured: Boolean(operation.security?.length) }).toEqual({ route: key(op), secured: keyed });
      const statuses = Object.keys(operation.responses);
      expect({ route: key(op), has500: statuses.includes('500') }).toEqual({ route: key(op), has500: true });
      if (keyed) expect({ route: key(op), statuses: statuses.filter((s) => s === '401' || s === '403') }).toEqual({ route: key(op), statuses: ['401', '403'] });
    }
  });

  it('serves the documentation page', async () => {
    const res = await api.anonymous().get('/docs').redirects(1).expect(200);
    expect(res.text).toContain('swagger');
  });
});

describe('keys', () => {
  it('refuses a keyed route without a key, with an unknown key, and with a revoked key', async () => {
    const missing = await api.anonymous().get('/v1/auth/whoami').expect(401);
    expect(missing.body.error.code).toBe('missing_api_key');
    const unknown = await api.anonymous().get('/v1/auth/whoami').set('Authorization', 'Bearer je_not_a_real_key').expect(401);
    expect(unknown.body.error.code).toBe('invalid_api_key');

    const created = await api.http().post('/v1/api-keys').send({ name: 'temporary viewer', role: 'viewer' }).expect(201);
    expect(created.body.key).toMatch(/^je_[A-Za-z0-9_-]{43}$/);
    // X-API-Key works as well as the bearer header.
    expect((await api.anonymous().get('/v1/auth/whoami').set('X-API-Key', created.body.key).expect(200)).body).toMatchObject({
      keyId: created.body.id,
      role: 'viewer',
    });
    await api.http().delete(`/v1/api-keys/${created.body.id}`).expect(200);
    const revoked = await api.anonymous().get('/v1/auth/whoami').set('X-API-Key', created.body.key).expect(401);
    expect(revoked.body.error.code).toBe('invalid_api_key');
  });

  it('stores only a hash of each key, never lists secrets, and audits creation and revocation', async () => {
    const created = await api.http().post('/v1/api-keys').send({ name: 'hash check', role: 'engineer' }).expect(201);
    const [row]: { key_hash: string }[] = await api.rt.db.query(`SELECT key_hash FROM api_keys WHERE id = $1`, [created.body.id]);
    expect(row.key_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row.key_hash).not.toContain(created.body.key);
    const listed = JSON.stringify((await api.http().get('/v1/api-keys').query({ limit: 200 }).expect(200)).body);
    expect(listed).toContain(created.body.id);
    expect(listed).not.toContain(created.body.key);
    await api.http().delete(`/v1/api-keys/${created.body.id}`).expect(200);
    const audit = await api.http().get('/v1/audit-log').query({ entityType: 'api_key', entityId: created.body.id }).expect(200);
    expect(audit.body.items.map((r: { action: string }) => r.action)).toEqual(['api_key.revoke', 'api_key.create']);
    expect(audit.body.items[1]).toMatchObject({ actor: { role: 'admin' }, detail: { name: 'hash check', role: 'engineer' } });
  });

  it('rejects a bad key request with every problem, and pages the key list', async () => {
    const bad = await api.http().post('/v1/api-keys').send({ role: 'superuser' }).expect(400);
    expect(bad.body.error.issues.map((i: { path: string }) => i.path).sort()).toEqual(['$.name', '$.role']);
    const first = await api.http().get('/v1/api-keys').query({ limit: 2 }).expect(200);
    expect(first.body.items).toHaveLength(2);
    const second = await api.http().get('/v1/api-keys').query({ limit: 2, cursor: first.body.nextCursor }).expect(200);
    expect(second.body.items[0].id > first.body.items[1].id).toBe(true);
    expect((await api.http().get('/v1/api-keys').query({ cursor: 'garbage' }).expect(400)).body.error.code).toBe('invalid_query');
    expect((await api.http().delete('/v1/api-keys/key_nope').expect(404)).body.error.code).toBe('api_key_not_found');
  });
});

describe('the matrix of roles and routes', () => {
  it('admits exactly the expected roles on every route, and asks for a key on every keyed route', async () => {
    const mismatches: string[] = [];
    for (const op of documentedOperations()) {
      const expected = EXPECTED[key(op)];
      if (expected === undefined) continue; // reported by the inventory test
      if (expected === 'public') {
        const res = await send(api.anonymous(), op);
        if (res.status === 401 || res.status === 403 && res.body?.error?.code === 'forbidden_role') mismatches.push(`${key(op)} anonymous: ${res.status}`);
        continue;
      }
      const anonymous = await send(api.anonymous(), op);
      if (anonymous.status !== 401 || anonymous.body.error.code !== 'missing_api_key') mismatches.push(`${key(op)} anonymous: ${anonymous.status}`);
      for (const role of ROLES) {
        const res = await send(api.as(role), op);
        const refused = res.status === 403 && res.body?.error?.code === 'forbidden_role';
        const admitted = role === 'admin' || expected.includes(role);
        if (res.status === 401) mismatches.push(`${key(op)} ${role}: 401`);
        else if (admitted === refused) mismatches.push(`${key(op)} ${role}: ${admitted ? 'refused' : 'admitted'} (${res.status})`);
        if (res.status >= 500) mismatches.push(`${key(op)} ${role}: ${res.status} ${JSON.stringify(res.body)}`);
      }
    }
    expect(mismatches).toEqual([]);
  });
});
