import { describe, it, expect } from '@jest/globals';
import type { CompareOp, Condition, ConditionFacts, PropertyFilter } from './conditions.js';
import {
  compareValues,
  describeCondition,
  evaluateCondition,
  eventFactKey,
  factNeeds,
  getPath,
  matchesFilters,
  validateCondition,
  validatePropertyFilters,
} from './evaluate.js';

describe('getPath', () => {
  const obj = { address: { city: 'Shanghai', zip: null }, tokens: ['a', 'b'], n: 0, nested: [{ id: 7 }] };
  it.each([
    ['address.city', 'Shanghai'],
    ['address.zip', null],
    ['address.street', undefined],
    ['tokens.0', 'a'],
    ['tokens.1', 'b'],
    ['tokens.2', undefined],
    ['tokens.length', undefined],
    ['nested.0.id', 7],
    ['n', 0],
    ['n.x', undefined],
    ['address.city.length', undefined],
    ['constructor', undefined],
    ['__proto__', undefined],
    ['address..city', undefined],
    ['', undefined],
  ])('%j -> %j', (path, expected) => {
    expect(getPath(obj, path)).toBe(expected);
  });

  it('returns undefined under null, undefined and primitives', () => {
    expect(getPath(null, 'a')).toBeUndefined();
    expect(getPath(undefined, 'a')).toBeUndefined();
    expect(getPath('text', 'length')).toBeUndefined();
  });
});

describe('compareValues', () => {
  const table: [CompareOp, unknown, unknown, boolean][] = [
    ['eq', 'opened', 'opened', true],
    ['eq', 'opened', 'closed', false],
    ['eq', 3, 3, true],
    ['eq', 3, '3', false],
    ['eq', '3', 3, false],
    ['eq', true, true, true],
    ['eq', true, 'true', false],
    ['eq', null, null, false],
    ['eq', undefined, undefined, false],
    ['eq', ['a', 'b'], ['a', 'b'], true],
    ['eq', { a: 1, b: [2] }, { b: [2], a: 1 }, true],
    ['eq', { a: 1 }, { a: 1, b: 2 }, false],
    ['neq', 'a', 'b', true],
    ['neq', 'a', 'a', false],
    ['neq', 3, '3', true],
    ['neq', null, 'a', true],
    ['neq', undefined, 'a', true],
    ['neq', null, null, true], // neq is exactly !eq, and eq never holds for a missing value
    ['gt', 5, 3, true],
    ['gt', 3, 3, false],
    ['gte', 3, 3, true],
    ['lt', 2, 3, true],
    ['lte', 4, 3, false],
    ['gt', '5', 3, false],
    ['gt', 5, '3', false],
    ['lt', null, 3, false],
    ['gte', undefined, 0, false],
    ['gt', true, false, false],
    ['gt', Number.NaN, 1, false],
    ['gt', '2026-03-02', '2026-03-01', true],
    ['lt', '2026-03-01T23:00:00-02:00', '2026-03-02T00:30:00Z', false], // 01:00Z next day: dates compare as instants
    ['gte', '2026-03-01', '2026-03-01T00:00:00Z', true],
    ['lt', '2026-12-01T09:00:00+08:00', '2026-12-01T02:00:00Z', true],
    ['gt', 'b', 'a', true],
    ['gt', '10', '9', false], // strings compare lexicographically, never as numbers
    ['lt', 'apple', 'banana', true],
    ['in', 'sms', ['sms', 'push'], true],
    ['in', 'email', ['sms', 'push'], false],
    ['in', 3, ['3'], false],
    ['in', null, [null], false],
    ['in', 'sms', 'sms', false],
    ['not_in', 'email', ['sms', 'push'], true],
    ['not_in', 'sms', ['sms', 'push'], false],
    ['not_in', undefined, ['sms'], true],
    ['exists', 0, undefined, true],
    ['exists', '', undefined, true],
    ['exists', false, undefined, true],
    ['exists', null, undefined, false],
    ['exists', undefined, undefined, false],
    ['not_exists', null, undefined, true],
    ['not_exists', undefined, undefined, true],
    ['not_exists', 'x', undefined, false],
    ['contains', 'fund_detail_page', 'detail', true],
    ['contains', 'fund_detail_page', 'stock', false],
    ['contains', ['vip', 'new'], 'vip', true],
    ['contains', ['vip', 'new'], 'old', false],
    ['contains', [1, 2], '1', false],
    ['contains', null, 'x', false],
    ['contains', 123, 2, false],
    ['starts_with', '+86138', '+86', true],
    ['starts_with', '+85212', '+86', false],
    ['starts_with', 8613, '86', false],
    ['starts_with', undefined, '', false],
  ];
  it.each(table)('%s(%j, %j) -> %s', (op, actual, expected, result) => {
    expect(compareValues(op, actual, expected)).toBe(result);
  });

  it('throws on an unknown operator', () => {
    expect(() => compareValues('like' as CompareOp, 'a', 'a')).toThrow(expect.objectContaining({ code: 'unknown_operator' }));
  });
});

