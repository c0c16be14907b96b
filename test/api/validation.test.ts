/** The API's request validators, table-driven: what they accept, and the path and code of what they reject. */
import { describe, expect, it } from '@jest/globals';
import { parseEventBatch } from '../../api/events/event-batch.validation.js';
import { ApiError } from '../../api/http/api-error.js';
import { parseInstant } from '../../api/http/validation.js';
import { assertJourneyId, parseEnrollmentRequest, parseExitRequest } from '../../api/journeys/journeys.validation.js';

function rejection(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('expected an ApiError, got none');
}

const event = (over: Record<string, unknown> = {}) => ({
  eventId: 'e-1',
  customerId: 'c-1',
  name: 'registered',
  eventTime: '2025-03-01T09:30:00+08:00',
  ...over,
});

describe('parseInstant', () => {
  it.each([
    ['2025-03-01T09:30:00+08:00', Date.UTC(2025, 2, 1, 1, 30)],
    ['2025-03-01T01:30:00Z', Date.UTC(2025, 2, 1, 1, 30)],
    ['2025-03-01T01:30Z', Date.UTC(2025, 2, 1, 1, 30)],
    ['2025-03-01T01:30:00.250-02:00', Date.UTC(2025, 2, 1, 3, 30, 0, 250)],
    ['2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)],
    [1_740_792_600_000, 1_740_792_600_000],
  ])('accepts %p', (input, expected) => {
    expect(parseInstant(input)).toBe(expected);
  });

  it.each([
    ['2025-03-01T09:30:00', 'no offset: ambiguous'],
    ['2025-03-01', 'a date only'],
    ['2025-02-30T00:00:00Z', 'February 30'],
    ['2025-13-01T00:00:00Z', 'month 13'],
    ['2025-03-01T24:00:00Z', 'hour 24'],
    ['2025-03-01T09:30:00+0800', 'offset without colon'],
    ['yesterday', 'words'],
    ['1740792600000', 'epoch ms as a string'],
    [1.5, 'a fraction of a millisecond'],
    [-1, 'before 1970'],
    [null, 'null'],
    [{}, 'an object'],
  ])('rejects %p (%s)', (input, _why) => {
    expect(parseInstant(input)).toBeNull();
  });
});

describe('parseEventBatch', () => {
  it('returns the events with their time as epoch ms', () => {
    expect(parseEventBatch({ events: [event({ properties: { channel: 'app' } }), event({ eventId: 'e-2', eventTime: 5 })] })).toEqual({
      events: [
        { index: 0, eventId: 'e-1', customerId: 'c-1', name: 'registered', eventTime: Date.UTC(2025, 2, 1, 1, 30), properties: { channel: 'app' } },
        { index: 1, eventId: 'e-2', customerId: 'c-1', name: 'registered', eventTime: 5 },
      ],
      rejected: [],
    });
  });

  it.each([
    ['eventId', { eventId: '' }, 'required'],
    ['eventId', { eventId: 'x'.repeat(201) }, 'too_long'],
    ['eventId', { eventId: 42 }, 'invalid_type'],
    ['customerId', { customerId: undefined }, 'required'],
    ['name', { name: 'signed up' }, 'invalid_format'],
    ['name', { name: 'x'.repeat(101) }, 'too_long'],
    ['eventTime', { eventTime: undefined }, 'required'],
    ['eventTime', { eventTime: '2025-03-01 09:30' }, 'invalid_time'],
    ['properties', { properties: ['a'] }, 'invalid_type'],
    ['properties', { properties: null }, 'invalid_type'],
    ['properties', { properties: { blob: 'x'.repeat(16 * 1024) } }, 'too_large'],
  ])('refuses a bad %s alone, with its index, path and code, and keeps the other items', (field, over, code) => {
    const batch = parseEventBatch({ events: [event(), event({ eventId: 'e-2' }), event({ eventId: 'e-3', ...over })] });
    expect(batch.events.map((e) => e.eventId)).toEqual(['e-1', 'e-2']);
    expect(batch.rejected).toEqual([
      { index: 2, eventId: field === 'eventId' ? null : 'e-3', issues: [{ path: `$.events[2].${field}`, code, message: expect.any(String) }] },
    ]);
  });

  it('reports every invalid item, not just the first', () => {
    const batch = parseEventBatch({ events: [event({ name: '' }), event(), 'not an event', event({ eventTime: 'soon' })] });
    expect(batch.rejected.map((r) => [r.index, r.issues.map((i) => i.path)])).toEqual([
      [0, ['$.events[0].name']],
      [2, ['$.events[2]']],
      [3, ['$.events[3].eventTime']],
    ]);
    expect(batch.events.map((e) => e.index)).toEqual([1]);
  });

  it('accepts 500 events and refuses 501 with 413', () => {
    const batch = (n: number) => ({ events: Array.from({ length: n }, (_, i) => event({ eventId: `e-${i}` })) });
    expect(parseEventBatch(batch(500)).events).toHaveLength(500);
    const err = rejection(() => parseEventBatch(batch(501)));
    expect([err.status, err.code]).toEqual([413, 'batch_too_large']);
  });

  it.each([[undefined], [[]], [{}], [{ events: {} }], [{ events: [] }]])('rejects the body %p as a whole', (body) => {
    const err = rejection(() => parseEventBatch(body));
    expect([err.status, err.code]).toEqual([400, 'invalid_batch']);
  });
});

describe('enrollment and exit requests', () => {
  it('keeps only the fields given', () => {
    expect(parseEnrollmentRequest({ customerId: 'c-1' })).toEqual({ customerId: 'c-1' });
    expect(parseEnrollmentRequest({ customerId: 'c-1', payload: { a: 1 }, entryKey: 'order-7', idempotencyKey: 'k' })).toEqual({
      customerId: 'c-1',
      payload: { a: 1 },
      entryKey: 'order-7',
      idempotencyKey: 'k',
    });
  });

  it.each([
    [{}, '$.customerId', 'required'],
    [{ customerId: 'c', payload: 'x' }, '$.payload', 'invalid_type'],
    [{ customerId: 'c', payload: { big: 'x'.repeat(16 * 1024) } }, '$.payload', 'too_large'],
    [{ customerId: 'c', idempotencyKey: '' }, '$.idempotencyKey', 'required'],
    [{ customerId: 'c', entryKey: 7 }, '$.entryKey', 'invalid_type'],
  ])('rejects %p at %s', (body, path, code) => {
    const err = rejection(() => parseEnrollmentRequest(body));
    expect([err.status, err.code]).toEqual([400, 'invalid_body']);
    expect(err.details.issues).toEqual([{ path, code, message: expect.any(String) }]);
  });

  it('needs an exit reason of at most 200 characters', () => {
    expect(parseExitRequest({ reason: 'customer asked' })).toEqual({ reason: 'customer asked' });
    for (const body of [{}, { reason: '' }, { reason: 'x'.repeat(201) }, null]) {
      expect(rejection(() => parseExitRequest(body)).details.issues).toEqual([{ path: '$.reason', code: expect.any(String), message: expect.any(String) }]);
    }
  });

  it('accepts plain journey ids only', () => {
    for (const ok of ['onboarding', 'fund-launch.2025', 'A_1']) expect(() => assertJourneyId(ok)).not.toThrow();
    for (const bad of ['', '-x', 'a:b', 'a@b', 'x'.repeat(101)]) expect(rejection(() => assertJourneyId(bad)).code).toBe('invalid_journey_id');
  });
});
