/** Validation of `POST /v1/events` bodies: all items valid, or the whole batch is rejected. */
import { ApiError } from '../http/api-error.js';
import { Checker, isPlainObject, parseInstant } from '../http/validation.js';
import type { IncomingEvent } from './ingestion.service.js';

export const MAX_EVENTS_PER_BATCH = 500;
export const MAX_EVENT_ID_LENGTH = 200;
export const MAX_CUSTOMER_ID_LENGTH = 200;
export const MAX_PROPERTIES_BYTES = 16 * 1024;
export const EVENT_NAME = /^[A-Za-z0-9_.:-]{1,100}$/;

/** One invalid field of one event in a rejected batch. */
export interface BatchItemIssue {
  index: number;
  path: string;
  code: string;
  message: string;
}

/** Returns the batch's events, or throws the 400/413 ApiError describing every problem. */
export function parseEventBatch(body: unknown): IncomingEvent[] {
  if (!isPlainObject(body) || !Array.isArray(body.events)) {
    throw new ApiError(400, 'invalid_batch', 'The body must be a JSON object with an "events" array', {
      items: [],
      issues: [{ path: '$.events', code: 'required', message: '$.events must be an array of events' }],
    });
  }
  const events: unknown[] = body.events;
  if (events.length > MAX_EVENTS_PER_BATCH) {
    throw new ApiError(413, 'batch_too_large', `A batch holds at most ${MAX_EVENTS_PER_BATCH} events; this one has ${events.length}. Split it.`, {
      limit: MAX_EVENTS_PER_BATCH,
    });
  }
  if (events.length === 0) {
    throw new ApiError(400, 'invalid_batch', 'The batch is empty: send 1 to 500 events', {
      items: [],
      issues: [{ path: '$.events', code: 'empty', message: '$.events must hold at least one event' }],
    });
  }
  const items: BatchItemIssue[] = [];
  events.forEach((event, index) => {
    for (const issue of eventIssues(event, `$.events[${index}]`)) items.push({ index, ...issue });
  });
  if (items.length > 0) {
    const bad = new Set(items.map((i) => i.index)).size;
    throw new ApiError(400, 'invalid_batch', `${bad} of ${events.length} events are invalid; nothing was stored. Fix them and resend the batch.`, {
      items,
    });
  }
  return events.map((e) => {
    const event = e as IncomingEvent;
    return {
      eventId: event.eventId,
      customerId: event.customerId,
      name: event.name,
      eventTime: parseInstant(event.eventTime)!,
      ...(event.properties !== undefined ? { properties: event.properties } : {}),
    };
  });
}

function eventIssues(event: unknown, path: string) {
  const check = new Checker();
  if (!isPlainObject(event)) {
    check.fail(path, 'invalid_type', `${path} must be a JSON object`);
    return check.issues;
  }
  check.string(event.eventId, `${path}.eventId`, { max: MAX_EVENT_ID_LENGTH });
  check.string(event.customerId, `${path}.customerId`, { max: MAX_CUSTOMER_ID_LENGTH });
  check.string(event.name, `${path}.name`, {
    max: 100,
    pattern: EVENT_NAME,
    patternHint: 'may contain only letters, digits and _ . : - (1 to 100 characters)',
  });
  if (event.eventTime === undefined || event.eventTime === null) {
    check.fail(`${path}.eventTime`, 'required', `${path}.eventTime is required`);
  } else if (parseInstant(event.eventTime) === null) {
    check.fail(
      `${path}.eventTime`,
      'invalid_time',
      `${path}.eventTime must be an ISO 8601 date-time with an offset (2025-03-01T09:30:00+08:00) or epoch milliseconds`,
    );
  }
  check.object(event.properties, `${path}.properties`, { maxBytes: MAX_PROPERTIES_BYTES, optional: true });
  return check.issues;
}