describe('matchesFilters', () => {
  const props = { page: 'fund_detail', fund: { risk: 3, code: 'F001' }, amount: 5000 };
  it.each<[string, PropertyFilter[] | undefined, boolean]>([
    ['no filters', undefined, true],
    ['empty filters', [], true],
    ['one matching', [{ property: 'page', op: 'eq', value: 'fund_detail' }], true],
    ['dot path', [{ property: 'fund.risk', op: 'lte', value: 3 }], true],
    ['all must hold', [{ property: 'page', op: 'eq', value: 'fund_detail' }, { property: 'amount', op: 'gt', value: 10000 }], false],
    ['missing property', [{ property: 'channel', op: 'eq', value: 'ios' }], false],
    ['missing property, not_exists', [{ property: 'channel', op: 'not_exists' }], true],
  ])('%s', (_name, filters, expected) => {
    expect(matchesFilters(props, filters)).toBe(expected);
  });
});

describe('eventFactKey', () => {
  const base = { event: 'app_launch' };
  it('is stable and readable', () => {
    expect(eventFactKey(base)).toBe('app_launch');
    expect(eventFactKey({ ...base, within: 'P3D' })).toBe('app_launch|within=P3D');
    expect(eventFactKey({ ...base, where: [{ property: 'os', op: 'eq', value: 'ios' }] })).toBe(
      'app_launch|where=[{"op":"eq","property":"os","value":"ios"}]',
    );
  });

  it.each<[string, Parameters<typeof eventFactKey>[0], Parameters<typeof eventFactKey>[0]]>([
    ['empty where = no where', { event: 'a', where: [] }, { event: 'a' }],
    ['filter key order', { event: 'a', where: [{ property: 'x', op: 'eq', value: 1 }] }, { event: 'a', where: [{ value: 1, op: 'eq', property: 'x' } as PropertyFilter] }],
    ['nested value key order', { event: 'a', where: [{ property: 'x', op: 'eq', value: { p: 1, q: 2 } }] }, { event: 'a', where: [{ property: 'x', op: 'eq', value: { q: 2, p: 1 } }] }],
    ['filter order', { event: 'a', where: [{ property: 'x', op: 'exists' }, { property: 'y', op: 'exists' }] }, { event: 'a', where: [{ property: 'y', op: 'exists' }, { property: 'x', op: 'exists' }] }],
    ['equivalent windows', { event: 'a', within: 'P3D' }, { event: 'a', within: 'PT72H' }],
  ])('same key: %s', (_name, left, right) => {
    expect(eventFactKey(left)).toBe(eventFactKey(right));
  });

  it.each<[string, Parameters<typeof eventFactKey>[0], Parameters<typeof eventFactKey>[0]]>([
    ['different event', { event: 'a' }, { event: 'b' }],
    ['window vs none', { event: 'a', within: 'P3D' }, { event: 'a' }],
    ['different windows', { event: 'a', within: 'P3D' }, { event: 'a', within: 'P7D' }],
    ['filter vs none', { event: 'a', where: [{ property: 'x', op: 'exists' }] }, { event: 'a' }],
    ['different op', { event: 'a', where: [{ property: 'x', op: 'eq', value: 1 }] }, { event: 'a', where: [{ property: 'x', op: 'neq', value: 1 }] }],
    ['number vs string value', { event: 'a', where: [{ property: 'x', op: 'eq', value: 1 }] }, { event: 'a', where: [{ property: 'x', op: 'eq', value: '1' }] }],
    ['event name that looks like a suffix', { event: 'a|within=P3D' }, { event: 'a', within: 'P3D' }],
  ])('different key: %s', (_name, left, right) => {
    expect(eventFactKey(left)).not.toBe(eventFactKey(right));
  });
});

