/**
 * HTTP API, intake side: health, publishing and validating canvases, event batches, and the error
 * shape for bad bodies. Real app, real PostgreSQL and Temporal.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Client } from '@temporalio/client';
import request from 'supertest';
import { createApp } from '../../api/app.factory.js';
import { FAST_DEFAULTS } from '../support/runtime-harness.js';
import { canvas, startApi, type ApiHarness } from './api-harness.js';

let api: ApiHarness;
const unique = Date.now().toString(36);

beforeAll(async () => {
  api = await startApi('api-intake');
});
afterAll(async () => {
  await api?.stop();
});

const quick = canvas(
  'Quick',
  [
    { id: 'start', type: 'trigger', trigger: { kind: 'api' } },
    { id: 'done', type: 'exit' },
  ],
  [{ from: 'start', to: 'done' }],
);
const broken = canvas(
  'Broken',
  [
    { id: 'start', type: 'trigger', trigger: { kind: 'api' } },
    { id: 'pause', type: 'wait', duration: 'three days' },
    { id: 'sms', type: 'action', action: 'sms', params: {} },
    { id: 'done', type: 'exit' },
  ] as never,
  [
    { from: 'start', to: 'pause' },
    { from: 'pause', to: 'sms' },
    { from: 'sms', to: 'done' },
  ],
);

async function count(sql: string, params: unknown[]): Promise<number> {
  const [{ n }]: { n: number }[] = await api.rt.db.query(`SELECT count(*)::int AS n FROM ${sql}`, params);
  return n;
}

describe('GET /health', () => {
  it('reports both dependencies up', async () => {
    const res = await api.http().get('/health').expect(200);
    expect(res.body).toEqual({ status: 'ok', database: 'up', temporal: 'up' });
  });

  it('answers 503 naming the dependency that is down', async () => {
    const deadTemporal = { workflowService: { getSystemInfo: async () => Promise.reject(new Error('connection refused')) } } as unknown as Client;
    const app = await createApp({ db: api.rt.db, temporal: deadTemporal, taskQueue: api.rt.taskQueue, defaults: FAST_DEFAULTS });
    try {
      const res = await request(app.getHttpServer()).get('/health').expect(503);
      expect(res.body).toEqual({
        status: 'error',
        database: 'up',
        temporal: 'down',
        error: { code: 'dependency_down', message: 'temporal: connection refused' },
      });
    } finally {
      await app.close();
    }
  });
});

describe('PUT /v1/journeys/:journeyId/publish', () => {
  const journeyId = `quick-${unique}`;

  it('publishes numbered versions, the newest active', async () => {
    const first = await api.http().put(`/v1/journeys/${journeyId}/publish`).send(quick).expect(201);
    expect(first.body).toEqual({ journeyId, versionId: `${journeyId}@1`, version: 1 });
    const second = await api.http().put(`/v1/journeys/${journeyId}/publish`).send(quick).expect(201);
    expect(second.body).toEqual({ journeyId, versionId: `${journeyId}@2`, version: 2 });
    const versions: { id: string; active: boolean }[] = await api.rt.db.query(
      `SELECT id, active FROM journey_versions WHERE journey_id = $1 ORDER BY version`,
      [journeyId],
    );
    expect(versions).toEqual([
      { id: `${journeyId}@1`, active: false },
      { id: `${journeyId}@2`, active: true },
    ]);
  });

  it('refuses an invalid canvas with 422, every issue and its JSON path, and stores nothing', async () => {
    const res = await api.http().put(`/v1/journeys/${journeyId}/publish`).send(broken).expect(422);
    expect(res.body.error).toMatchObject({ code: 'invalid_canvas', message: expect.stringMatching(/2 problem/) });
    expect(res.body.error.issues.map((i: { code: string; path: string }) => [i.code, i.path])).toEqual([
      ['invalid_duration', '$.nodes[1].duration'],
      ['invalid_action_params', '$.nodes[2].params.body'],
    ]);
    const versions: { id: string; active: boolean }[] = await api.rt.db.query(
      `SELECT id, active FROM journey_versions WHERE journey_id = $1 AND active`,
      [journeyId],
    );
    expect(versions).toEqual([{ id: `${journeyId}@2`, active: true }]);
    expect(await count(`journey_versions WHERE journey_id = $1`, [journeyId])).toBe(2);

    const fresh = `never-${unique}`;
    await api.http().put(`/v1/journeys/${fresh}/publish`).send(broken).expect(422);
    expect(await count(`journeys WHERE id = $1`, [fresh])).toBe(0);
  });

  it('refuses a journey id that cannot be part of a version id', async () => {
    const res = await api.http().put(`/v1/journeys/bad:id/publish`).send(quick).expect(400);
    expect(res.body.error.code).toBe('invalid_journey_id');
    expect(await count(`journeys WHERE id = 'bad:id'`, [])).toBe(0);
  });
});

describe('POST /v1/journeys/validate', () => {
  it('says valid, with warnings, without storing anything', async () => {
    const before = await count('journey_versions', []);
    const oneArm = canvas(
      'One arm',
      [
        { id: 'start', type: 'trigger', trigger: { kind: 'api' } },
        { id: 'split', type: 'random_split', arms: [{ key: 'all', weight: 1 }] },
        { id: 'done', type: 'exit' },
      ],
      [
        { from: 'start', to: 'split' },
        { from: 'split', port: 'all', to: 'done' },
      ],
    );
    const res = await api.http().post('/v1/journeys/validate').send(oneArm).expect(200);
    expect(res.body).toEqual({
      valid: true,
      issues: [],
      warnings: [{ code: 'single_arm_split', message: expect.any(String), path: '$.nodes[1].arms' }],
      info: [],
    });
    expect(await count('journey_versions', [])).toBe(before);
  });

  it('lists the issues of an invalid canvas', async () => {
    const res = await api.http().post('/v1/journeys/validate').send(broken).expect(200);
    expect(res.body.valid).toBe(false);
    expect(res.body.issues.map((i: { path: string }) => i.path)).toEqual(['$.nodes[1].duration', '$.nodes[2].params.body']);
  });
});

describe('POST /v1/events', () => {
  const ev = (id: string, customerId: string, over: Record<string, unknown> = {}) => ({
    eventId: `${id}-${unique}`,
    customerId: `${customerId}-${unique}`,
    name: 'page_viewed',
    eventTime: '2025-03-01T09:30:00+08:00',
    ...over,
  });

  it('accepts a batch, then answers the same batch with duplicates and stores nothing twice', async () => {
    const batch = { events: [ev('a', 'ann', { properties: { page: 'open' } }), ev('b', 'ann', { eventTime: 1_740_792_600_000 }), ev('c', 'bob')] };
    const first = await api.http().post('/v1/events').send(batch).expect(202);
    expect(first.body).toEqual({ results: batch.events.map((e) => ({ eventId: e.eventId, status: 'accepted', dispatch: 'dispatched' })) });
    const again = await api.http().post('/v1/events').send(batch).expect(202);
    expect(again.body).toEqual({ results: batch.events.map((e) => ({ eventId: e.eventId, status: 'duplicate', dispatch: 'dispatched' })) });

    const stored: { event_id: string; event_time: Date; properties: unknown }[] = await api.rt.db.query(
      `SELECT event_id, event_time, properties FROM events WHERE event_id = ANY($1) ORDER BY event_id`,
      [batch.events.map((e) => e.eventId)],
    );
    expect(stored).toEqual([
      { event_id: `a-${unique}`, event_time: new Date('2025-03-01T01:30:00Z'), properties: { page: 'open' } },
      { event_id: `b-${unique}`, event_time: new Date(1_740_792_600_000), properties: {} },
      { event_id: `c-${unique}`, event_time: new Date('2025-03-01T01:30:00Z'), properties: {} },
    ]);
    expect(await count(`customers WHERE id = ANY($1)`, [[`ann-${unique}`, `bob-${unique}`]])).toBe(2);
  });

  it('counts an id repeated within a batch once', async () => {
    const batch = { events: [ev('twice', 'cy'), ev('twice', 'cy')] };
    const res = await api.http().post('/v1/events').send(batch).expect(202);
    expect(res.body.results.map((r: { status: string }) => r.status)).toEqual(['accepted', 'duplicate']);
    expect(await count(`events WHERE event_id = $1`, [`twice-${unique}`])).toBe(1);
  });

  it('refuses item 2 alone, naming its path, and stores the other items durably', async () => {
    const batch = { events: [ev('ok0', 'dee'), ev('ok1', 'dee'), ev('bad2', 'eve', { eventTime: '2025-03-01 09:30' }), ev('ok3', 'fay')] };
    const res = await api.http().post('/v1/events').send(batch).expect(202);
    expect(res.body.results.map((r: { status: string }) => r.status)).toEqual(['accepted', 'accepted', 'rejected', 'accepted']);
    expect(res.body.results[2]).toEqual({
      eventId: `bad2-${unique}`,
      status: 'rejected',
      issues: [{ path: '$.events[2].eventTime', code: 'invalid_time', message: expect.any(String) }],
    });
    expect(await count(`events WHERE event_id = ANY($1)`, [batch.events.map((e) => e.eventId)])).toBe(3);
    expect(await count(`customers WHERE id = ANY($1)`, [[`dee-${unique}`, `eve-${unique}`, `fay-${unique}`]])).toBe(2);
    // The fixed item sent again is accepted; the stored ones answer duplicate.
    const again = await api.http().post('/v1/events').send({ events: [...batch.events.slice(0, 2), ev('bad2', 'eve')] }).expect(202);
    expect(again.body.results.map((r: { status: string }) => r.status)).toEqual(['duplicate', 'duplicate', 'accepted']);
  });

  it('answers a batch whose every item is bad with 202 and one rejected result each, storing nothing', async () => {
    const batch = { events: [ev('all0', 'hal', { name: 'no spaces' }), 'not an event'] };
    const res = await api.http().post('/v1/events').send(batch).expect(202);
    expect(res.body.results).toEqual([
      { eventId: `all0-${unique}`, status: 'rejected', issues: [{ path: '$.events[0].name', code: 'invalid_format', message: expect.any(String) }] },
      { eventId: null, status: 'rejected', issues: [{ path: '$.events[1]', code: 'invalid_type', message: expect.any(String) }] },
    ]);
    expect(await count(`events WHERE event_id = $1`, [`all0-${unique}`])).toBe(0);
  });

  it('refuses 501 events with 413 and stores none', async () => {
    const events = Array.from({ length: 501 }, (_, i) => ev(`bulk${i}`, 'gus'));
    const res = await api.http().post('/v1/events').send({ events }).expect(413);
    expect(res.body.error).toMatchObject({ code: 'batch_too_large', limit: 500 });
    expect(await count(`events WHERE customer_id = $1`, [`gus-${unique}`])).toBe(0);
  });
});

describe('bodies the parser refuses', () => {
  it('answers malformed JSON with 400 malformed_json', async () => {
    const res = await api.http().post('/v1/events').set('Content-Type', 'application/json').send('{"events": [').expect(400);
    expect(res.body).toEqual({ error: { code: 'malformed_json', message: expect.stringMatching(/not valid JSON/) } });
  });

  it('answers a body over 1 MB with 413 payload_too_large', async () => {
    const huge = JSON.stringify({ events: [{ eventId: 'x', properties: { blob: 'x'.repeat(1_100_000) } }] });
    const res = await api.http().post('/v1/events').set('Content-Type', 'application/json').send(huge).expect(413);
    expect(res.body.error.code).toBe('payload_too_large');
  });

  it('gives an unknown route the same error shape', async () => {
    const res = await api.http().get('/v1/nothing-here').expect(404);
    expect(res.body).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
  });
});
