/**
 * Small explicit validators for request bodies. Each check appends an issue (JSON path, code,
 * message) instead of throwing, so a client learns about every problem in one response.
 */

import { ApiError } from './api-error.js';
import { INVALID_RANGE } from './endpoint.js';

/** One problem in a request body. */
export interface FieldIssue {
  /** JSONPath of the offending value, e.g. `$.events[3].eventTime`. */
  path: string;
  code: string;
  message: string;
}

export type Json = Record<string, unknown>;

export function isPlainObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Size of a value as JSON, in UTF-8 bytes. */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
}

/** The 400 answer listing `issues`: every message in one sentence, the issues themselves alongside. */
export function invalidRequest(code: string, issues: FieldIssue[]): ApiError {
  return new ApiError(400, code, issues.map((i) => i.message).join('; '), { issues });
}

/**
 * The 422 `invalid_range` answer: the request matches its schema, but its fields break a rule between
 * them that the operation's description states (a window's end before its start); `issues` as for a 400.
 */
export function invalidRange(issues: FieldIssue[]): ApiError {
  return new ApiError(422, INVALID_RANGE, issues.map((i) => i.message).join('; '), { issues });
}

/** Collects issues for one request body. */
export class Checker {
  readonly issues: FieldIssue[] = [];

  /** The 400 `code` answer (`invalid_body`, `invalid_query`, ...) listing the issues found so far. */
  error(code: string): ApiError {
    return invalidRequest(code, this.issues);
  }

  /** Issues of rules between fields (422 `invalid_range`), kept apart: they are answered only when the request has no other problem. */
  readonly rangeIssues: FieldIssue[] = [];

  /** Records a broken rule between fields. */
  failRange(path: string, code: string, message: string): void {
    this.rangeIssues.push({ path, code, message });
  }

  /** Throws the 400 `code` answer if any issue was found, else the 422 `invalid_range` one if a rule between fields is broken. */
  throwIfAny(code: string): void {
    if (this.issues.length > 0) throw invalidRequest(code, [...this.issues, ...this.rangeIssues]);
    if (this.rangeIssues.length > 0) throw invalidRange(this.rangeIssues);
  }

  fail(path: string, code: string, message: string): void {
    this.issues.push({ path, code, message });
  }

  /** A required non-empty string of at most `max` characters (optionally matching `pattern`). */
  string(value: unknown, path: string, opts: { max: number; pattern?: RegExp; patternHint?: string; optional?: boolean }): value is string {
    if (value === undefined && opts.optional) return false;
    if (value === undefined || value === null) {
      this.fail(path, 'required', `${path} is required`);
    } else if (typeof value !== 'string') {
      this.fail(path, 'invalid_type', `${path} must be a string`);
    } else if (value.length === 0) {
      this.fail(path, 'required', `${path} must not be empty`);
    } else if (value.length > opts.max) {
      this.fail(path, 'too_long', `${path} must be at most ${opts.max} characters`);
    } else if (opts.pattern && !opts.pattern.test(value)) {
      this.fail(path, 'invalid_format', `${path} ${opts.patternHint ?? `must match ${opts.pattern}`}`);
    } else {
      return true;
    }
    return false;
  }

  /** A JSON object of at most `maxBytes` bytes when serialized. */
  object(value: unknown, path: string, opts: { maxBytes: number; optional?: boolean }): value is Json {
    if (value === undefined && opts.optional) return false;
    if (!isPlainObject(value)) {
      this.fail(path, value === undefined ? 'required' : 'invalid_type', `${path} must be a JSON object`);
    } else if (jsonBytes(value) > opts.maxBytes) {
      this.fail(path, 'too_large', `${path} must be at most ${Math.round(opts.maxBytes / 1024)} KB as JSON`);
    } else {
      return true;
    }
    return false;
  }
}

const CALENDAR_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** True for a calendar date `YYYY-MM-DD` that exists (no February 30), years 0001 to 9999. */
export function isCalendarDate(value: unknown): value is string {
  if (typeof value !== 'string' || !CALENDAR_DATE.test(value) || value.startsWith('0000')) return false;
  const ms = Date.parse(`${value}T00:00:00Z`);
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === value;
}

const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-](\d{2}):(\d{2}))$/i;

/**
 * Parses an instant given as an ISO 8601 date-time with a UTC offset (`2025-03-01T09:30:00+08:00`,
 * `...Z`) or as epoch milliseconds. Returns epoch ms, or null when it is neither (including
 * impossible dates such as February 30 and local times without an offset, which are ambiguous).
 */
export function parseInstant(value: unknown): number | null {
  if (typeof value === 'number') {
    return Number.isSafeInteger(value) && value >= 0 && !Number.isNaN(new Date(value).getTime()) ? value : null;
  }
  if (typeof value !== 'string') return null;
  const m = ISO_INSTANT.exec(value);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? '0'].map(Number);
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) return null;
  if (m[8] !== undefined && (Number(m[8]) > 23 || Number(m[9]) > 59)) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}