describe('factNeeds', () => {
  it('walks all/any/not and deduplicates', () => {
    const launches: Condition = { event: 'app_launch', within: 'P3D', count: { gte: 3 } };
    const conditions: Condition[] = [
      {
        all: [
          { trait: 'account_status', op: 'eq', value: 'opened' },
          { any: [launches, { not: { segment: 'vip' } }, { entry: 'channel', op: 'eq', value: 'ios' }] },
        ],
      },
      { all: [{ trait: 'account_status', op: 'exists' }, { event: 'app_launch', within: 'PT72H', count: { lte: 0 } }] },
      { event: 'deposit', where: [{ property: 'amount', op: 'gte', value: 1000 }] },
      { segment: 'vip', member: false },
    ];
    expect(factNeeds(conditions)).toEqual({
      traits: ['account_status'],
      entryFields: ['channel'],
      events: [
        { key: 'app_launch|within=P3D', event: 'app_launch', where: [], withinMs: 3 * 24 * 3600 * 1000 },
        {
          key: 'deposit|where=[{"op":"gte","property":"amount","value":1000}]',
          event: 'deposit',
          where: [{ property: 'amount', op: 'gte', value: 1000 }],
          withinMs: null,
        },
      ],
      segments: ['vip'],
    });
  });

  it('is empty for no conditions', () => {
    expect(factNeeds([])).toEqual({ traits: [], entryFields: [], events: [], segments: [] });
  });
});

describe('evaluateCondition', () => {
  const facts: ConditionFacts = {
    traits: { account_status: 'opened', assets: 50000, risk: { level: 3 } },
    entry: { channel: 'ios' },
    eventCounts: {
      'app_launch|within=P3D': 2,
      account_opened: 0,
      deposit: 1,
    },
    segments: { vip: false, new_customers: true },
  };

  const table: [string, Condition, boolean, Record<string, unknown>][] = [
    ['trait eq', { trait: 'account_status', op: 'eq', value: 'opened' }, true, { 'trait:account_status': 'opened' }],
    ['nested trait', { trait: 'risk.level', op: 'gte', value: 4 }, false, { 'trait:risk.level': 3 }],
    ['missing trait recorded as null', { trait: 'city', op: 'eq', value: 'Shanghai' }, false, { 'trait:city': null }],
    ['missing trait, not_exists', { trait: 'city', op: 'not_exists' }, true, { 'trait:city': null }],
    ['entry field', { entry: 'channel', op: 'in', value: ['ios', 'android'] }, true, { 'entry:channel': 'ios' }],
    ['event, no count = at least once (2)', { event: 'app_launch', within: 'P3D' }, true, { 'event:app_launch|within=P3D': 2 }],
    ['event, no count = at least once (0)', { event: 'account_opened' }, false, { 'event:account_opened': 0 }],
    ['event never (lte 0), none happened', { event: 'account_opened', count: { lte: 0 } }, true, { 'event:account_opened': 0 }],
    ['event never (lte 0), one happened', { event: 'deposit', count: { lte: 0 } }, false, { 'event:deposit': 1 }],
    ['event gte 3 with 2', { event: 'app_launch', within: 'P3D', count: { gte: 3 } }, false, { 'event:app_launch|within=P3D': 2 }],
    ['event lte 2 with 2', { event: 'app_launch', within: 'PT72H', count: { lte: 2 } }, true, { 'event:app_launch|within=P3D': 2 }],
    ['event between 1 and 1', { event: 'deposit', count: { gte: 1, lte: 1 } }, true, { 'event:deposit': 1 }],
    ['segment member', { segment: 'new_customers' }, true, { 'segment:new_customers': true }],
    ['segment member: false', { segment: 'vip', member: false }, true, { 'segment:vip': false }],
    ['not', { not: { segment: 'new_customers' } }, false, { 'segment:new_customers': true }],
    [
      'all records every branch, even after a false one',
      { all: [{ segment: 'vip' }, { trait: 'assets', op: 'gt', value: 10000 }] },
      false,
      { 'segment:vip': false, 'trait:assets': 50000 },
    ],
    [
      'any records every branch, even after a true one',
      { any: [{ segment: 'new_customers' }, { event: 'deposit' }] },
      true,
      { 'segment:new_customers': true, 'event:deposit': 1 },
    ],
    [
      'canonical onboarding branch: opened but fewer than 3 launches',
      {
        all: [
          { trait: 'account_status', op: 'eq', value: 'opened' },
          { event: 'app_launch', within: 'P3D', count: { lte: 2 } },
          { event: 'deposit', count: { lte: 0 } },
        ],
      },
      false,
      { 'trait:account_status': 'opened', 'event:app_launch|within=P3D': 2, 'event:deposit': 1 },
    ],
    ['empty all is true', { all: [] }, true, {}],
    ['empty any is false', { any: [] }, false, {}],
  ];
  it.each(table)('%s', (_name, cond, result, values) => {
    expect(evaluateCondition(cond, facts)).toEqual({ result, values });
  });

  it.each<[string, Condition]>([
    ['event count not gathered', { event: 'trade' }],
    ['event count gathered for another window', { event: 'app_launch', within: 'P7D' }],
    ['segment not gathered', { segment: 'high_net_worth' }],
    ['inside any, even after a true branch', { any: [{ segment: 'new_customers' }, { event: 'trade' }] }],
    ['prototype key is not a fact', { event: 'constructor' }],
  ])('throws missing_fact: %s', (_name, cond) => {
    expect(() => evaluateCondition(cond, facts)).toThrow(expect.objectContaining({ code: 'missing_fact' }));
  });
});

