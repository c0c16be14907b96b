/** OpenAPI schemas of the monitoring answers (the shapes of core/monitoring/monitoring.ts and core/monitoring/stats-report.ts). */
import type { SchemaObject } from '../http/endpoint.js';

const COUNT: SchemaObject = { type: 'integer', minimum: 0 };
const RATE: SchemaObject = { type: 'number', nullable: true, description: 'converted / entered, 4 decimals; null when nobody entered' };
const COUNTS_BY_PORT: SchemaObject = { type: 'object', additionalProperties: COUNT };

const CONVERTED: SchemaObject = { ...COUNT, description: 'runs that reached the goal, those converted after they ended (settings.conversionWindow) included' };
const CONVERTED_AFTER_END: SchemaObject = { ...COUNT, description: 'of converted: runs whose goal event came after they ended, within the conversion window' };

const EXITS: SchemaObject = {
  type: 'array',
  description: 'endings by status (completed, converted, exited, failed) and reason, largest first',
  items: { type: 'object', properties: { status: { type: 'string' }, reason: { type: 'string', nullable: true }, count: COUNT } },
};

const NODE: SchemaObject = {
  type: 'object',
  properties: {
    nodeId: { type: 'string' },
    kind: { type: 'string', description: 'plan step kind: wait_duration, wait_until, wait_time_of_day, wait_for_event, condition, multi_split, random_split, action, exit' },
    label: { type: 'string', nullable: true },
    next: { type: 'object', additionalProperties: { type: 'string' }, description: 'port -> next node id' },
    passed: { ...COUNT, description: 'enrollments that reached the node' },
    waiting: { ...COUNT, description: 'live runs waiting here now' },
    inProgress: { ...COUNT, description: 'live runs here now, not waiting' },
    branches: { ...COUNTS_BY_PORT, nullable: true, description: 'decisions per port (branching nodes only)' },
  },
};

const ARM: SchemaObject = {
  type: 'object',
  properties: {
    key: { type: 'string' },
    weight: { type: 'number' },
    control: { type: 'boolean' },
    entered: COUNT,
    converted: CONVERTED,
    convertedAfterEnd: CONVERTED_AFTER_END,
    conversionRate: RATE,
    exits: EXITS,
  },
};

const DAY: SchemaObject = {
  type: 'object',
  properties: {
    date: { type: 'string', format: 'date' },
    entered: COUNT,
    converted: CONVERTED,
    convertedAfterEnd: CONVERTED_AFTER_END,
    exits: EXITS,
    nodes: { type: 'object', description: 'node id -> { passed, branches? }, nodes with activity only' },
    arms: { type: 'object', description: 'random split id -> arm -> { entered, converted }, arms with activity only' },
  },
};

export const STATS_SCHEMA: SchemaObject = {
  type: 'object',
  properties: {
    journeyId: { type: 'string' },
    version: { type: 'integer', nullable: true },
    versions: {
      type: 'array',
      items: { type: 'object', properties: { version: { type: 'integer' }, versionId: { type: 'string' }, active: { type: 'boolean' }, publishedAt: { type: 'string', format: 'date-time' } } },
    },
    window: { type: 'object', properties: { from: { type: 'string', nullable: true }, to: { type: 'string', nullable: true }, timeZone: { type: 'string' } } },
    totals: {
      type: 'object',
      properties: {
        entered: COUNT,
        converted: CONVERTED,
        convertedAfterEnd: CONVERTED_AFTER_END,
        conversionRate: RATE,
        exits: EXITS,
        pending: COUNT,
        waiting: COUNT,
        inProgress: COUNT,
      },
    },
    nodes: { type: 'array', items: NODE },
    randomSplits: {
      type: 'array',
      items: { type: 'object', properties: { nodeId: { type: 'string' }, label: { type: 'string', nullable: true }, arms: { type: 'array', items: ARM } } },
    },
    series: { type: 'array', items: DAY, description: 'one entry per local day of the range' },
  },
};

const NULLABLE_TIME: SchemaObject = { type: 'string', format: 'date-time', nullable: true };

export const ENROLLMENT_ITEM_SCHEMA: SchemaObject = {
  type: 'object',
  properties: {
    enrollmentId: { type: 'string' },
    customerId: { type: 'string' },
    version: { type: 'integer' },
    versionId: { type: 'string' },
    status: { type: 'string' },
    currentNode: { type: 'string', nullable: true, description: 'where a live run is (last reported), or where an ended run ended' },
    waitingUntil: { ...NULLABLE_TIME, description: "the wait's nominal end" },
    movesOnAt: { ...NULLABLE_TIME, description: 'when the run will actually move on: a wait for an event also listens for the late-event grace after its end' },
    enrolledAt: { type: 'string', format: 'date-time' },
    endedAt: NULLABLE_TIME,
    exitReason: { type: 'string', nullable: true },
  },
};
