import { describe, it, expect } from '@jest/globals';
import type { Weekday } from './canvas.js';
import { EngineError } from './errors.js';
import { isValidTimeZone, LISTED_TIME_ZONES, nextLocalTimeOfDay, parseInstant, parseTimeOfDay } from './time.js';

const utc = (iso: string): number => Date.parse(iso);

describe('isValidTimeZone', () => {
  it.each([
    ['America/New_York', true],
    ['Europe/London', true],
    ['Asia/Shanghai', true],
    ['UTC', true],
    ['Etc/GMT+8', true],
    ['Mars/Olympus_Mons', false],
    ['+08:00', false],
    ['', false],
    ['EST5EDT ', false],
  ])('%j -> %s', (zone, expected) => {
    expect(isValidTimeZone(zone)).toBe(expected);
  });

  it('refuses non-strings', () => {
    expect(isValidTimeZone(42 as unknown as string)).toBe(false);
  });

  it('accepts every zone the documents list (LISTED_TIME_ZONES), UTC included, and aliases beyond them', () => {
    expect(LISTED_TIME_ZONES.length).toBeGreaterThan(300);
    expect(LISTED_TIME_ZONES).toContain('UTC');
    expect(LISTED_TIME_ZONES.filter((zone) => !isValidTimeZone(zone))).toEqual([]);
    expect(['US/Pacific', 'Etc/GMT+8'].filter((zone) => !isValidTimeZone(zone))).toEqual([]);
  });
});

describe('parseTimeOfDay', () => {
  it.each([
    ['00:00', { hour: 0, minute: 0 }],
    ['09:05', { hour: 9, minute: 5 }],
    ['18:30', { hour: 18, minute: 30 }],
    ['23:59', { hour: 23, minute: 59 }],
  ])('parses %s', (text, expected) => {
    expect(parseTimeOfDay(text)).toEqual(expected);
  });

  it.each(['24:00', '9:00', '09:60', '09:00:00', '9am', '', ' 09:00', '0900'])('rejects %j', (text) => {
    expect(() => parseTimeOfDay(text)).toThrow(EngineError);
    try {
      parseTimeOfDay(text);
    } catch (error) {
      expect((error as EngineError).code).toBe('invalid_time_of_day');
      expect((error as EngineError).message).toContain('HH:MM');
    }
  });
});

