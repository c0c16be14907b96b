/** Validation of the monitoring routes' query strings: every problem reported at once, as 400 `invalid_query`. */
import { isValidTimeZone } from '../../engine/time.js';
import { ApiError } from '../http/api-error.js';
import { parsePageQuery, type PageRequest } from '../http/pagination.js';
import { Checker, isCalendarDate } from '../http/validation.js';
import { ENROLLMENT_STATUSES, type EnrollmentCursor, type EnrollmentFilter, type EnrollmentStatus, type StatsQuery } from '../../core/monitoring/monitoring.js';

/** The longest `from`..`to` range, in days (the series has one entry per day). */
export const MAX_RANGE_DAYS = 1096;
const MAX_ID_LENGTH = 200;
const CURSOR_AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

type Query = Record<string, unknown>;

/** A calendar date YYYY-MM-DD that exists, or null (with an issue unless absent). */
function day(check: Checker, query: Query, name: string): string | null {
  const raw = query[name];
  if (raw === undefined) return null;
  if (isCalendarDate(raw)) return raw;
  check.fail(`$query.${name}`, 'invalid_format', `$query.${name} must be a calendar date YYYY-MM-DD`);
  return null;
}

/** `version`: a positive integer, or null when absent. */
function version(check: Checker, query: Query): number | null {
  if (query.version === undefined) return null;
  const n = typeof query.version === 'string' && /^\d{1,9}$/.test(query.version) ? Number(query.version) : 0;
  if (n >= 1) return n;
  check.fail('$query.version', 'invalid_format', '$query.version must be a version number (1, 2, ...)');
  return null;
}

/** An optional id-like string (node or customer id). */
function text(check: Checker, query: Query, name: string): string | null {
  return check.string(query[name], `$query.${name}`, { max: MAX_ID_LENGTH, optional: true }) ? (query[name] as string) : null;
}

/** `version`, `from`, `to` (local days, inclusive), `timeZone` (IANA). */
export function parseStatsQuery(query: Query): StatsQuery {
  const check = new Checker();
  const from = day(check, query, 'from');
  const to = day(check, query, 'to');
  if (from !== null && to !== null) {
    const days = (Date.parse(to) - Date.parse(from)) / 86_400_000 + 1;
    if (days < 1) check.failRange('$query.to', 'out_of_range', '$query.to must not be before $query.from');
    else if (days > MAX_RANGE_DAYS) check.failRange('$query.to', 'out_of_range', `$query.from..$query.to may span at most ${MAX_RANGE_DAYS} days`);
  }
  let timeZone: string | null = null;
  if (query.timeZone !== undefined) {
    if (typeof query.timeZone === 'string' && isValidTimeZone(query.timeZone)) timeZone = query.timeZone;
    else check.fail('$query.timeZone', 'invalid_time_zone', '$query.timeZone must be an IANA time zone such as Asia/Shanghai');
  }
  const result = { version: version(check, query), from, to, timeZone };
  check.throwIfAny('invalid_query');
  return result;
}

const isCursor = (value: unknown): value is EnrollmentCursor =>
  Array.isArray(value) &&
  value.length === 2 &&
  typeof value[0] === 'string' &&
  CURSOR_AT.test(value[0]) &&
  typeof value[1] === 'string' &&
  value[1].length <= 1000;

/** `status`, `node`, `version`, `customerId`, `limit`, `cursor`. */
export function parseEnrollmentQuery(query: Query): { filter: EnrollmentFilter; page: PageRequest<EnrollmentCursor> } {
  const check = new Checker();
  let status: EnrollmentStatus | null = null;
  if (query.status !== undefined) {
    if ((ENROLLMENT_STATUSES as readonly unknown[]).includes(query.status)) status = query.status as EnrollmentStatus;
    else check.fail('$query.status', 'invalid_value', `$query.status must be one of ${ENROLLMENT_STATUSES.join(', ')}`);
  }
  const filter = { status, node: text(check, query, 'node'), version: version(check, query), customerId: text(check, query, 'customerId') };
  let page: PageRequest<EnrollmentCursor> | null = null;
  try {
    page = parsePageQuery(query, isCursor);
  } catch (err) {
    const issues = err instanceof ApiError ? (err.details.issues as Checker['issues']) : null;
    if (!issues) throw err;
    for (const i of issues) check.fail(i.path, i.code, i.message);
  }
  if (check.issues.length > 0 || !page) throw check.error('invalid_query');
  return { filter, page };
}
