/** The body of `POST /v1/journeys/:journeyId/backtests`, checked: every problem with its JSON path in one 400 answer. */
import type { BacktestCommand } from '../../core/simulation/backtests.js';
import type { DocumentIssue } from '../../engine/errors.js';
import { checkHorizon } from '../../engine/simulation/script.js';
import { invalidRange, invalidRequest, isPlainObject, parseInstant } from '../http/validation.js';
import { parseSource } from './simulation.validation.js';

/** The longest window a backtest may cover. */
export const MAX_BACKTEST_WINDOW_MS = 366 * 24 * 3_600_000;
export const MAX_SAMPLE = 10_000_000;
export const SEGMENT_KEY_PATTERN = '^[A-Za-z0-9_.:-]{1,100}$';
const SEGMENT_KEY = new RegExp(SEGMENT_KEY_PATTERN);

/** The rules between a backtest's fields, as its operation states them (422 invalid_range). */
export const BACKTEST_RANGES = ['`to` is after `from`', 'the window from..to covers at most P366D', '`to` is not in the future (a backtest replays stored events)'];

/** The use case's command (without who asked), or throws the 400 `invalid_body` answer. */
export function parseBacktestBody(journeyId: string, body: unknown, now: number): Omit<BacktestCommand, 'requestedBy'> {
  if (!isPlainObject(body)) throw invalidRequest('invalid_body', [{ path: '$', code: 'invalid_type', message: 'the body must be a JSON object' }]);
  const issues: DocumentIssue[] = [];
  const fail = (path: string, code: string, message: string) => issues.push({ path, code, message });
  const source = parseSource(body.source ?? 'draft', issues);
  const from = parseInstant(body.from);
  const to = parseInstant(body.to);
  if (from === null) fail('$.from', 'invalid_instant', '$.from must be an ISO 8601 instant with a zone, e.g. 2026-02-01T00:00:00Z');
  if (to === null) fail('$.to', 'invalid_instant', '$.to must be an ISO 8601 instant with a zone, e.g. 2026-03-01T00:00:00Z');
  // Rules between fields (422 invalid_range, BACKTEST_RANGES), answered only when nothing else is wrong.
  const ranges: DocumentIssue[] = [];
  const failRange = (path: string, code: string, message: string) => ranges.push({ path, code, message });
  if (from !== null && to !== null) {
    if (to <= from) failRange('$.to', 'empty_window', '$.to must be after $.from');
    else if (to - from > MAX_BACKTEST_WINDOW_MS) failRange('$.to', 'window_too_long', 'the window may cover at most P366D');
    if (to > now) failRange('$.to', 'window_in_future', '$.to must not be in the future: a backtest replays stored events');
  }
  const horizonMs = checkHorizon(body.horizon, fail);
  const sample = body.sample ?? null;
  if (sample !== null && !(Number.isInteger(sample) && (sample as number) >= 1 && (sample as number) <= MAX_SAMPLE)) {
    fail('$.sample', 'invalid_value', `$.sample must be a whole number of customers from 1 to ${MAX_SAMPLE}`);
  }
  const segment = body.segment ?? null;
  if (segment !== null && !(typeof segment === 'string' && SEGMENT_KEY.test(segment))) fail('$.segment', 'invalid_value', '$.segment must be a segment key');
  const known = new Set(['source', 'from', 'to', 'horizon', 'sample', 'segment']);
  for (const key of Object.keys(body)) if (!known.has(key)) fail(`$.${key}`, 'unknown_field', `$.${key} is not a backtest option`);
  if (issues.length > 0 || from === null || to === null || !source) throw invalidRequest('invalid_body', [...issues, ...ranges]);
  if (ranges.length > 0) throw invalidRange(ranges);
  return { journeyId, source, from, to, horizonMs, sample: sample as number | null, segment: segment as string | null };
}
