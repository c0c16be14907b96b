/** The OpenAPI schemas of event intake: one event, and the per-item answer of a batch. */
import { defineComponent, type SchemaObject } from '../http/endpoint.js';
import { EVENT_NAME, MAX_ANONYMOUS_ID_LENGTH, MAX_CUSTOMER_ID_LENGTH, MAX_EVENT_ID_LENGTH, MAX_EVENTS_PER_BATCH } from './event-batch.validation.js';

/** One event as a client sends it; in a batch each item is checked on its own (event-batch.validation.ts), so the request check takes any item. */
export const EVENT_REF = defineComponent('Event', {
  type: 'object',
  required: ['eventId', 'name', 'eventTime'],
  description: 'carries a customerId, an anonymousId (a device id), or both (docs/identity.md)',
  properties: {
    eventId: { type: 'string', minLength: 1, maxLength: MAX_EVENT_ID_LENGTH, description: 'the idempotency key' },
    customerId: { type: 'string', minLength: 1, maxLength: MAX_CUSTOMER_ID_LENGTH, pattern: '^(?!anon:)', description: 'required unless anonymousId is given; must not start with "anon:"' },
    anonymousId: { type: 'string', minLength: 1, maxLength: MAX_ANONYMOUS_ID_LENGTH, description: 'a device id; linked to customerId when both are given and it is not linked yet' },
    name: { type: 'string', pattern: EVENT_NAME.source },
    eventTime: {
      description: 'ISO 8601 with an offset, or epoch ms; from 1970-01-01 up to (not including) 9999-01-01, at most JE_MAX_EVENT_FUTURE_SKEW ahead',
      oneOf: [{ type: 'string', format: 'date-time' }, { type: 'integer', minimum: 0 }],
    },
    properties: { type: 'object', description: 'at most 16 KB as JSON' },
  },
}, {});

const ISSUE: SchemaObject = {
  type: 'object',
  required: ['path', 'code', 'message'],
  properties: { path: { type: 'string', example: '$.events[3].eventTime' }, code: { type: 'string' }, message: { type: 'string' } },
};

export const BATCH_RESULT: SchemaObject = {
  type: 'object',
  required: ['results'],
  properties: {
    results: {
      type: 'array',
      items: {
        type: 'object',
        required: ['eventId', 'status'],
        properties: {
          eventId: { type: 'string', nullable: true, description: 'null when a refused item has no usable eventId' },
          status: { type: 'string', enum: ['accepted', 'duplicate', 'rejected'] },
          dispatch: { type: 'string', enum: ['dispatched', 'pending'], description: 'accepted and duplicate items' },
          issues: { type: 'array', items: ISSUE, description: 'rejected items: every problem with its JSON path' },
        },
      },
    },
  },
};

/** The `events` array: 1 to 500 items in the document; the batch validation counts them (400 empty, 413 batch_too_large) and checks each. */
export const EVENT_ITEMS_REF = defineComponent(
  'EventBatchItems',
  {
    type: 'array',
    minItems: 1,
    maxItems: MAX_EVENTS_PER_BATCH,
    description: `1 to ${MAX_EVENTS_PER_BATCH} items (more: 413 batch_too_large); each should be an Event and is checked on its own`,
    // Any item: a bad one is refused on its own in the 202 (its result says why), never the batch.
    items: { description: `an Event (${EVENT_REF.$ref}); each is checked on its own` },
  },
  { type: 'array' },
);
