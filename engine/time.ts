/**
 * Wall-clock time math for waits: time zones, "next 09:00 on a weekday", absolute instants.
 * Pure: every function takes the current instant as an argument and never reads a clock, so workflow
 * code can call it with `Date.now()` from the Temporal sandbox (which is deterministic there).
 */
import { DateTime, IANAZone } from 'luxon';
import type { Weekday } from './canvas.js';
import { EngineError } from './errors.js';

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

/** Weekday codes in the order of `Date#getUTCDay()` (0 = Sunday). */
const WEEKDAYS_BY_UTC_DAY: readonly Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** Zone names look like `Asia/Shanghai`, `UTC` or `Etc/GMT+8`; raw offsets such as `+08:00` are refused. */
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+\-/]*$/;

const TIME_OF_DAY = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** ISO 8601 date-time with seconds optional and a mandatory `Z` or numeric offset. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/;

/** A local time of day on chosen weekdays in one zone; empty `weekdays` means every day. */
export interface LocalTimeOfDaySpec {
  hour: number;
  minute: number;
  weekdays: Weekday[];
  timeZone: string;
}

/** True when `zone` is an IANA time-zone name this runtime knows (e.g. `America/New_York`). */
export function isValidTimeZone(zone: string): boolean {
  return typeof zone === 'string' && ZONE_NAME.test(zone) && IANAZone.isValidZone(zone);
}

/**
 * The zone names to list where a document enumerates them (the OpenAPI document): the canonical IANA
 * names this runtime knows, plus UTC. {@link isValidTimeZone} stays the rule: it also accepts the
 * aliases (US/Pacific, Asia/Kolkata where ICU lists Asia/Calcutta), so what is listed is a subset of
 * what is accepted, never more.
 */
export const LISTED_TIME_ZONES: readonly string[] = [...new Set([...Intl.supportedValuesOf('timeZone'), 'UTC'])].filter(isValidTimeZone);

/** Parses a 24-hour "HH:MM" time of day; throws EngineError(`invalid_time_of_day`) otherwise. */
export function parseTimeOfDay(text: string): { hour: number; minute: number } {
  const match = typeof text === 'string' ? TIME_OF_DAY.exec(text) : null;
  if (!match) {
    throw new EngineError(
      'invalid_time_of_day',
      `"${String(text)}" is not a time of day; use 24-hour HH:MM such as 09:00 or 18:30`,
    );
  }
  return { hour: Number(match[1]), minute: Number(match[2]) };
}

/**
 * The first instant strictly after `fromMs` whose wall-clock time in `spec.timeZone` is hour:minute on
 * one of `spec.weekdays`. A time skipped by a spring-forward gap fires at the end of the gap; a time
 * repeated by a fall-back fires at its first occurrence only.
 */
export function nextLocalTimeOfDay(fromMs: number, spec: LocalTimeOfDaySpec): number {
  const { hour, minute, weekdays, timeZone } = spec;
  if (!Number.isFinite(fromMs)) {
    throw new EngineError('invalid_instant', `The start instant ${String(fromMs)} is not a finite epoch time`);
  }
  if (!Number.isInteger(hour) || hour < 0 || hour > 23 || !Number.isInteger(minute) || minute < 0 || minute > 59) {
    throw new EngineError('invalid_time_of_day', `${hour}:${minute} is not a time of day between 00:00 and 23:59`);
  }
  if (!isValidTimeZone(timeZone)) {
    throw new EngineError('invalid_time_zone', `"${String(timeZone)}" is not an IANA time zone such as Asia/Shanghai`);
  }
  for (const day of weekdays) {
    if (!WEEKDAYS_BY_UTC_DAY.includes(day)) {
      throw new EngineError('invalid_weekday', `"${String(day)}" is not a weekday; use mon, tue, wed, thu, fri, sat or sun`);
    }
  }
  const zone = IANAZone.create(timeZone);
  const offsetMs = (at: number): number => zone.offset(at) * MINUTE_MS;

  // Midnight of the local calendar date containing fromMs, expressed as a UTC wall-clock number.
  const localNow = fromMs + offsetMs(fromMs);
  const localMidnight = localNow - (((localNow % DAY_MS) + DAY_MS) % DAY_MS);

  // Eight days cover "later today" plus a full week; the extra day absorbs odd zone transitions.
  for (let dayOffset = 0; dayOffset <= 8; dayOffset++) {
    const dayStart = localMidnight + dayOffset * DAY_MS;
    const weekday = WEEKDAYS_BY_UTC_DAY[new Date(dayStart).getUTCDay()];
    if (weekdays.length > 0 && !weekdays.includes(weekday)) continue;
    const candidate = instantForWallClock(dayStart + hour * 60 * MINUTE_MS + minute * MINUTE_MS, offsetMs);
    if (candidate > fromMs) return candidate;
  }
  throw new EngineError('no_next_time', `No ${pad(hour)}:${pad(minute)} found in ${timeZone} within 8 days`);
}

/** Parses an ISO 8601 timestamp that carries `Z` or an offset into epoch ms; null when invalid or zone-less. */
export function parseInstant(text: string): number | null {
  if (typeof text !== 'string' || !ISO_INSTANT.test(text)) return null;
  const parsed = DateTime.fromISO(text, { setZone: true });
  return parsed.isValid ? parsed.toMillis() : null;
}

/**
 * The earliest instant whose local wall clock reads `wall` (a wall-clock time encoded as if UTC), or the
 * end of the daylight-saving gap when that wall time does not exist.
 */
function instantForWallClock(wall: number, offsetMs: (at: number) => number): number {
  // Offsets a day either side bracket any single transition near this wall time.
  const before = offsetMs(wall - DAY_MS);
  const after = offsetMs(wall + DAY_MS);
  const matches = [wall - before, wall - after].filter((at) => at + offsetMs(at) === wall);
  if (matches.length > 0) return Math.min(...matches);

  // Spring-forward gap: find the transition instant, the first valid local time after the gap.
  let lo = wall - after; // still on the old offset
  let hi = wall - before; // already on the new offset
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (offsetMs(mid) === before) lo = mid;
    else hi = mid;
  }
  return hi;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
