/**
 * Input PostgreSQL or JavaScript cannot hold is refused at the edge with a 400 naming the JSON path,
 * never a 500: U+0000 and unpaired surrogates (values, keys, path and query parameters), event
 * times outside 1970..9999, and event times further ahead than JE_MAX_EVENT_FUTURE_SKEW (PT5M).
 * Real app, real PostgreSQL and Temporal.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { canvas, startApi, type ApiHarness } from './api-harness.js';

let api: ApiHarness;
const unique = Date.now().toString(36);

beforeAll(async () => {
  api = await startApi('api-input-hardening');
});
afterAll(async () => {
  await api?.stop();
});

const ev = (id: string, over: Record<string, unknown> = {}) => ({
  eventId: `${id}-${unique}`,
  customerId: `hard-${unique}`,
  name: 'page_view',
  eventTime: '2025-03-01T09:30:00+08:00',
  ...over,
});

async function storedIds(ids: string[]): Promise<string[]> {
  const rows: { event_id: string }[] = await api.rt.db.query(`SELECT event_id FROM events WHERE event_id = ANY($1) ORDER BY event_id`, [ids]);
  return rows.map((r) => r.event_id);
}

const LONE_HIGH = '\uD800';

describe('strings PostgreSQL cannot store', () => {
  it('refuses U+0000 in a trait value with 400 invalid_body and its path', async () => {
    const res = await api.http().put(`/v1/customers/nul-${unique}`).send({ traits: { note: 'a\u0000b' } }).expect(400);
    expect(res.body).toEqual({
      error: {
        code: 'invalid_body',
        message: expect.stringMatching(/U\+0000/),
        issues: [{ path: '$.traits.note', code: 'invalid_string', message: expect.any(String) }],
      },
    });
  });

  it('refuses a lone surrogate in a journey name', async () => {
    const draft = canvas(`Bad ${LONE_HIGH} name`, [{ id: 'start', type: 'trigger', trigger: { kind: 'api' } }, { id: 'done', type: 'exit' }], [
      { from: 'start', to: 'done' },
    ]);
    const res = await api.http().post('/v1/journeys').send({ id: `lone-${unique}`, canvas: draft }).expect(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_body', issues: [{ path: '$.canvas.name', code: 'invalid_string' }] });
  });

  it('refuses U+0000 in an object key, naming the key', async () => {
    const res = await api
      .http()
      .put(`/v1/customers/key-${unique}`)
      .send({ traits: { 'bad\u0000key': 1 } })
      .expect(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_body', issues: [{ path: '$.traits["bad\\u0000key"]', code: 'invalid_string' }] });
  });

  it('refuses U+0000 in a path parameter (%00) with 400 invalid_path', async () => {
    const res = await api.http().put(`/v1/customers/a%00b-${unique}`).send({ traits: {} }).expect(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_path', issues: [{ path: '$path.customerId', code: 'invalid_string' }] });
  });

  it('refuses U+0000 in a query parameter with 400 invalid_query', async () => {
    const res = await api.http().get('/v1/audit-log?entityId=a%00b').expect(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_query', issues: [{ path: '$query.entityId', code: 'invalid_string' }] });
  });

  it('refuses a bad event item alone, with its paths, and stores the rest of the batch', async () => {
    const batch = { events: [ev('s-ok0'), ev('s-bad1', { properties: { note: `x${LONE_HIGH}`, 'k\u0000': 1 } }), ev('s-ok2')] };
    const res = await api.http().post('/v1/events').send(batch).expect(202);
    const ids = batch.events.map((e) => e.eventId);
    expect(res.body.results).toEqual([
      { eventId: ids[0], status: 'accepted', dispatch: expect.any(String) },
      {
        eventId: ids[1],
        status: 'rejected',
        issues: [
          { path: '$.events[1].properties.note', code: 'invalid_string', message: expect.any(String) },
          { path: '$.events[1].properties["k\\u0000"]', code: 'invalid_string', message: expect.any(String) },
        ],
      },
      { eventId: ids[2], status: 'accepted', dispatch: expect.any(String) },
    ]);
    expect(await storedIds(ids)).toEqual([ids[0], ids[2]].sort());
  });
});

describe('event times', () => {
  it.each([
    ['year 0000', '0000-01-01T00:00:00Z'],
    ['before 1970', '1969-12-31T23:59:59Z'],
    ['the 9999-12-31 edge', '9999-12-31T23:59:59Z'],
    ['the largest epoch ms JavaScript holds', 8_640_000_000_000_000],
  ])('refuses %s per item with invalid_event_time', async (_label, eventTime) => {
    const batch = { events: [ev(`t-ok0-${String(eventTime)}`), ev(`t-bad-${String(eventTime)}`, { eventTime })] };
    const res = await api.http().post('/v1/events').send(batch).expect(202);
    expect(res.body.results[1]).toEqual({
      eventId: batch.events[1].eventId,
      status: 'rejected',
      issues: [{ path: '$.events[1].eventTime', code: 'invalid_event_time', message: expect.any(String) }],
    });
    expect(await storedIds(batch.events.map((e) => e.eventId))).toEqual([batch.events[0].eventId]);
  });

  it('refuses an event time more than JE_MAX_EVENT_FUTURE_SKEW (PT5M) ahead, and accepts one within it', async () => {
    const soon = new Date(Date.now() + 60_000).toISOString();
    const later = new Date(Date.now() + 60 * 60_000).toISOString();
    const res = await api
      .http()
      .post('/v1/events')
      .send({ events: [ev('f-ok', { eventTime: soon }), ev('f-bad', { eventTime: later })] })
      .expect(202);
    expect(res.body.results.map((r: { status: string }) => r.status)).toEqual(['accepted', 'rejected']);
    expect(res.body.results[1].issues).toEqual([{ path: '$.events[1].eventTime', code: 'event_time_in_future', message: expect.any(String) }]);
    expect(await storedIds([ev('f-ok').eventId, ev('f-bad').eventId])).toEqual([ev('f-ok').eventId]);
  });
});
