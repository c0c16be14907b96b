/**
 * What the contract fuzz found, one test per class, through the real app: a request its schema allows
 * is never answered 400 (a rule between fields is a documented 422 `invalid_range`); the schema states
 * what the handler refuses; time zones are decided by the engine's rule; a journey's ETag changes
 * with any change to the answer, so a revalidating cache never shows a stale status.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ROOT } from '../support/runs.js';
import { startApi, type ApiHarness } from '../api/api-harness.js';

let api: ApiHarness;
const unique = Date.now().toString(36);
const journeyId = `schema-valid-${unique}`;
const onboarding = JSON.parse(fs.readFileSync(`${ROOT}/examples/onboarding.json`, 'utf8'));

beforeAll(async () => {
  api = await startApi('schema-valid');
  await api.as('marketer').post('/v1/journeys').send({ id: journeyId, canvas: onboarding }).expect(201);
});
afterAll(async () => {
  await api?.stop();
});

type Operation = { description: string; responses: Record<string, { description: string }> };
async function operation(path: string, method: string): Promise<Operation> {
  const doc = (await api.anonymous().get('/docs/openapi.json').expect(200)).body;
  return doc.paths[path][method];
}

describe('rules between fields: 422 invalid_range, stated in the operation', () => {
  it('stats: `to` before `from` and a span over 1096 days', async () => {
    const before = await api.as('viewer').get(`/v1/journeys/${journeyId}/stats?from=2026-03-02&to=2026-03-01`).expect(422);
    expect(before.body.error).toMatchObject({ code: 'invalid_range', issues: [{ path: '$query.to', code: 'out_of_range' }] });
    const long = await api.as('viewer').get(`/v1/journeys/${journeyId}/stats?from=2020-01-01&to=2026-01-01`).expect(422);
    expect(long.body.error.code).toBe('invalid_range');
    // A malformed day is still the schema's 400, even beside a broken rule.
    const malformed = await api.as('viewer').get(`/v1/journeys/${journeyId}/stats?from=2026-02-30&to=2026-01-01`).expect(400);
    expect(malformed.body.error.code).toBe('invalid_query');
    const op = await operation('/v1/journeys/{journeyId}/stats', 'get');
    expect(op.description).toMatch(/422 invalid_range\): `to` is not before `from`/);
    expect(op.responses['422'].description).toMatch(/invalid_range/);
  });

  it('stats: any calendar date the schema allows (years 0001-9999) is read as that date', async () => {
    const res = await api.as('viewer').get(`/v1/journeys/${journeyId}/stats?from=0001-01-01&to=0001-01-02`).expect(200);
    expect(res.body.window).toMatchObject({ from: '0001-01-01', to: '0001-01-02' });
    await api.as('viewer').get(`/v1/journeys/${journeyId}/stats?from=9999-12-30&to=9999-12-31`).expect(200);
  });

  it('simulate: an event `at` before `start`', async () => {
    const body = { source: 'draft', customer: { traits: {} }, start: '2026-03-02T00:00:00Z', events: [{ name: 'account_opened', at: '2026-03-01T00:00:00Z' }] };
    const res = await api.as('marketer').post(`/v1/journeys/${journeyId}/simulate`).send(body).expect(422);
    expect(res.body.error).toMatchObject({ code: 'invalid_range', issues: [{ path: '$.events[0].at', code: 'before_start' }] });
    const op = await operation('/v1/journeys/{journeyId}/simulate', 'post');
    expect(op.description).toMatch(/invalid_range\): each event's `at` is not before `start`/);
  });

  it('backtests: an empty window, one over P366D, one ending in the future', async () => {
    const backtest = (from: string, to: string) => api.as('marketer').post(`/v1/journeys/${journeyId}/backtests`).send({ from, to });
    expect((await backtest('2000-01-01T00:00:00Z', '2000-01-01T00:00:00Z').expect(422)).body.error).toMatchObject({ code: 'invalid_range', issues: [{ path: '$.to', code: 'empty_window' }] });
    expect((await backtest('2000-01-01T00:00:00Z', '2002-01-01T00:00:00Z').expect(422)).body.error.issues[0].code).toBe('window_too_long');
    expect((await backtest('2026-01-01T00:00:00Z', '2999-01-01T00:00:00Z').expect(422)).body.error.issues.map((i: { code: string }) => i.code)).toContain('window_in_future');
    const op = await operation('/v1/journeys/{journeyId}/backtests', 'post');
    expect(op.responses['422'].description).toMatch(/invalid_range/);
  });
});

describe('the schema states what the handler refuses', () => {
  it('backtests: segment key, horizon and sample are bounded in the schema (400, not a 400 the schema allowed)', async () => {
    const res = await api
      .as('marketer')
      .post(`/v1/journeys/${journeyId}/backtests`)
      .send({ from: '2000-01-01T00:00:00Z', to: '2000-01-02T00:00:00Z', segment: '', horizon: 'P1Y', sample: 10_000_001 })
      .expect(400);
    expect(res.body.error.issues.map((i: { path: string }) => i.path).sort()).toEqual(['$.horizon', '$.sample', '$.segment']);
    const body = ((await operation('/v1/journeys/{journeyId}/backtests', 'post')) as unknown as { requestBody: { content: Record<string, { schema: { properties: Record<string, object> } }> } }).requestBody;
    expect(body.content['application/json'].schema.properties).toMatchObject({ segment: { pattern: expect.any(String) }, horizon: { pattern: expect.any(String) }, sample: { maximum: 10_000_000 } });
  });

  it('customer events: an empty name or a malformed from is the schema answer, with $query paths', async () => {
    const res = await api.as('viewer').get('/v1/customers/nobody/events?name=&from=yesterday').expect(400);
    expect(res.body.error.issues.map((i: { path: string }) => i.path).sort()).toEqual(['$query.from', '$query.name']);
    await api.as('viewer').get('/v1/customers/nobody/events?from=1700000000000&to=2026-01-01T00:00:00Z').expect(404);
  });

  it('customer events: the widest window the schema allows is read, never a 500', async () => {
    const customerId = `events-${unique}`;
    await api.as('engineer').put(`/v1/customers/${customerId}`).send({ traits: {} }).expect(200);
    const res = await api.as('viewer').get(`/v1/customers/${customerId}/events?from=0001-01-01T00:00:00Z&to=99999999999999`).expect(200);
    expect(res.body).toEqual({ items: [], nextCursor: null });
    await api.as('viewer').get(`/v1/customers/${customerId}/events?to=999999999999999`).expect(400);
  });

  it('consent: an empty reason is refused by the schema (minLength 1)', async () => {
    const res = await api.as('support').post('/v1/customers/nobody/consent').send({ channel: 'sms', consented: false, reason: '' }).expect(400);
    expect(res.body.error.issues).toEqual([expect.objectContaining({ path: '$.reason', code: 'too_short' })]);
  });

  it('simulate: eventTime and the inline customer id are declared; customerId beside traits is refused by the schema', async () => {
    const ok = { source: 'draft', customer: { traits: {}, id: 'c-1' }, start: '2026-03-02T00:00:00Z', events: [{ name: 'account_opened', at: 'P1D', eventTime: 'PT1H' }] };
    await api.as('marketer').post(`/v1/journeys/${journeyId}/simulate`).send(ok).expect(200);
    const both = await api.as('marketer').post(`/v1/journeys/${journeyId}/simulate`).send({ source: 'draft', customer: { traits: {}, customerId: 5 } }).expect(400);
    expect(both.body.error.issues[0].path).toBe('$.customer');
  });
});

describe('numbers PostgreSQL cannot hold', () => {
  it.each(['simulate', 'backtests'])('%s: a source version beyond 999999999 is the schema 400, not a 500', async (route) => {
    const body = { source: { version: 140_737_488_355_328 }, customer: { traits: {} }, from: '2000-01-01T00:00:00Z', to: '2000-01-02T00:00:00Z' };
    const res = await api.as('marketer').post(`/v1/journeys/${journeyId}/${route}`).send(route === 'simulate' ? { source: body.source, customer: body.customer } : { source: body.source, from: body.from, to: body.to });
    expect(res.status).toBe(400);
    expect(res.body.error.issues[0].path).toBe('$.source');
  });
});

describe('time zones: the engine decides (isValidTimeZone), the document lists the canonical names', () => {
  it.each(['Asia/Kolkata', 'US/Pacific', 'Etc/GMT+8'])('accepts %s on stats, as the engine accepts it in a canvas', async (zone) => {
    const res = await api.as('viewer').get(`/v1/journeys/${journeyId}/stats?timeZone=${encodeURIComponent(zone)}`).expect(200);
    expect(res.body.window.timeZone).toBe(zone);
    const validation = await api.as('marketer').post('/v1/journeys/validate').send({ ...onboarding, settings: { ...onboarding.settings, timeZone: zone } }).expect(200);
    expect(validation.body.issues).toEqual([]);
  });

  it('refuses a zone neither knows, with the parameter path', async () => {
    const res = await api.as('viewer').get(`/v1/journeys/${journeyId}/stats?timeZone=Mars/Olympus`).expect(400);
    expect(res.body.error.issues[0].path).toBe('$query.timeZone');
  });
});

describe("a journey's ETag", () => {
  it('changes on publish and on pause, so If-None-Match never revalidates a stale status; unchanged, it answers 304', async () => {
    const id = `etag-${unique}`;
    const marketer = () => api.as('marketer');
    await marketer().post('/v1/journeys').send({ id, canvas: onboarding }).expect(201);
    const draft = await marketer().get(`/v1/journeys/${id}`).expect(200);
    await marketer().get(`/v1/journeys/${id}`).set('If-None-Match', draft.headers.etag).expect(304);

    await marketer().post(`/v1/journeys/${id}/publish`).send({}).expect(201);
    const published = await marketer().get(`/v1/journeys/${id}`).set('If-None-Match', draft.headers.etag).expect(200);
    expect(published.body).toMatchObject({ status: 'active', draftRevision: draft.body.draftRevision });
    expect(published.headers.etag).not.toBe(draft.headers.etag);

    await marketer().post(`/v1/journeys/${id}/pause`).send({ reason: 'etag test' }).expect(200);
    const paused = await marketer().get(`/v1/journeys/${id}`).set('If-None-Match', published.headers.etag).expect(200);
    expect(paused.body.status).toBe('paused');
    await marketer().get(`/v1/journeys/${id}`).set('If-None-Match', paused.headers.etag).expect(304);

    // The ETag still works as If-Match for the next save: its draft revision is compared.
    const saved = await marketer().put(`/v1/journeys/${id}/draft`).set('If-Match', paused.headers.etag).send({ canvas: onboarding }).expect(200);
    expect(saved.body.draftRevision).toBe(draft.body.draftRevision + 1);
    await marketer().put(`/v1/journeys/${id}/draft`).set('If-Match', paused.headers.etag).send({ canvas: onboarding }).expect(409);
  });
});
