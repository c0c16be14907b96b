import { describe, expect, test } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { SEGMENT_ERROR_CODES, SEGMENT_RULE_JSON_SCHEMA, validateSegmentRule } from './index.js';

const SCHEMA_FILE = new URL('./segment-rule.schema.json', import.meta.url);
const serialized = `${JSON.stringify(SEGMENT_RULE_JSON_SCHEMA, null, 2)}\n`;
// Generic tools: the engine's duration rules (no years or months) are the validator's job.
const schemaValidate = new Ajv2020({ strict: true, strictRequired: false, validateFormats: false, allErrors: true }).compile(SEGMENT_RULE_JSON_SCHEMA);

const ORDER = ['C1', 'C2', 'C3', 'C4', 'C5'];

/** Rules that are valid; the schema accepts them too. */
const VALID: [string, unknown][] = [
  ['trait eq', { trait: 'city', op: 'eq', value: 'Shanghai' }],
  ['nested path and array index', { trait: 'address.lines.0', op: 'exists' }],
  ['in', { trait: 'risk_level', op: 'in', value: ['C3', 'C4'] }],
  ['rank', { trait: 'risk_level', op: 'gte', value: 'C3', order: ORDER }],
  ['rank between', { trait: 'risk_level', op: 'between', value: ['C2', 'C4'], order: ORDER }],
  ['numeric between', { trait: 'assets', op: 'between', value: [0, 100] }],
  ['date range', { trait: 'registered_at', op: 'between', value: ['2025-01-01', { ago: 'P1D' }] }],
  ['relative date', { trait: 'next_review', op: 'lt', value: { ahead: 'P7D' } }],
  ['within_last', { trait: 'registered_at', op: 'within_last', value: 'P7D' }],
  ['contains', { trait: 'tags', op: 'contains', value: 'vip' }],
  ['the headline segment', {
    and: [
      { trait: 'registered_at', op: 'within_last', value: 'P7D' },
      { not: { event: 'account_opened' } },
      { trait: 'risk_level', op: 'gte', value: 'C3', order: ORDER },
      { event: 'page_viewed', where: [{ property: 'page', op: 'eq', value: 'fund' }], count: { gte: 3 } },
    ],
  }],
  ['after_event', { event: 'account_opened', count: { lte: 0 }, after_event: { event: 'registered', within: 'P3D', occurrence: 'first' } }],
  ['first/last', { or: [{ event: 'login', last: { before: { ago: 'P30D' } } }, { event: 'trade', first: { after: '2025-01-01T00:00:00+08:00' } }] }],
  ['segment reference', { not: { segment: 'vip.customers:2025' } }],
];

