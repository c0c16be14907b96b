/**
 * The comparison operators of the rule language applied in JavaScript to one JSON value, with the
 * semantics of the SQL that sql.ts emits (jsonb `#>`, jsonb equality and containment, `strpos`,
 * `starts_with`, `segment_timestamptz`), so evaluate.ts decides exactly what the database decides.
 */
import { parseDuration } from '../duration.js';
import { EngineError } from '../errors.js';
import { parseIsoTime } from './sql.js';
import type { Comparison, TimeValue } from './types.js';

/**
 * Reads a dot path as jsonb `doc #> path` does: object keys literally, array elements by a decimal
 * index (leading zeros allowed, too large: absent), nothing inside scalars. Undefined when absent;
 * JSON null comes back as null.
 */
export function readPath(doc: unknown, path: string): unknown {
  let current = doc;
  for (const segment of path.split('.')) {
    if (Array.isArray(current)) {
      if (!/^\d+$/.test(segment)) return undefined;
      const index = Number(segment);
      // PostgreSQL reads the index as a 32-bit int and gives up on overflow; arrays are shorter anyway.
      if (index >= current.length) return undefined;
      current = current[index];
    } else if (current !== null && typeof current === 'object') {
      // Own keys only, so "constructor" or "__proto__" never reach the prototype.
      if (!Object.prototype.hasOwnProperty.call(current, segment)) return undefined;
      current = (current as Record<string, unknown>)[segment];
    } else {
      return undefined;
    }
  }
  return current;
}

/** jsonb equality: same JSON type, numbers by value (1 = 1.0), text exactly, arrays in order, objects by keys. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]));
  }
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const keys = Object.keys(left);
  return (
    keys.length === Object.keys(right).length &&
    keys.every((key) => Object.prototype.hasOwnProperty.call(right, key) && jsonEqual(left[key], right[key]))
  );
}

/**
 * A point in time of the rule (ISO text or relative to `now`) in epoch ms, as the compiler makes it:
 * ISO text is parsed by parseIsoTime and sent to PostgreSQL with millisecond precision.
 */
export function timeOperand(value: TimeValue, now: number): number {
  if (typeof value === 'string') {
    const ms = parseIsoTime(value);
    if (ms === null) throw new EngineError('invalid_date', `"${value}" is not an ISO 8601 date such as 2025-03-01 or 2025-03-01T09:00:00+08:00`);
    return ms;
  }
  return 'ago' in value ? now - parseDuration(value.ago) : now + parseDuration(value.ahead);
}

/**
 * Applies `cmp` to `actual` (a value read by readPath) at instant `now`. Absent and JSON null are
 * missing: they satisfy only neq, not_in and not_exists.
 */
export function compareValue(cmp: Comparison, actual: unknown, now: number): boolean {
  const missing = actual === undefined || actual === null;
  const { op, value } = cmp;
  switch (op) {
    case 'exists':
      return !missing;
    case 'not_exists':
      return missing;
    case 'eq':
      return !missing && jsonEqual(actual, value);
    case 'neq':
      return missing || !jsonEqual(actual, value);
    case 'in':
      return !missing && (value as unknown[]).some((item) => jsonEqual(actual, item));
    case 'not_in':
      return missing || !(value as unknown[]).some((item) => jsonEqual(actual, item));
    case 'contains':
      // Text contains text (strpos); an array contains an equal top-level element (jsonb @>).
      if (typeof actual === 'string' && typeof value === 'string' && actual.includes(value)) return true;
      return Array.isArray(actual) && actual.some((item) => jsonEqual(item, value));
    case 'starts_with':
      return typeof actual === 'string' && actual.startsWith(value as string);
    case 'within_last': {
      const at = jsonTimestamp(actual);
      return at !== null && at > now - parseDuration(value as string) && at <= now;
    }
    default:
      return compareOrdered(cmp, actual, now);
  }
}

/** gt/gte/lt/lte/between: by rank in `order`, numerically with JSON numbers, or as times with date text. */
function compareOrdered(cmp: Comparison, actual: unknown, now: number): boolean {
  const bounds = cmp.op === 'between' ? (cmp.value as unknown[]) : [cmp.value];
  let x: number | null;
  let operands: number[];
  if (cmp.order) {
    // Membership of the kept part of the enumeration: a value not in `order` never matches.
    x = typeof actual === 'string' && cmp.order.includes(actual) ? cmp.order.indexOf(actual) : null;
    operands = bounds.map((item) => cmp.order!.indexOf(item as string));
  } else if (typeof bounds[0] === 'number') {
    x = typeof actual === 'number' ? actual : null;
    operands = bounds as number[];
  } else {
    x = jsonTimestamp(actual);
    operands = bounds.map((item) => timeOperand(item as TimeValue, now));
  }
  if (x === null) return false;
  switch (cmp.op) {
    case 'gt': return x > operands[0];
    case 'gte': return x >= operands[0];
    case 'lt': return x < operands[0];
    case 'lte': return x <= operands[0];
    case 'between': return x >= operands[0] && x <= operands[1];
    default: throw new EngineError('unknown_operator', `Unknown comparison operator "${String(cmp.op)}"`);
  }
}

/** The shapes `segment_timestamptz` (migration 1796600000000-segments) accepts; anything else is not a date. */
const PG_DATE_TEXT = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|([+-])(\d{2})(?::?(\d{2}))?)?)?$/;

/**
 * A JSON value read as an instant exactly as the SQL function `segment_timestamptz` reads it: text
 * in the accepted shapes whose fields PostgreSQL accepts (24:00:00 and a leap second 60 roll over,
 * offsets up to 15:59, fractions rounded to microseconds), zone-less as UTC; else null.
 *
 * Every other instant the rule compares with is a whole millisecond, so a fraction of a millisecond
 * is kept as +0.5: it orders the same against all of them.
 */
export function jsonTimestamp(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const m = PG_DATE_TEXT.exec(value);
  if (!m) return null;
  const [, year, month, day, hour = '0', minute = '0', second = '0', fraction, zone, sign, zoneHours, zoneMinutes = '0'] = m;
  const y = Number(year);
  const mo = Number(month);
  const d = Number(day);
  if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return null;
  const h = Number(hour);
  const mi = Number(minute);
  const s = Number(second);
  // PostgreSQL parses the fraction as a double and rounds it to microseconds with rint (ties to even).
  const micros = fraction === undefined ? 0 : roundHalfEven(Number(`0${fraction}`) * 1e6);
  if (mi > 59 || s > 60 || h > 24) return null;
  if (h === 24 && (mi > 0 || s > 0 || micros > 0)) return null;
  if (s === 60 && micros > 0) return null;
  let offsetMinutes = 0;
  if (zone !== undefined && zone !== 'Z') {
    const zh = Number(zoneHours);
    const zm = Number(zoneMinutes);
    if (zh > 15 || zm > 59) return null;
    offsetMinutes = (sign === '-' ? -1 : 1) * (zh * 60 + zm);
  }
  const midnight = new Date(0).setUTCFullYear(y, mo - 1, d);
  const wholeMs = midnight + ((h * 60 + mi - offsetMinutes) * 60 + s) * 1000 + Math.floor(micros / 1000);
  return micros % 1000 === 0 ? wholeMs : wholeMs + 0.5;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}
