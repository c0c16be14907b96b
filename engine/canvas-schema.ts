/**
 * JSON Schema (draft 2020-12) of the canvas format 2, as a TypeScript value.
 * `engine/canvas.schema.json` is written from this constant and is the normative, published copy;
 * canvas-schema.test.ts fails when the two differ. Conditions are typed loosely here (`object`):
 * `validateCondition` checks them in depth. Action params are checked against each action's own
 * params schema (engine/actions.ts).
 *
 * Each node type's definition comes from its kind in the registry (engine/nodes/).
 *
 * Custom formats (`duration`, `time-of-day`, `time-zone`, `date-time`) are enforced by the validator
 * with the engine's own parsers; generic tools treat them as annotations.
 */

import { NODE_KINDS } from './nodes/index.js';
import { JOURNEY_CONDITION_JSON_SCHEMA } from './segments/schema.js';
import { ref } from './nodes/kind.js';

const NODE_TYPES: string[] = NODE_KINDS.map((k) => k.type);

/** The journey-condition language's definitions, copied in under this prefix (one self-contained document for any tool). */
const CONDITION_DEF_PREFIX = 'condition.';

function conditionDefs(): Record<string, unknown> {
  const rename = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(rename);
    if (value === null || typeof value !== 'object') return value;
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, k === '$ref' && typeof v === 'string' ? v.replace('#/$defs/', `#/$defs/${CONDITION_DEF_PREFIX}`) : rename(v)]),
    );
  };
  return Object.fromEntries(Object.entries(JOURNEY_CONDITION_JSON_SCHEMA.$defs).map(([name, def]) => [`${CONDITION_DEF_PREFIX}${name}`, rename(def)]));
}