describe('describeCondition', () => {
  it.each<[Condition, string]>([
    [{ trait: 'account_status', op: 'eq', value: 'opened' }, 'trait account_status = "opened"'],
    [
      { all: [{ trait: 'account_status', op: 'eq', value: 'opened' }, { event: 'app_launch', count: { gte: 3 }, within: 'P3D' }] },
      'trait account_status = "opened" AND at least 3 × app_launch within P3D',
    ],
    [{ event: 'account_opened', count: { lte: 0 } }, 'no account_opened'],
    [{ event: 'registered' }, 'at least 1 × registered'],
    [{ event: 'app_launch', count: { lte: 2 } }, 'at most 2 × app_launch'],
    [{ event: 'deposit', count: { gte: 2, lte: 2 } }, 'exactly 2 × deposit'],
    [{ event: 'deposit', count: { gte: 1, lte: 5 } }, 'between 1 and 5 × deposit'],
    [
      { event: 'page_view', count: { gte: 3 }, where: [{ property: 'page', op: 'eq', value: 'fund_detail' }, { property: 'fund.risk', op: 'lte', value: 3 }] },
      'at least 3 × page_view where page = "fund_detail" and fund.risk ≤ 3',
    ],
    [{ entry: 'channel', op: 'in', value: ['ios', 'android'] }, 'entry channel in ["ios","android"]'],
    [{ trait: 'phone', op: 'not_exists' }, 'trait phone is not set'],
    [{ trait: 'phone', op: 'starts_with', value: '+86' }, 'trait phone starts with "+86"'],
    [{ segment: 'vip' }, 'in segment vip'],
    [{ segment: 'vip', member: false }, 'not in segment vip'],
    [{ not: { segment: 'vip' } }, 'NOT in segment vip'],
    [
      { any: [{ all: [{ segment: 'a' }, { segment: 'b' }] }, { not: { any: [{ segment: 'c' }, { segment: 'd' }] } }] },
      '(in segment a AND in segment b) OR NOT (in segment c OR in segment d)',
    ],
  ])('%j', (cond, text) => {
    expect(describeCondition(cond)).toBe(text);
  });
});