/** Invalid rules and exactly the issues (code at path) they produce. */
const INVALID: [string, unknown, [string, string][]][] = [
  ['not an object', 'vip', [['invalid_rule', '$']]],
  ['no kind', { op: 'eq' }, [['invalid_rule', '$']]],
  ['two kinds', { trait: 'a', event: 'b', op: 'exists' }, [['invalid_rule', '$']]],
  ['unknown key', { trait: 'a', op: 'exists', within: 'P1D' }, [['unknown_key', '$.within']]],
  ['empty and', { and: [] }, [['empty_group', '$.and']]],
  ['or not a list', { or: { trait: 'a', op: 'exists' } }, [['invalid_rule', '$.or']]],
  ['hostile trait name', { trait: `x'); DROP TABLE customers;--`, op: 'eq', value: 1 }, [['invalid_name', '$.trait']]],
  ['path with an empty segment', { trait: 'a..b', op: 'exists' }, [['invalid_name', '$.trait']]],
  ['path starting with a digit', { trait: '0abc', op: 'exists' }, [['invalid_name', '$.trait']]],
  ['hostile property name deep inside', { and: [{ trait: 'a', op: 'exists' }, { trait: 'b', op: 'exists' }, { event: 'v', where: [{ property: 'p"; --', op: 'eq', value: 1 }] }] }, [['invalid_name', '$.and[2].where[0].property']]],
  ['hostile segment key', { segment: `a' OR 1=1` }, [['invalid_segment_key', '$.segment']]],
  ['empty event name', { event: ' ' }, [['invalid_event_name', '$.event']]],
  ['unknown operator', { trait: 'a', op: 'like', value: '%' }, [['unknown_operator', '$.op']]],
  ['missing operator', { trait: 'a' }, [['unknown_operator', '$.op']]],
  ['missing value', { trait: 'a', op: 'gt' }, [['missing_value', '$.value']]],
  ['value on exists', { trait: 'a', op: 'exists', value: true }, [['invalid_value', '$.value']]],
  ['in without a list', { trait: 'a', op: 'in', value: 'C3' }, [['invalid_value', '$.value']]],
  ['empty in list', { trait: 'a', op: 'not_in', value: [] }, [['invalid_value', '$.value']]],
  ['text ranking without order', { trait: 'risk_level', op: 'gte', value: 'C3' }, [['invalid_value', '$.value']]],
  ['number against date', { trait: 'a', op: 'between', value: [1, { ago: 'P1D' }] }, [['invalid_value', '$.value']]],
  ['between not a pair', { trait: 'a', op: 'between', value: [1] }, [['invalid_value', '$.value']]],
  ['between reversed', { trait: 'a', op: 'between', value: [10, 1] }, [['invalid_value', '$.value']]],
  ['value not in order', { trait: 'risk_level', op: 'gte', value: 'C9', order: ORDER }, [['invalid_order', '$.value']]],
  ['between end not in order', { trait: 'risk_level', op: 'between', value: ['C1', 'C9'], order: ORDER }, [['invalid_order', '$.value[1]']]],
  ['order with duplicates', { trait: 'risk_level', op: 'gte', value: 'C1', order: ['C1', 'C1'] }, [['invalid_order', '$.order']]],
  ['order on eq', { trait: 'risk_level', op: 'eq', value: 'C1', order: ORDER }, [['invalid_order', '$.order']]],
  ['starts_with a number', { trait: 'a', op: 'starts_with', value: 1 }, [['invalid_value', '$.value']]],
  ['contains an object', { trait: 'a', op: 'contains', value: { x: 1 } }, [['invalid_value', '$.value']]],
  ['bad date', { trait: 'a', op: 'gt', value: '2025-02-30' }, [['invalid_date', '$.value']]],
  ['bad relative time', { trait: 'a', op: 'lt', value: { since: 'P1D' } }, [['invalid_date', '$.value']]],
  ['within_last in months', { trait: 'a', op: 'within_last', value: 'P1M' }, [['invalid_duration', '$.value']]],
  ['ago of zero', { trait: 'a', op: 'gt', value: { ago: 'PT0S' } }, [['invalid_duration', '$.value.ago']]],
  ['within not a duration', { event: 'e', within: '7 days' }, [['invalid_duration', '$.within']]],
  ['negative count', { event: 'e', count: { gte: -1 } }, [['invalid_count', '$.count.gte']]],
  ['fractional count', { event: 'e', count: { lte: 1.5 } }, [['invalid_count', '$.count.lte']]],
  ['empty count', { event: 'e', count: {} }, [['invalid_count', '$.count']]],
  ['at least 0 always holds', { event: 'e', count: { gte: 0 } }, [['invalid_count', '$.count']]],
  ['impossible count', { event: 'e', count: { gte: 3, lte: 2 } }, [['invalid_count', '$.count']]],
  ['unknown count bound', { event: 'e', count: { eq: 2 } }, [['unknown_key', '$.count.eq'], ['invalid_count', '$.count']]],
  ['within and after_event', { event: 'e', within: 'P1D', after_event: { event: 'a' } }, [['conflicting_options', '$.after_event']]],
  ['first with count', { event: 'e', count: { gte: 2 }, first: { before: '2025-01-01' } }, [['conflicting_options', '$.count']]],
  ['first and last', { event: 'e', first: { before: '2025-01-01' }, last: { after: '2025-01-01' } }, [['conflicting_options', '$.last']]],
  ['empty time range', { event: 'e', last: {} }, [['invalid_time_range', '$.last']]],
  ['bad occurrence', { event: 'e', after_event: { event: 'a', occurrence: 'middle' } }, [['invalid_value', '$.after_event.occurrence']]],
  ['several problems at once', { and: [{ trait: 'a b', op: 'eq', value: 1 }, { event: 'e', within: 'P1Y', count: { gte: 1.5 } }] }, [
    ['invalid_name', '$.and[0].trait'],
    ['invalid_count', '$.and[1].count.gte'],
    ['invalid_duration', '$.and[1].within'],
  ]],
];