export const CANVAS_JSON_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://journey-engine.dev/schemas/canvas-v2.schema.json',
  title: 'Journey canvas, schema version 2',
  description: 'A customer journey as authored by marketing ops: a trigger node, a graph of nodes and edges, journey settings, a goal and exit criteria. See docs/canvas.md.',
  type: 'object',
  required: ['schemaVersion', 'name', 'nodes', 'edges'],
  additionalProperties: false,
  properties: {
    $schema: { type: 'string', description: 'Optional link to this schema, for editors.' },
    schemaVersion: { const: 2, description: 'Canvas format version. The engine also accepts format 1 and upgrades it (docs/canvas.md#format-1).' },
    name: { type: 'string', minLength: 1 },
    description: { type: 'string' },
    settings: ref('settings'),
    goal: ref('goal'),
    exitCriteria: { type: 'array', items: ref('exitCriterion') },
    nodes: { type: 'array', items: ref('node') },
    edges: { type: 'array', items: ref('edge') },
  },
  $defs: {
    id: { type: 'string', minLength: 1, description: 'Identifier, unique within its list.' },
    eventName: { type: 'string', minLength: 1 },
    duration: {
      type: 'string',
      format: 'duration',
      description: 'ISO 8601 duration in weeks, days, hours, minutes, seconds (PT2H, P3D, P1DT12H). Days are 24 hours of elapsed time; years and months are not allowed.',
    },
    timeZone: { type: 'string', format: 'time-zone', description: 'IANA time zone, e.g. Asia/Shanghai.' },
    weekday: { enum: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] },
    conditionExpr: {
      ...ref(`${CONDITION_DEF_PREFIX}rule`),
      description: 'A journey condition: the segment rule language (and/or/not, trait, event, segment) plus entry fields; see docs/canvas.md#conditions.',
    },
    ...conditionDefs(),
    where: {
      ...ref(`${CONDITION_DEF_PREFIX}where`),
      description: "Event property filters, as in the rule language's event rules (every filter must hold); see docs/canvas.md#event-filters.",
    },
    settings: {
      type: 'object',
      additionalProperties: false,
      properties: {
        timeZone: { ...ref('timeZone'), description: 'Zone used when the customer profile has no timeZone trait.' },
        reentry: ref('reentry'),
        entryLimit: {
          type: 'integer',
          minimum: 1,
          maximum: 1_000_000_000,
          description: 'At most this many enrollments in the journey, all versions together; later entries are refused and recorded (entry_limit).',
        },
        conversionWindow: {
          ...ref('duration'),
          description: 'How long after a run ended without reaching the goal a goal event still counts as its conversion in the statistics (e.g. P14D). Needs a goal.',
        },
        quietHours: {
          type: 'object',
          description:
            'Local hours per action (sms, push, ...) when marketing touches are held back; a send inside them waits for the end, in the customer\'s time zone.',
          propertyNames: { pattern: '^[a-z][a-z0-9_]*$' },
          additionalProperties: {
            type: 'object',
            required: ['start', 'end'],
            additionalProperties: false,
            properties: {
              start: { type: 'string', format: 'time-of-day', description: 'Local "HH:MM" when the quiet hours begin.' },
              end: { type: 'string', format: 'time-of-day', description: 'Local "HH:MM" when sending may resume; may be earlier than start (overnight).' },
            },
          },
        },
      },
    },
    reentry: {
      type: 'object',
      description: 'Whether a customer may enter again: once (never), after_exit (once the previous run ended), or cooldown (a duration after the previous entry).',
      required: ['policy'],
      additionalProperties: false,
      properties: { policy: { enum: ['once', 'after_exit', 'cooldown'] }, cooldown: ref('duration') },
      allOf: [
        {
          if: { properties: { policy: { const: 'cooldown' } }, required: ['policy'] },
          then: { required: ['cooldown'] },
          else: { description: '"cooldown" is only allowed with policy "cooldown"', not: { required: ['cooldown'] } },
        },
      ],
    },
    goal: {
      type: 'object',
      required: ['event'],
      additionalProperties: false,
      properties: { event: ref('eventName'), where: ref('where') },
    },
    exitCriterion: {
      type: 'object',
      required: ['id', 'reason'],
      additionalProperties: false,
      properties: {
        id: ref('id'),
        event: ref('eventName'),
        where: ref('where'),
        condition: ref('conditionExpr'),
        reason: { type: 'string', minLength: 1 },
      },
      dependentRequired: { where: ['event'] },
      allOf: [
        {
          description: 'An exit criterion needs exactly one of "event" or "condition"',
          oneOf: [{ required: ['event'] }, { required: ['condition'] }],
        },
      ],
    },
    edge: {
      type: 'object',
      required: ['from', 'to'],
      additionalProperties: false,
      properties: {
        from: ref('id'),
        to: ref('id'),
        port: { type: 'string', minLength: 1, description: 'Exit port of the source node; defaults to "next".' },
      },
    },
    node: {
      type: 'object',
      required: ['id', 'type'],
      properties: { id: ref('id'), type: { enum: [...NODE_TYPES] } },
      allOf: NODE_TYPES.map((type) => ({
        if: { properties: { type: { const: type } }, required: ['type'] },
        then: ref(type),
      })),
    },
    ...Object.assign({}, ...NODE_KINDS.map((k) => k.schema)),
    portKey: { type: 'string', minLength: 1, pattern: '^[A-Za-z0-9_-]+$' },
  },
} as const;

/**
 * What the validator checks documents against: the published schema with conditions and `where`
 * filters typed loosely (`object`, `array`), because the rule language's validator checks them in
 * depth with better messages and paths.
 */
export const CANVAS_VALIDATION_SCHEMA = {
  ...CANVAS_JSON_SCHEMA,
  $defs: {
    ...Object.fromEntries(Object.entries(CANVAS_JSON_SCHEMA.$defs).filter(([name]) => !name.startsWith(CONDITION_DEF_PREFIX))),
    conditionExpr: { type: 'object', description: CANVAS_JSON_SCHEMA.$defs.conditionExpr.description },
    where: { type: 'array', description: CANVAS_JSON_SCHEMA.$defs.where.description },
  },
};

/** The node types the schema knows, in document order. */
export const CANVAS_NODE_TYPES: readonly string[] = NODE_TYPES;
