/**
 * JSON Schema (draft 2020-12) of the segment rule language, as a TypeScript value, and the vocabulary
 * the validator shares with it. `segment-rule.schema.json` is written from this constant and is the
 * published copy; schema.test.ts fails when the two differ. The validator (validate.ts) checks the
 * same shape by hand, for path-located messages, plus what a schema cannot say (dates that parse,
 * durations without years, `order` containing the value).
 */
import type { ComparisonOp } from './types.js';

/** Trait and property paths: dot-separated identifiers; segments after the first may be array indexes. */
export const NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_]*(\\.([A-Za-z_][A-Za-z0-9_]*|[0-9]+))*$';
/** Segment keys as stored in `segments.key`. */
export const SEGMENT_KEY_PATTERN = '^[A-Za-z0-9_][A-Za-z0-9_.:-]*$';
/** ISO 8601 date or date-time; the validator parses it fully. */
export const ISO_TIME_PATTERN = '^\\d{4}-\\d{2}-\\d{2}($|T)';
/** Longest trait path, property path, event name or segment key. */
export const MAX_NAME_LENGTH = 200;
/** Deepest nesting of and/or/not, so compiled SQL stays readable by the planner. */
export const MAX_DEPTH = 32;
/** Most values in an `in` / `not_in` list or an `order`. */
export const MAX_LIST_LENGTH = 1000;

/** The operators, in the order shown in messages. */
export const COMPARISON_OPS: readonly ComparisonOp[] = [
  'eq', 'neq', 'in', 'not_in', 'gt', 'gte', 'lt', 'lte', 'between', 'within_last', 'exists', 'not_exists', 'contains', 'starts_with',
];
/** Operators without a value. */
export const VALUELESS_OPS: readonly ComparisonOp[] = ['exists', 'not_exists'];
/** Operators whose value is a list. */
export const LIST_OPS: readonly ComparisonOp[] = ['in', 'not_in'];
/** Operators on an order: numbers, times, or members of `order`. */
export const ORDERED_OPS: readonly ComparisonOp[] = ['gt', 'gte', 'lt', 'lte', 'between'];
/** The rule kinds, each named by its one identifying key. */
export const RULE_KINDS = ['and', 'or', 'not', 'trait', 'event', 'segment'] as const;
/** The rule kinds of a journey condition: a segment rule's, plus `entry` fields. */
export const JOURNEY_RULE_KINDS = [...RULE_KINDS, 'entry'] as const;
/** Keys an event rule may carry besides `event`. */
export const EVENT_RULE_KEYS = ['where', 'count', 'within', 'after_event', 'first', 'last'] as const;

const ref = (name: string) => ({ $ref: `#/$defs/${name}` });
const opIs = (ops: readonly string[]) => ({ properties: { op: { enum: [...ops] } }, required: ['op'] });

/** The per-operator rules on `value` and `order`, shared by traits and property filters. */
const comparisonRules = [
  { if: opIs(VALUELESS_OPS), then: { not: { anyOf: [{ required: ['value'] }, { required: ['order'] }] } }, else: { required: ['value'] } },
  { if: opIs(LIST_OPS), then: { properties: { value: { type: 'array', minItems: 1, maxItems: MAX_LIST_LENGTH } } } },
  { if: opIs(['gt', 'gte', 'lt', 'lte']), then: { properties: { value: ref('orderedValue') } } },
  { if: opIs(['between']), then: { properties: { value: { type: 'array', minItems: 2, maxItems: 2, items: ref('orderedValue') } } } },
  { if: opIs(['within_last']), then: { properties: { value: ref('duration') } } },
  { if: opIs(['starts_with']), then: { properties: { value: { type: 'string', minLength: 1 } } } },
  { if: opIs(['contains']), then: { properties: { value: { anyOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }] } } } },
  { if: { required: ['order'] }, then: opIs(ORDERED_OPS) },
];

const comparisonProperties = {
  op: { enum: [...COMPARISON_OPS] },
  value: { description: 'The operand; its shape depends on op (docs/segments.md).' },
  order: {
    type: 'array',
    minItems: 2,
    maxItems: MAX_LIST_LENGTH,
    uniqueItems: true,
    items: { type: 'string', minLength: 1 },
    description: 'Ordered enumeration, lowest first, e.g. ["C1","C2","C3","C4","C5"]: gt/gte/lt/lte/between compare positions.',
  },
};

const group = (key: string, description: string) => ({
  type: 'object',
  description,
  required: [key],
  additionalProperties: false,
  properties: { [key]: { type: 'array', minItems: 1, items: ref('rule') } },
});

const exclusive = (a: string, b: string) => ({ description: `"${a}" and "${b}" cannot be combined`, not: { required: [a, b] } });

