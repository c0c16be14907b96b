/** The OpenAPI schemas of the customer routes that answer a profile, an export or an erasure. */
import type { SchemaObject } from '../http/endpoint.js';
import { object, text, time } from '../http/schemas.js';

/** GET /v1/customers/:customerId (core/customers/profile.ts). */
export const PROFILE_SCHEMA: SchemaObject = object(['customerId', 'traits', 'maskedTraits', 'consent', 'identities', 'journeys', 'lastEvents', 'messages'], {
  customerId: text(),
  traits: { type: 'object', additionalProperties: true },
  maskedTraits: { type: 'array', items: text(), description: 'trait keys masked for the reader' },
  consent: {
    type: 'array',
    items: object(['channel', 'consented', 'optedOutAt', 'lastChange'], {
      channel: text(),
      consented: { type: 'boolean', nullable: true, description: 'null: never recorded (touches allowed)' },
      optedOutAt: text(true),
      lastChange: {
        ...object(['at', 'by', 'role', 'reason'], { at: time(), by: text(), role: text(), reason: text(true) }),
        nullable: true,
      },
    }),
  },
  identities: { type: 'array', items: object(['anonymousId', 'linkedAt', 'source'], { anonymousId: text(), linkedAt: time(), source: text() }) },
  journeys: {
    type: 'array',
    items: object(['enrollmentId', 'journeyId', 'journeyName', 'versionId', 'status', 'enrolledAt', 'currentNode', 'waitingUntil', 'movesOnAt'], {
      enrollmentId: text(),
      journeyId: text(),
      journeyName: text(),
      versionId: text(),
      status: text(),
      enrolledAt: time(),
      currentNode: text(true),
      waitingUntil: time(true),
      movesOnAt: { ...time(true), description: 'the next deadline: when the run moves on by itself' },
    }),
  },
  lastEvents: {
    type: 'array',
    items: object(['eventId', 'name', 'eventTime', 'receivedAt', 'properties'], {
      eventId: text(),
      name: text(),
      eventTime: time(),
      receivedAt: time(),
      properties: { type: 'object', additionalProperties: true },
    }),
  },
  messages: object(['total', 'byStatus'], { total: { type: 'integer' }, byStatus: { type: 'object', additionalProperties: { type: 'integer' } } }),
});

const rows: SchemaObject = { type: 'array', items: { type: 'object', additionalProperties: true } };

/** GET /v1/customers/:customerId/export (core/customers/data-requests.ts): the customer's rows of each table, as stored. */
export const EXPORT_SCHEMA: SchemaObject = object(
  ['customerId', 'exportedAt', 'profile', 'identities', 'events', 'segmentMemberships', 'enrollments', 'steps', 'refusals', 'messages', 'deliveryReports', 'recordedSends', 'crmTasks', 'audit'],
  {
    customerId: text(),
    exportedAt: time(),
    profile: { type: 'object', additionalProperties: true },
    ...Object.fromEntries(
      ['identities', 'events', 'segmentMemberships', 'enrollments', 'steps', 'refusals', 'messages', 'deliveryReports', 'recordedSends', 'crmTasks', 'audit'].map((k) => [k, rows]),
    ),
  },
);
