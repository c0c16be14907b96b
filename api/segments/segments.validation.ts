/** Validation of the segments context's path parameters, query strings and bodies (rules are checked by the service). */
import { parseDuration } from '../../engine/duration.js';
import { MAX_NAME_LENGTH, SEGMENT_KEY_PATTERN } from '../../engine/segments/schema.js';
import { ApiError } from '../http/api-error.js';
import { Checker, isPlainObject, jsonBytes } from '../http/validation.js';
import type { ScheduleTiming, SegmentRunRequest } from '../../core/segments/segment-runs.js';
import type { SegmentInput } from '../../core/segments/segments.js';

export const SEGMENT_KEY = new RegExp(SEGMENT_KEY_PATTERN);
const KEY_HINT = 'must be letters, digits, _ . : or - (not starting with . : or -)';
const MAX_RULE_BYTES = 64 * 1024;
export const DEFAULT_SAMPLE = 10;
export const MAX_SAMPLE = 100;
export const DEFAULT_BATCH_SIZE = 500;
export const MAX_BATCH_SIZE = 5_000;
export const MAX_RATE_PER_SECOND = 10_000;
/** Schedules start at most once a minute: a run pages the whole segment. */
export const MIN_SCHEDULE_INTERVAL_MS = 60_000;

function objectBody(body: unknown, what: string): Record<string, unknown> {
  if (isPlainObject(body)) return body;
  const check = new Checker();
  check.fail('$', 'invalid_type', `The body must be a JSON object with ${what}`);
  throw check.error('invalid_body');
}

export function assertSegmentKey(key: string): void {
  if (key.length > MAX_NAME_LENGTH || !SEGMENT_KEY.test(key)) {
    throw new ApiError(400, 'invalid_segment_key', `A segment key is 1 to ${MAX_NAME_LENGTH} characters and ${KEY_HINT}`);
  }
}

/** `{ key?, name, rule }`: the key only when creating (`withKey`). */
export function parseSegmentBody(body: unknown, withKey: boolean): SegmentInput & { key?: string } {
  const fields = objectBody(body, withKey ? 'key, name and rule' : 'name and rule');
  const check = new Checker();
  if (withKey) check.string(fields.key, '$.key', { max: MAX_NAME_LENGTH, pattern: SEGMENT_KEY, patternHint: KEY_HINT });
  check.string(fields.name, '$.name', { max: MAX_NAME_LENGTH });
  checkRuleSize(check, fields.rule);
  if (check.issues.length > 0) throw check.error('invalid_body');
  return { ...(withKey ? { key: fields.key as string } : {}), name: fields.name as string, rule: fields.rule };
}

/** `{ rule, sample? }` of a preview of an unsaved rule. */
export function parsePreviewBody(body: unknown): { rule: unknown; sample: number } {
  const fields = objectBody(body, 'rule');
  const check = new Checker();
  checkRuleSize(check, fields.rule);
  const sample = wholeNumber(check, fields.sample, '$.sample', 0, MAX_SAMPLE) ?? DEFAULT_SAMPLE;
  if (check.issues.length > 0) throw check.error('invalid_body');
  return { rule: fields.rule, sample };
}

/** `?sample=` of a preview: 0 to MAX_SAMPLE customers (default DEFAULT_SAMPLE). */
export function parseSampleQuery(query: Record<string, unknown>): number {
  const check = new Checker();
  const raw = query.sample;
  const value = typeof raw === 'string' && /^\d{1,4}$/.test(raw) ? Number(raw) : raw;
  const sample = wholeNumber(check, value, '$query.sample', 0, MAX_SAMPLE) ?? DEFAULT_SAMPLE;
  if (check.issues.length > 0) throw check.error('invalid_query');
  return sample;
}

/** `{ segment?, batchSize?, ratePerSecond? }` of a segment run. */
export function parseRunBody(body: unknown): SegmentRunRequest {
  const fields = body === undefined ? {} : objectBody(body, 'segment, batchSize and ratePerSecond (all optional)');
  const check = new Checker();
  const req = runFields(check, fields);
  if (check.issues.length > 0) throw check.error('invalid_body');
  return req;
}

/** A run request plus `cron` (with optional `timeZone`) or `every` (an ISO 8601 duration of at least a minute). */
export function parseScheduleBody(body: unknown): { run: SegmentRunRequest; timing: ScheduleTiming } {
  const fields = objectBody(body, 'cron or every');
  const check = new Checker();
  const run = runFields(check, fields);
  let timing: ScheduleTiming | undefined;
  if ((fields.cron === undefined) === (fields.every === undefined)) {
    check.fail('$', 'required', 'Give exactly one of "cron" (e.g. "0 9 * * MON") and "every" (e.g. "PT6H")');
  } else if (fields.cron !== undefined) {
    if (check.string(fields.cron, '$.cron', { max: 100 })) timing = { cron: fields.cron as string };
    if (check.string(fields.timeZone, '$.timeZone', { max: 64, optional: true }) && timing) timing = { ...timing, timeZone: fields.timeZone as string };
  } else {
    const everyMs = durationMs(fields.every);
    if (everyMs === null || everyMs < MIN_SCHEDULE_INTERVAL_MS) {
      check.fail('$.every', 'invalid_duration', '$.every must be an ISO 8601 duration of at least one minute, e.g. PT6H or P1D');
    } else {
      timing = { everyMs };
    }
  }
  if (check.issues.length > 0 || !timing) throw check.error('invalid_body');
  return { run, timing };
}

function runFields(check: Checker, fields: Record<string, unknown>): SegmentRunRequest {
  const req: SegmentRunRequest = {
    batchSize: wholeNumber(check, fields.batchSize, '$.batchSize', 1, MAX_BATCH_SIZE) ?? DEFAULT_BATCH_SIZE,
    ratePerSecond: fields.ratePerSecond === null ? null : (wholeNumber(check, fields.ratePerSecond, '$.ratePerSecond', 1, MAX_RATE_PER_SECOND) ?? null),
  };
  if (check.string(fields.segment, '$.segment', { max: MAX_NAME_LENGTH, pattern: SEGMENT_KEY, patternHint: KEY_HINT, optional: true })) {
    req.segment = fields.segment as string;
  }
  return req;
}

function checkRuleSize(check: Checker, rule: unknown): void {
  if (rule === undefined) check.fail('$.rule', 'required', '$.rule is required: a segment rule (docs/segments.md)');
  else if (jsonBytes(rule) > MAX_RULE_BYTES) check.fail('$.rule', 'too_large', `$.rule must be at most ${MAX_RULE_BYTES / 1024} KB as JSON`);
}

/** An optional whole number in [min, max]; undefined when absent or invalid (an issue is added when invalid). */
function wholeNumber(check: Checker, value: unknown, path: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max) return value;
  check.fail(path, 'out_of_range', `${path} must be a whole number from ${min} to ${max}`);
  return undefined;
}

function durationMs(value: unknown): number | null {
  try {
    return parseDuration(value as string);
  } catch {
    return null;
  }
}