/** The rule language's JSON Schema; with `entry`, the journey-condition form canvases use. */
function ruleLanguageSchema(form: { id: string; title: string; description: string; withEntry: boolean }) {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: form.id,
    title: form.title,
    description: form.description,
    $ref: '#/$defs/rule',
    $defs: {
      rule: { oneOf: (form.withEntry ? JOURNEY_RULE_KINDS : RULE_KINDS).map((kind) => ref(kind)) },
      ...(form.withEntry
        ? {
            entry: {
              type: 'object',
              description: "A field of the journey's entry payload (trigger event properties or API payload) compared with a value.",
              required: ['entry', 'op'],
              additionalProperties: false,
              properties: { entry: ref('path'), ...comparisonProperties },
              allOf: comparisonRules,
            },
          }
        : {}),
      and: group('and', 'Every child rule holds.'),
      or: group('or', 'At least one child rule holds.'),
      not: {
        type: 'object',
        description: 'The child rule does not hold.',
        required: ['not'],
        additionalProperties: false,
        properties: { not: ref('rule') },
      },
      segment: {
        type: 'object',
        description: 'Membership of another segment.',
        required: ['segment'],
        additionalProperties: false,
        properties: { segment: { type: 'string', pattern: SEGMENT_KEY_PATTERN, maxLength: MAX_NAME_LENGTH } },
      },
      trait: {
        type: 'object',
        description: 'A profile trait compared with a value.',
        required: ['trait', 'op'],
        additionalProperties: false,
        properties: { trait: ref('path'), ...comparisonProperties },
        allOf: comparisonRules,
      },
      propertyFilter: {
        type: 'object',
        description: 'An event property compared with a value.',
        required: ['property', 'op'],
        additionalProperties: false,
        properties: { property: ref('path'), ...comparisonProperties },
        allOf: comparisonRules,
      },
      where: { type: 'array', items: ref('propertyFilter') },
      event: {
        type: 'object',
        description: 'Event history: how often (count, within, after_event) or when (first, last) the customer performed an event.',
        required: ['event'],
        additionalProperties: false,
        properties: {
          event: ref('eventName'),
          where: ref('where'),
          count: ref('count'),
          within: ref('duration'),
          after_event: ref('afterEvent'),
          first: ref('timeRange'),
          last: ref('timeRange'),
        },
        allOf: [
          exclusive('within', 'after_event'),
          exclusive('first', 'last'),
          ...['count', 'within', 'after_event'].flatMap((key) => [exclusive('first', key), exclusive('last', key)]),
        ],
      },
      afterEvent: {
        type: 'object',
        description: 'Counts only events after the first or last occurrence of another event, optionally within a duration of it.',
        required: ['event'],
        additionalProperties: false,
        properties: {
          event: ref('eventName'),
          where: ref('where'),
          occurrence: { enum: ['first', 'last'] },
          within: ref('duration'),
        },
      },
      count: {
        type: 'object',
        description: 'gte: at least; lte: at most. Absent: at least once.',
        minProperties: 1,
        additionalProperties: false,
        properties: { gte: { type: 'integer', minimum: 0 }, lte: { type: 'integer', minimum: 0 } },
      },
      timeRange: {
        type: 'object',
        description: 'before: strictly earlier than; after: strictly later than.',
        minProperties: 1,
        additionalProperties: false,
        properties: { before: ref('time'), after: ref('time') },
      },
      orderedValue: { anyOf: [{ type: 'number' }, ref('time'), { type: 'string', minLength: 1 }] },
      time: {
        oneOf: [
          { type: 'string', pattern: ISO_TIME_PATTERN, description: 'ISO 8601 date or date-time; without an offset it is UTC.' },
          { type: 'object', required: ['ago'], additionalProperties: false, properties: { ago: ref('duration') } },
          { type: 'object', required: ['ahead'], additionalProperties: false, properties: { ahead: ref('duration') } },
        ],
      },
      duration: {
        type: 'string',
        format: 'duration',
        description: 'ISO 8601 duration in weeks, days, hours, minutes, seconds (PT2H, P7D); a day is 24 hours; no years or months.',
      },
      path: {
        type: 'string',
        pattern: NAME_PATTERN,
        maxLength: MAX_NAME_LENGTH,
        description: 'Dot path, e.g. address.city or tokens.0.',
      },
      eventName: { type: 'string', pattern: '\\S', maxLength: MAX_NAME_LENGTH, description: 'Event name as ingested; any non-blank text.' },
    },
  } as const;
}

export const SEGMENT_RULE_JSON_SCHEMA = ruleLanguageSchema({
  id: 'https://journey-engine.dev/schemas/segment-rule-v1.schema.json',
  title: 'Segment rule',
  description: 'A set of customers described by profile traits and event history. See docs/segments.md.',
  withEntry: false,
});

/** The same language with `entry` fields: conditions of a canvas (format 2). Embedded in the canvas schema. */
export const JOURNEY_CONDITION_JSON_SCHEMA = ruleLanguageSchema({
  id: 'https://journey-engine.dev/schemas/journey-condition-v2.schema.json',
  title: 'Journey condition',
  description: 'A segment rule that may also compare fields of the entry payload (entry). See docs/canvas.md#conditions.',
  withEntry: true,
});