describe('validateCondition', () => {
  const P = '$.nodes[2].condition';
  const table: [string, unknown, { code: string; path: string }[]][] = [
    ['valid trait', { trait: 'account_status', op: 'eq', value: 'opened' }, []],
    ['valid exists without value', { trait: 'phone', op: 'exists' }, []],
    ['valid event', { event: 'app_launch', where: [{ property: 'os', op: 'in', value: ['ios'] }], count: { gte: 0, lte: 3 }, within: 'P3D' }, []],
    ['valid segment', { segment: 'vip', member: false }, []],
    ['valid nesting', { all: [{ not: { segment: 'vip' } }, { any: [{ entry: 'x', op: 'gt', value: 1 }] }] }, []],
    ['not an object', 'account_status = opened', [{ code: 'invalid_condition', path: P }]],
    ['array', [], [{ code: 'invalid_condition', path: P }]],
    ['no kind', { op: 'eq', value: 1 }, [{ code: 'invalid_condition', path: P }]],
    ['two kinds', { trait: 'a', event: 'b', op: 'exists' }, [{ code: 'invalid_condition', path: P }]],
    ['unexpected key', { trait: 'a', op: 'exists', within: 'P3D' }, [{ code: 'invalid_condition', path: `${P}.within` }]],
    ['empty all', { all: [] }, [{ code: 'invalid_condition', path: `${P}.all` }]],
    ['any not a list', { any: { segment: 'x' } }, [{ code: 'invalid_condition', path: `${P}.any` }]],
    ['unknown op deep inside', { all: [{ segment: 'x' }, { trait: 'a', op: 'equals', value: 1 }] }, [{ code: 'unknown_operator', path: `${P}.all[1].op` }]],
    ['missing op', { entry: 'a', value: 1 }, [{ code: 'unknown_operator', path: `${P}.op` }]],
    ['missing value', { trait: 'a', op: 'eq' }, [{ code: 'missing_value', path: `${P}.value` }]],
    ['in needs a list', { trait: 'a', op: 'in', value: 'sms' }, [{ code: 'missing_value', path: `${P}.value` }]],
    ['not_in needs a list', { trait: 'a', op: 'not_in' }, [{ code: 'missing_value', path: `${P}.value` }]],
    ['gt needs a number or text', { trait: 'a', op: 'gt', value: true }, [{ code: 'missing_value', path: `${P}.value` }]],
    ['starts_with needs text', { trait: 'a', op: 'starts_with', value: 86 }, [{ code: 'missing_value', path: `${P}.value` }]],
    ['empty trait path', { trait: '', op: 'exists' }, [{ code: 'invalid_condition', path: `${P}.trait` }]],
    ['event name missing', { event: 7 }, [{ code: 'invalid_condition', path: `${P}.event` }]],
    ['negative count', { event: 'a', count: { gte: -1 } }, [{ code: 'invalid_count', path: `${P}.count.gte` }]],
    ['fractional count', { event: 'a', count: { lte: 1.5 } }, [{ code: 'invalid_count', path: `${P}.count.lte` }]],
    ['gte above lte', { event: 'a', count: { gte: 3, lte: 2 } }, [{ code: 'invalid_count', path: `${P}.count` }]],
    ['empty count', { event: 'a', count: {} }, [{ code: 'invalid_count', path: `${P}.count` }]],
    ['unknown count bound', { event: 'a', count: { gt: 2 } }, [{ code: 'invalid_count', path: `${P}.count.gt` }]],
    ['count not an object', { event: 'a', count: 3 }, [{ code: 'invalid_count', path: `${P}.count` }]],
    ['bad window', { event: 'a', within: '3 days' }, [{ code: 'invalid_duration', path: `${P}.within` }]],
    ['month window refused', { event: 'a', within: 'P1M' }, [{ code: 'invalid_duration', path: `${P}.within` }]],
    ['where not a list', { event: 'a', where: { property: 'x', op: 'exists' } }, [{ code: 'invalid_condition', path: `${P}.where` }]],
    ['bad filter op', { event: 'a', where: [{ property: 'x', op: 'exists' }, { property: 'y', op: '==', value: 1 }] }, [{ code: 'unknown_operator', path: `${P}.where[1].op` }]],
    ['filter without property', { event: 'a', where: [{ op: 'eq', value: 1 }] }, [{ code: 'invalid_condition', path: `${P}.where[0].property` }]],
    ['member not boolean', { segment: 'vip', member: 'no' }, [{ code: 'invalid_condition', path: `${P}.member` }]],
    [
      'several problems at once',
      { any: [{ event: 'a', count: { gte: 2, lte: 1 }, within: 'P0D' }, { trait: 'b', op: 'in', value: 1 }] },
      [
        { code: 'invalid_count', path: `${P}.any[0].count` },
        { code: 'invalid_duration', path: `${P}.any[0].within` },
        { code: 'missing_value', path: `${P}.any[1].value` },
      ],
    ],
  ];
  it.each(table)('%s', (_name, cond, expected) => {
    const issues = validateCondition(cond, P);
    expect(issues.map(({ code, path }) => ({ code, path }))).toEqual(expected);
    for (const found of issues) expect(found.message.length).toBeGreaterThan(10);
  });

  it('writes messages a marketer can act on', () => {
    const [missing] = validateCondition({ trait: 'a', op: 'in', value: 'sms' }, P);
    expect(missing.message).toContain('list');
    const [unknown] = validateCondition({ trait: 'a', op: 'equals', value: 1 }, P);
    expect(unknown.message).toContain('"equals"');
    expect(unknown.message).toContain('starts_with');
    const [window] = validateCondition({ event: 'a', within: '3 days' }, P);
    expect(window.message).toContain('PT2H');
  });

  it('validatePropertyFilters reports each filter by index', () => {
    expect(validatePropertyFilters([{ property: 'x', op: 'eq', value: 1 }, 'x'], '$.goal.where').map((i) => i.path)).toEqual([
      '$.goal.where[1]',
    ]);
  });
});