describe('validateSegmentRule', () => {
  test.each(VALID)('accepts %s (and so does the JSON Schema)', (_name, rule) => {
    expect(validateSegmentRule(rule)).toEqual({ ok: true, rule });
    expect(schemaValidate(rule)).toBe(true);
  });

  test.each(INVALID)('rejects %s with the exact codes and paths', (_name, rule, expected) => {
    const result = validateSegmentRule(rule);
    expect(result.ok).toBe(false);
    const issues = result.ok ? [] : result.errors;
    expect(issues.map((i) => [i.code, i.path]).sort()).toEqual([...expected].sort());
    for (const issue of issues) {
      expect(SEGMENT_ERROR_CODES).toContain(issue.code);
      expect(issue.message.length).toBeGreaterThan(10);
    }
  });

  /** What only the validator can see: parsed dates and durations, order membership, arithmetic on bounds. */
  const VALIDATOR_ONLY = [
    'text ranking without order', 'number against date', 'between reversed', 'value not in order', 'between end not in order',
    'bad date', 'within_last in months', 'ago of zero', 'within not a duration', 'at least 0 always holds', 'impossible count',
    'several problems at once',
  ];
  test.each(INVALID.filter(([name]) => !VALIDATOR_ONLY.includes(name)))(
    'the JSON Schema also rejects %s',
    (_name, rule) => {
      expect(schemaValidate(rule)).toBe(false);
    },
  );

  test('nesting deeper than the limit is refused', () => {
    let rule: unknown = { trait: 'a', op: 'exists' };
    for (let i = 0; i < 40; i++) rule = { not: rule };
    const result = validateSegmentRule(rule);
    expect(result.ok ? [] : result.errors.map((e) => e.code)).toEqual(['too_deep']);
  });

  describe('with a resolver: references exist and form no loop', () => {
    const stored: Record<string, unknown> = {
      a: { segment: 'b' },
      b: { and: [{ trait: 'x', op: 'exists' }, { segment: 'a' }] },
      ok: { trait: 'x', op: 'exists' },
      bad: { trait: 'x', op: 'nope' },
    };
    const resolve = (key: string) => stored[key];
    test.each([
      ['a loop through other segments', { or: [{ segment: 'ok' }, { segment: 'a' }] }, undefined, [['segment_cycle', '$.or[1].segment']]],
      ['a reference back to itself', { segment: 'ok' }, 'ok', [['segment_cycle', '$.segment']]],
      ['an unknown segment', { not: { segment: 'missing' } }, undefined, [['unknown_segment', '$.not.segment']]],
      ['an invalid referenced segment', { segment: 'bad' }, undefined, [['unknown_operator', '$.segment']]],
    ] as const)('reports %s', (_name, rule, key, expected) => {
      const result = validateSegmentRule(rule, { resolve, key });
      expect(result.ok ? [] : result.errors.map((e) => [e.code, e.path])).toEqual(expected);
    });
    test('valid references pass', () => {
      expect(validateSegmentRule({ segment: 'ok' }, { resolve, key: 'new' }).ok).toBe(true);
    });
  });
});

describe('segment-rule.schema.json', () => {
  test('is the published copy of SEGMENT_RULE_JSON_SCHEMA (regenerate with JE_UPDATE_SCHEMA=1)', () => {
    if (process.env.JE_UPDATE_SCHEMA === '1') writeFileSync(SCHEMA_FILE, serialized);
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(serialized);
  });
});
