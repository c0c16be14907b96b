/**
 * Validation of `POST /v1/events` bodies: the batch's shape (an `events` array of 1 to 500) or the
 * whole request is refused; then each item on its own: a bad item is refused with its issues, the
 * others go on to be stored.
 */
import { ApiError } from '../http/api-error.js';
import { unstorableStrings } from '../http/string-safety.js';
import { Checker, isPlainObject, parseInstant } from '../http/validation.js';
import type { IncomingEvent } from './ingestion.service.js';

export const MAX_EVENTS_PER_BATCH = 500;
export const MAX_EVENT_ID_LENGTH = 200;
export const MAX_CUSTOMER_ID_LENGTH = 200;
export const MAX_ANONYMOUS_ID_LENGTH = 200;
/** Customer ids may not start with `anon:`: that prefix keys an unlinked anonymous id's events (docs/identity.md). */
const CUSTOMER_ID = /^(?!anon:)/;

/** Checks a customer id (string, length, not the reserved `anon:` prefix); answers whether it is valid. */
export function checkCustomerId(check: Checker, value: unknown, path: string, optional = false): value is string {
  return check.string(value, path, { max: MAX_CUSTOMER_ID_LENGTH, pattern: CUSTOMER_ID, patternHint: 'must not start with "anon:" (reserved for anonymous ids)', optional });
}
export const MAX_PROPERTIES_BYTES = 16 * 1024;
export const EVENT_NAME = /^[A-Za-z0-9_.:-]{1,100}$/;
/** Earliest event time accepted: the Unix epoch (epoch-ms numbers are never negative either). */
export const MIN_EVENT_TIME_MS = Date.UTC(1970, 0, 1);
/**
 * Event times must be before this instant (9999-01-01T00:00:00Z): far inside what both PostgreSQL
 * (294276 AD) and JavaScript (275760 AD) hold, so waits computed from an event time cannot overflow.
 */
export const END_OF_EVENT_TIME_MS = Date.UTC(9999, 0, 1);
/** JE_MAX_EVENT_FUTURE_SKEW's default (PT5M), used when the caller gives no bound. */
export const DEFAULT_MAX_EVENT_FUTURE_SKEW_MS = 5 * 60_000;

/** The clock event times are checked against. */
export interface EventTimeLimits {
  /** The server clock, epoch ms. */
  now: number;
  /** How far past `now` an event time may be (JE_MAX_EVENT_FUTURE_SKEW). */
  maxFutureSkewMs: number;
}

/** One invalid field of one event. */
export interface ItemIssue {
  path: string;
  code: string;
  message: string;
}

/** A valid item, with its place in the batch. */
export interface BatchEvent extends IncomingEvent {
  index: number;
  eventTime: number;
}

/** An item refused on its own: its place, its id when it has a usable one, and every problem with its JSON path. */
export interface RejectedItem {
  index: number;
  eventId: string | null;
  issues: ItemIssue[];
}

export interface EventBatch {
  events: BatchEvent[];
  rejected: RejectedItem[];
}

/** Sorts a batch into valid and refused items; throws the 400/413 ApiError when the batch itself is malformed. */
export function parseEventBatch(body: unknown, limits: Partial<EventTimeLimits> = {}): EventBatch {
  const clock: EventTimeLimits = { now: limits.now ?? Date.now(), maxFutureSkewMs: limits.maxFutureSkewMs ?? DEFAULT_MAX_EVENT_FUTURE_SKEW_MS };
  if (!isPlainObject(body) || !Array.isArray(body.events)) {
    throw new ApiError(400, 'invalid_batch', 'The body must be a JSON object with an "events" array', {
      issues: [{ path: '$.events', code: 'required', message: '$.events must be an array of events' }],
    });
  }
  const items: unknown[] = body.events;
  if (items.length > MAX_EVENTS_PER_BATCH) {
    throw new ApiError(413, 'batch_too_large', `A batch holds at most ${MAX_EVENTS_PER_BATCH} events; this one has ${items.length}. Split it.`, {
      limit: MAX_EVENTS_PER_BATCH,
    });
  }
  if (items.length === 0) {
    throw new ApiError(400, 'invalid_batch', 'The batch is empty: send 1 to 500 events', {
      issues: [{ path: '$.events', code: 'empty', message: '$.events must hold at least one event' }],
    });
  }
  const batch: EventBatch = { events: [], rejected: [] };
  items.forEach((item, index) => {
    const issues = eventIssues(item, `$.events[${index}]`, clock);
    if (issues.length > 0) {
      const id = isPlainObject(item) ? item.eventId : undefined;
      batch.rejected.push({ index, eventId: typeof id === 'string' && !issues.some((i) => i.path.endsWith('.eventId')) ? id : null, issues });
      return;
    }
    const event = item as IncomingEvent;
    batch.events.push({
      index,
      eventId: event.eventId,
      ...(event.customerId !== undefined ? { customerId: event.customerId } : {}),
      ...(event.anonymousId !== undefined ? { anonymousId: event.anonymousId } : {}),
      name: event.name,
      eventTime: parseInstant(event.eventTime)!,
      ...(event.properties !== undefined ? { properties: event.properties } : {}),
    });
  });
  return batch;
}

function eventIssues(event: unknown, path: string, clock: EventTimeLimits): ItemIssue[] {
  const check = new Checker();
  if (!isPlainObject(event)) {
    check.fail(path, 'invalid_type', `${path} must be a JSON object`);
    return check.issues;
  }
  // Strings PostgreSQL cannot store (keys included), here rather than in the global walk so the item is reported with its index.
  check.issues.push(...unstorableStrings(event, path));
  check.string(event.eventId, `${path}.eventId`, { max: MAX_EVENT_ID_LENGTH });
  // A customer id, an anonymous id, or both (docs/identity.md).
  const anonymous = check.string(event.anonymousId, `${path}.anonymousId`, { max: MAX_ANONYMOUS_ID_LENGTH, optional: true });
  const issuesBefore = check.issues.length;
  checkCustomerId(check, event.customerId, `${path}.customerId`, anonymous || event.anonymousId !== undefined);
  if (event.customerId === undefined && check.issues.length > issuesBefore) {
    check.issues[check.issues.length - 1].message = `${path}.customerId or ${path}.anonymousId is required`;
  }
  check.string(event.name, `${path}.name`, {
    max: 100,
    pattern: EVENT_NAME,
    patternHint: 'may contain only letters, digits and _ . : - (1 to 100 characters)',
  });
  if (event.eventTime === undefined || event.eventTime === null) {
    check.fail(`${path}.eventTime`, 'required', `${path}.eventTime is required`);
  } else {
    const at = parseInstant(event.eventTime);
    const where = `${path}.eventTime`;
    if (at === null) {
      check.fail(where, 'invalid_time', `${where} must be an ISO 8601 date-time with an offset (2025-03-01T09:30:00+08:00) or epoch milliseconds`);
    } else if (at < MIN_EVENT_TIME_MS || at >= END_OF_EVENT_TIME_MS) {
      check.fail(where, 'invalid_event_time', `${where} must be from 1970-01-01T00:00:00Z up to (not including) 9999-01-01T00:00:00Z`);
    } else if (at > clock.now + clock.maxFutureSkewMs) {
      check.fail(
        where,
        'event_time_in_future',
        `${where} is more than ${Math.round(clock.maxFutureSkewMs / 1000)} s ahead of the server clock (${new Date(clock.now).toISOString()})`,
      );
    }
  }
  check.object(event.properties, `${path}.properties`, { maxBytes: MAX_PROPERTIES_BYTES, optional: true });
  return check.issues;
}