describe('nextLocalTimeOfDay', () => {
  const cases: {
    name: string;
    from: string;
    hour: number;
    minute: number;
    weekdays?: Weekday[];
    timeZone: string;
    expected: string;
  }[] = [
    // Asia/Shanghai is UTC+8 all year.
    { name: 'Shanghai, later the same day', from: '2026-06-01T00:00:00Z', hour: 9, minute: 0, timeZone: 'Asia/Shanghai', expected: '2026-06-01T01:00:00Z' },
    { name: 'Shanghai, already past today -> tomorrow', from: '2026-06-01T02:00:00Z', hour: 9, minute: 0, timeZone: 'Asia/Shanghai', expected: '2026-06-02T01:00:00Z' },
    { name: 'Shanghai, exactly at the time -> next day (strictly after)', from: '2026-06-01T01:00:00Z', hour: 9, minute: 0, timeZone: 'Asia/Shanghai', expected: '2026-06-02T01:00:00Z' },
    { name: 'Shanghai, one ms before -> same day', from: '2026-06-01T00:59:59.999Z', hour: 9, minute: 0, timeZone: 'Asia/Shanghai', expected: '2026-06-01T01:00:00Z' },
    { name: 'Shanghai, local date differs from UTC date', from: '2026-06-01T20:00:00Z', hour: 9, minute: 0, timeZone: 'Asia/Shanghai', expected: '2026-06-02T01:00:00Z' },
    { name: 'Shanghai, midnight', from: '2026-06-01T17:00:00Z', hour: 0, minute: 0, timeZone: 'Asia/Shanghai', expected: '2026-06-02T16:00:00Z' },
    // Weekday filters (2026-06-05 is a Friday, 2026-06-06 a Saturday).
    { name: 'Friday 18:00 from Saturday -> next Friday', from: '2026-06-06T02:00:00Z', hour: 18, minute: 0, weekdays: ['fri'], timeZone: 'Asia/Shanghai', expected: '2026-06-12T10:00:00Z' },
    { name: 'Friday 18:00 from Friday morning -> same Friday', from: '2026-06-05T01:00:00Z', hour: 18, minute: 0, weekdays: ['fri'], timeZone: 'Asia/Shanghai', expected: '2026-06-05T10:00:00Z' },
    { name: 'Friday 18:00 exactly at it -> a week later', from: '2026-06-05T10:00:00Z', hour: 18, minute: 0, weekdays: ['fri'], timeZone: 'Asia/Shanghai', expected: '2026-06-12T10:00:00Z' },
    { name: 'weekdays only, from Saturday -> Monday', from: '2026-06-06T02:00:00Z', hour: 9, minute: 30, weekdays: ['mon', 'tue', 'wed', 'thu', 'fri'], timeZone: 'Asia/Shanghai', expected: '2026-06-08T01:30:00Z' },
    { name: 'weekday uses the local date, not the UTC date', from: '2026-06-04T20:00:00Z', hour: 9, minute: 0, weekdays: ['thu'], timeZone: 'Asia/Shanghai', expected: '2026-06-11T01:00:00Z' },
    // America/New_York: DST starts 2026-03-08 02:00 (EST -5 -> EDT -4), ends 2026-11-01 02:00.
    { name: 'New York, winter (EST)', from: '2026-01-15T12:00:00Z', hour: 9, minute: 0, timeZone: 'America/New_York', expected: '2026-01-15T14:00:00Z' },
    { name: 'New York, summer (EDT)', from: '2026-07-15T12:00:00Z', hour: 9, minute: 0, timeZone: 'America/New_York', expected: '2026-07-15T13:00:00Z' },
    { name: 'New York, 09:00 across spring forward', from: '2026-03-07T15:00:00Z', hour: 9, minute: 0, timeZone: 'America/New_York', expected: '2026-03-08T13:00:00Z' },
    { name: 'New York, 02:30 in the spring gap -> 03:00 EDT', from: '2026-03-08T05:00:00Z', hour: 2, minute: 30, timeZone: 'America/New_York', expected: '2026-03-08T07:00:00Z' },
    { name: 'New York, 02:00 in the spring gap -> 03:00 EDT', from: '2026-03-08T05:00:00Z', hour: 2, minute: 0, timeZone: 'America/New_York', expected: '2026-03-08T07:00:00Z' },
    { name: 'New York, 02:30 the day after the gap is normal', from: '2026-03-08T08:00:00Z', hour: 2, minute: 30, timeZone: 'America/New_York', expected: '2026-03-09T06:30:00Z' },
    { name: 'New York, 01:30 at fall back -> first occurrence (EDT)', from: '2026-11-01T04:00:00Z', hour: 1, minute: 30, timeZone: 'America/New_York', expected: '2026-11-01T05:30:00Z' },
    { name: 'New York, between the two 01:30s -> not the second one', from: '2026-11-01T05:45:00Z', hour: 1, minute: 30, timeZone: 'America/New_York', expected: '2026-11-02T06:30:00Z' },
    { name: 'New York, 09:00 across fall back', from: '2026-10-31T14:00:00Z', hour: 9, minute: 0, timeZone: 'America/New_York', expected: '2026-11-01T14:00:00Z' },
    // Europe/London: BST starts 2026-03-29 01:00 GMT, ends 2026-10-25 02:00 BST.
    { name: 'London, 01:30 in the spring gap -> 02:00 BST', from: '2026-03-29T00:00:00Z', hour: 1, minute: 30, timeZone: 'Europe/London', expected: '2026-03-29T01:00:00Z' },
    { name: 'London, 09:00 on the spring-forward day (BST)', from: '2026-03-29T00:00:00Z', hour: 9, minute: 0, timeZone: 'Europe/London', expected: '2026-03-29T08:00:00Z' },
    { name: 'London, 01:30 at fall back -> first occurrence (BST)', from: '2026-10-24T23:00:00Z', hour: 1, minute: 30, timeZone: 'Europe/London', expected: '2026-10-25T00:30:00Z' },
    { name: 'London, 09:00 after fall back (GMT)', from: '2026-10-25T03:00:00Z', hour: 9, minute: 0, timeZone: 'Europe/London', expected: '2026-10-25T09:00:00Z' },
    { name: 'London, Sunday 01:30 weekly, fall-back Sunday', from: '2026-10-19T00:00:00Z', hour: 1, minute: 30, weekdays: ['sun'], timeZone: 'Europe/London', expected: '2026-10-25T00:30:00Z' },
  ];

  it.each(cases)('$name', ({ from, hour, minute, weekdays, timeZone, expected }) => {
    const next = nextLocalTimeOfDay(utc(from), { hour, minute, weekdays: weekdays ?? [], timeZone });
    expect(new Date(next).toISOString()).toBe(new Date(utc(expected)).toISOString());
  });

  it.each([
    ['invalid_time_zone', { hour: 9, minute: 0, weekdays: [] as Weekday[], timeZone: 'Nowhere/City' }],
    ['invalid_time_of_day', { hour: 24, minute: 0, weekdays: [] as Weekday[], timeZone: 'UTC' }],
    ['invalid_time_of_day', { hour: 9, minute: 1.5, weekdays: [] as Weekday[], timeZone: 'UTC' }],
    ['invalid_weekday', { hour: 9, minute: 0, weekdays: ['funday'] as unknown as Weekday[], timeZone: 'UTC' }],
  ])('throws %s', (code, spec) => {
    expect(() => nextLocalTimeOfDay(utc('2026-06-01T00:00:00Z'), spec)).toThrow(expect.objectContaining({ code }));
  });
});

describe('parseInstant', () => {
  it.each([
    ['2026-12-01T09:00:00+08:00', '2026-12-01T01:00:00.000Z'],
    ['2026-12-01T01:00:00Z', '2026-12-01T01:00:00.000Z'],
    ['2026-12-01T01:00Z', '2026-12-01T01:00:00.000Z'],
    ['2026-12-01T01:00:00.250Z', '2026-12-01T01:00:00.250Z'],
    ['2026-12-01T09:00:00-0500', '2026-12-01T14:00:00.000Z'],
    ['2026-03-08T02:30:00-05:00', '2026-03-08T07:30:00.000Z'],
  ])('%s -> %s', (text, expected) => {
    expect(parseInstant(text)).toBe(Date.parse(expected));
  });

  it.each([
    '2026-12-01T09:00:00', // no offset: ambiguous
    '2026-12-01',
    '2026-13-01T09:00:00Z',
    '2026-02-30T09:00:00Z',
    '2026-12-01T25:00:00Z',
    '2026-12-01 09:00:00Z',
    'tomorrow',
    '',
  ])('%j -> null', (text) => {
    expect(parseInstant(text)).toBeNull();
  });
});
