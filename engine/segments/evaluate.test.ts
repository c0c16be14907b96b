/**
 * The single-customer evaluator on the edges where a JavaScript reading of JSON differs from
 * PostgreSQL's (the agreement test checks the rest against the database).
 */
import { describe, expect, test } from '@jest/globals';
import { evaluateRule, ruleEventNeeds, type CustomerEvent, type SegmentRule } from './index.js';

const NOW = Date.parse('2030-06-15T12:00:00.000Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ORDER = ['C1', 'C2', 'C3'];

const decide = (rule: SegmentRule, traits: Record<string, unknown> = {}, events: CustomerEvent[] = [], segments?: Record<string, boolean>) =>
  evaluateRule(rule, { traits, events }, { now: NOW, segments }).result;
const at = (name: string, msAgo: number, properties: Record<string, unknown> = {}): CustomerEvent => ({ name, eventTime: NOW - msAgo, properties });

describe('trait values: types, paths and text as PostgreSQL reads them', () => {
  const traits = {
    n: 1,
    text_n: '1',
    flag: true,
    nothing: null,
    city: 'Shanghai',
    tags: ['vip', 1.5, true],
    o: { x: 'C2', 0: 'zero' },
    rank: 'C2',
  };
  test.each<[string, SegmentRule, boolean]>([
    ['a number equals 1.0', { trait: 'n', op: 'eq', value: 1.0 }, true],
    ['a number is not its text', { trait: 'n', op: 'eq', value: '1' }, false],
    ['numeric text is not a number for gt', { trait: 'text_n', op: 'gt', value: 0 }, false],
    ['numeric text is neq the number', { trait: 'text_n', op: 'neq', value: 1 }, true],
    ['a boolean is not its text', { trait: 'flag', op: 'in', value: ['true', 1] }, false],
    ['a boolean is not ordered', { trait: 'flag', op: 'gte', value: 0 }, false],
    ['JSON null is missing for neq', { trait: 'nothing', op: 'neq', value: null }, true],
    ['JSON null never equals null', { trait: 'nothing', op: 'eq', value: null }, false],
    ['JSON null is not_exists', { trait: 'nothing', op: 'not_exists' }, true],
    ['eq is case-sensitive', { trait: 'city', op: 'eq', value: 'shanghai' }, false],
    ['contains is case-sensitive', { trait: 'city', op: 'contains', value: 'SHANG' }, false],
    ['contains a number element', { trait: 'tags', op: 'contains', value: 1.5 }, true],
    ['contains a boolean element', { trait: 'tags', op: 'contains', value: true }, true],
    ['contains text inside an element is not an element', { trait: 'tags', op: 'contains', value: 'vi' }, false],
    ['contains the empty text', { trait: 'city', op: 'contains', value: '' }, true],
    ['starts_with on an array is false', { trait: 'tags', op: 'starts_with', value: 'vip' }, false],
    ['array index', { trait: 'tags.0', op: 'eq', value: 'vip' }, true],
    ['array index with a leading zero (jsonb reads 01 as 1)', { trait: 'tags.01', op: 'eq', value: 1.5 }, true],
    ['array index past the end', { trait: 'tags.3', op: 'exists' }, false],
    ['a digit is a key in an object', { trait: 'o.0', op: 'eq', value: 'zero' }, true],
    ['nothing inside text', { trait: 'city.0', op: 'exists' }, false],
    ['an object compares whole', { trait: 'o', op: 'eq', value: { 0: 'zero', x: 'C2' } }, true],
    ['rank gte', { trait: 'rank', op: 'gte', value: 'C2', order: ORDER }, true],
    ['rank of a value not in order', { trait: 'city', op: 'lte', value: 'C3', order: ORDER }, false],
    ['rank between reversed ends holds nothing', { trait: 'rank', op: 'between', value: ['C3', 'C1'], order: ORDER }, false],
  ])('%s', (_name, rule, expected) => {
    expect(decide(rule, traits)).toBe(expected);
  });
});

describe('trait dates as segment_timestamptz reads them', () => {
  const withinWeek: SegmentRule = { trait: 'd', op: 'within_last', value: 'P7D' };
  const atNow: SegmentRule = { trait: 'd', op: 'between', value: ['2030-06-15T12:00:00Z', '2030-06-15T12:00:00Z'] };
  test.each<[string, string, SegmentRule, boolean]>([
    ['exactly 7 days ago is outside', '2030-06-08T12:00:00Z', withinWeek, false],
    ['1 microsecond later is inside', '2030-06-08T12:00:00.000001Z', withinWeek, true],
    ['below a microsecond rounds to the boundary', '2030-06-08T12:00:00.0000004Z', withinWeek, false],
    ['half a microsecond rounds to even (down)', '2030-06-08T12:00:00.0000005Z', withinWeek, false],
    ['1.5 microseconds round to even (up)', '2030-06-08T12:00:00.0000015Z', withinWeek, true],
    ['a fraction of a millisecond after now is outside', '2030-06-15T12:00:00.0005Z', withinWeek, false],
    ['rounding up to the next second', '2030-06-15T11:59:59.9999996Z', atNow, true],
    ['24:00 compares as the next midnight', '2030-06-14T24:00', { trait: 'd', op: 'gte', value: '2030-06-15' }, true],
    ['24:00:01 is not a date', '2030-06-14T24:00:01', { trait: 'd', op: 'lt', value: { ahead: 'P1D' } }, false],
    ['a leap second rolls over', '2030-06-15T11:59:60', atNow, true],
    ['a leap second with a fraction is not a date', '2030-06-15T11:59:60.5', { trait: 'd', op: 'lt', value: { ahead: 'P1D' } }, false],
    ['a space instead of T', '2030-06-15 12:00', atNow, true],
    ['an hour-only offset', '2030-06-15T20:00+08', atNow, true],
    ['an offset without colon', '2030-06-15T04:00:00-0800', atNow, true],
    ['an offset of 16 hours is not a date', '2030-06-16T04:00:00+16:00', { trait: 'd', op: 'lt', value: { ahead: 'P1D' } }, false],
    ['an hour without minutes is not a date', '2030-06-15T12', { trait: 'd', op: 'lt', value: { ahead: 'P1D' } }, false],
    ['lower-case t and z are not a date', '2030-06-15t12:00:00z', { trait: 'd', op: 'lt', value: { ahead: 'P1D' } }, false],
    ['a trailing space is not a date', '2030-06-15T12:00Z ', { trait: 'd', op: 'lt', value: { ahead: 'P1D' } }, false],
    ['29 February of a common year is not a date', '2029-02-29', { trait: 'd', op: 'gt', value: '2000-01-01' }, false],
    ['year 0000 is not a date', '0000-01-01', { trait: 'd', op: 'lt', value: '2000-01-01' }, false],
    ['year 0001 is', '0001-01-01', { trait: 'd', op: 'lt', value: '2000-01-01' }, true],
  ])('%s: %s', (_name, d, rule, expected) => {
    expect(decide(rule, { d })).toBe(expected);
  });
});

describe('event windows and counts', () => {
  test.each<[string, CustomerEvent[], SegmentRule, boolean]>([
    ['within excludes its start', [at('x', 7 * DAY)], { event: 'x', within: 'P7D' }, false],
    ['within includes now', [at('x', 0)], { event: 'x', within: 'PT1H' }, true],
    ['an event after now does not count yet', [at('x', -1)], { event: 'x', count: { lte: 0 } }, true],
    ['event names are case-sensitive', [at('X', HOUR)], { event: 'x' }, false],
    ['an event at the anchor is not after it', [at('a', DAY), at('x', DAY)], { event: 'x', after_event: { event: 'a' } }, false],
    ['the anchor window includes its end', [at('a', 4 * DAY), at('x', DAY)], { event: 'x', after_event: { event: 'a', within: 'P3D' } }, true],
    ['the last anchor by default', [at('a', 5 * DAY), at('x', 3 * DAY), at('a', 2 * DAY)], { event: 'x', after_event: { event: 'a' } }, false],
    ['the first anchor on request', [at('a', 5 * DAY), at('x', 3 * DAY), at('a', 2 * DAY)], { event: 'x', after_event: { event: 'a', occurrence: 'first' } }, true],
    ['no anchor: false whatever the count', [], { event: 'x', count: { lte: 0 }, after_event: { event: 'a' } }, false],
    ['an anchor after now is no anchor', [at('a', -HOUR)], { event: 'x', count: { lte: 0 }, after_event: { event: 'a' } }, false],
    ['where filters the anchor', [at('a', DAY, { k: 1 })], { event: 'x', count: { lte: 0 }, after_event: { event: 'a', where: [{ property: 'k', op: 'eq', value: 2 }] } }, false],
    ['count between', [at('x', 1), at('x', 2), at('x', 3)], { event: 'x', count: { gte: 2, lte: 3 } }, true],
    ['count above the bound', [at('x', 1), at('x', 2), at('x', 3)], { event: 'x', count: { lte: 2 } }, false],
    ['where on a nested property', [at('x', 1, { page: { section: 'bonds' } })], { event: 'x', where: [{ property: 'page.section', op: 'eq', value: 'bonds' }] }, true],
    ['last before is strict', [at('x', DAY)], { event: 'x', last: { before: { ago: 'P1D' } } }, false],
    ['first after is strict', [at('x', DAY)], { event: 'x', first: { after: { ago: 'P1D' } } }, false],
    ['first reads the earliest', [at('x', DAY), at('x', 10 * DAY)], { event: 'x', first: { before: { ago: 'P7D' } } }, true],
    ['never performed: first/last is false', [], { not: { event: 'x', last: { before: { ahead: 'P1D' } } } }, true],
  ])('%s', (_name, events, rule, expected) => {
    expect(decide(rule, {}, events)).toBe(expected);
  });
});

describe('segment references and the record of facts', () => {
  test('membership comes from the context; a missing key is unknown_segment', () => {
    expect(decide({ not: { segment: 'vip' } }, {}, [], { vip: true })).toBe(false);
    expect(() => decide({ segment: 'vip' }, {}, [], { other: true })).toThrow(expect.objectContaining({ code: 'unknown_segment' }));
    expect(() => decide({ segment: 'constructor' }, {}, [], {})).toThrow(expect.objectContaining({ code: 'unknown_segment' }));
  });

  test('an invalid rule is refused as compileSegment refuses it', () => {
    expect(() => decide({ trait: 'a', op: 'around', value: 1 } as unknown as SegmentRule)).toThrow(expect.objectContaining({ code: 'unknown_operator' }));
  });

  test('every branch is evaluated and its facts recorded', () => {
    const rule: SegmentRule = {
      or: [
        { trait: 'risk_level', op: 'gte', value: 'C2', order: ORDER },
        { trait: 'missing', op: 'exists' },
        { event: 'view', where: [{ property: 'page', op: 'eq', value: 'fund' }], within: 'P7D', count: { gte: 2 } },
        { event: 'opened', count: { lte: 0 }, after_event: { event: 'registered', within: 'P3D' } },
        { event: 'login', last: { before: { ago: 'P30D' } } },
        { segment: 'vip' },
      ],
    };
    const events = [at('view', HOUR, { page: 'fund' }), at('view', 8 * DAY, { page: 'fund' }), at('registered', DAY), at('login', 2 * DAY)];
    const evaluation = evaluateRule(rule, { traits: { risk_level: 'C3' }, events }, { now: NOW, segments: { vip: false } });
    expect(evaluation).toEqual({
      result: true,
      values: {
        'trait:risk_level': 'C3',
        'trait:missing': null,
        'event:view[page eq "fund"]|within=P7D': 1,
        'event:registered|last': '2030-06-14T12:00:00.000Z',
        'event:opened|after=registered|last|within=P3D': 0,
        'event:login|last': '2030-06-13T12:00:00.000Z',
        'segment:vip': false,
      },
    });
  });
});

describe('ruleEventNeeds', () => {
  test('the event names a rule reads, with anchors and how far back they matter', () => {
    const rule: SegmentRule = {
      and: [
        { event: 'view', within: 'P7D' },
        { not: { event: 'view', within: 'P1D', count: { gte: 3 } } },
        { event: 'trade', within: 'PT2H' },
        { event: 'opened', count: { lte: 0 }, after_event: { event: 'registered', within: 'P3D' } },
        { event: 'login', last: { before: { ago: 'P30D' } } },
        { event: 'trade' },
        { trait: 'a', op: 'exists' },
        { segment: 'vip' },
      ],
    };
    expect(ruleEventNeeds(rule)).toEqual([
      { name: 'view', lookbackMs: 7 * DAY, anchor: false },
      { name: 'trade', lookbackMs: null, anchor: false },
      { name: 'registered', lookbackMs: null, anchor: true },
      { name: 'opened', lookbackMs: null, anchor: false },
      { name: 'login', lookbackMs: null, anchor: false },
    ]);
  });

  test('loading only what it lists decides the same', () => {
    const rule: SegmentRule = { and: [{ event: 'view', within: 'P1D' }, { event: 'trade', count: { lte: 1 } }] };
    const events = [at('view', HOUR), at('view', 3 * DAY), at('trade', 20 * DAY), at('other', HOUR)];
    const needs = ruleEventNeeds(rule);
    const loaded = events.filter((e) => needs.some((n) => n.name === e.name && (n.lookbackMs === null || e.eventTime > NOW - n.lookbackMs)));
    expect(loaded).toHaveLength(2);
    expect(decide(rule, {}, loaded)).toBe(decide(rule, {}, events));
  });
});
