/** `GET /v1/operations/stuck-runs`: live runs that are not moving, longest stuck first. */
import { Controller, Get, Inject, Query } from '@nestjs/common';
import { parseDuration } from '../../engine/duration.js';
import { OperationsViewService } from '../../core/operations-view.js';
import { invalidRequest, type FieldIssue } from '../http/validation.js';
import { OPERATIONS_OPTIONS, type OperationsOptions } from './operations.tokens.js';
import { DURATION_PATTERN, Endpoint, pageSchema, type SchemaObject } from '../http/endpoint.js';
import { int, object, oneOfValues, text, time } from '../http/schemas.js';
import { cursorParam, isTimeIdCursor, pageOf } from '../http/pagination.js';

export const DEFAULT_STUCK_LIMIT = 100;
export const MAX_STUCK_LIMIT = 1000;
const MAX_GRACE_SECONDS = 30 * 24 * 3600;

/** A non-negative integer query parameter within [min, max], or the issue with it. */
function integerParam(issues: FieldIssue[], name: string, raw: unknown, fallback: number, min: number, max: number): number {
  if (raw === undefined || raw === '') return fallback;
  const value = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    issues.push({ path: `$query.${name}`, code: 'out_of_range', message: `${name} must be an integer from ${min} to ${max}` });
  }
  return value;
}

/** One stuck run (observability/stuck-runs.ts StuckRun). */
const STUCK_RUN_FIELDS: Record<string, SchemaObject> = {
  journeyId: text(),
  versionId: text(),
  enrollmentId: text(),
  customerId: text(),
  status: oneOfValues(['pending', 'active']),
  currentNode: text(true),
  waitingUntil: time(true),
  lastStepAt: time(true),
  enrolledAt: time(),
  reason: { ...oneOfValues(['wait_overdue', 'never_started', 'no_progress']), description: 'wait_overdue: past its wait deadline; never_started: pending too long; no_progress: active without a step for olderThan' },
  stuckSince: { ...time(), description: 'the missed wait deadline, the enrollment, or the last step' },
};
const STUCK_PAGE = pageSchema(object(Object.keys(STUCK_RUN_FIELDS), STUCK_RUN_FIELDS));
const STUCK_RUNS_SCHEMA: SchemaObject = {
  ...STUCK_PAGE,
  required: ['items', 'nextCursor', 'thresholds'],
  properties: {
    ...STUCK_PAGE.properties,
    thresholds: object(['graceSeconds', 'pendingSeconds', 'olderThanSeconds'], { graceSeconds: int(), pendingSeconds: int(), olderThanSeconds: int() }),
  },
};

@Controller('v1/operations')
export class StuckRunsController {
  constructor(
    private readonly operations: OperationsViewService,
    @Inject(OPERATIONS_OPTIONS) private readonly options: OperationsOptions,
  ) {}

  /**
   * `limit` (1-1000, default 100); `graceSeconds`: how far past its deadline a wait must be
   * (default 300); `olderThan`: ISO 8601 duration without a step before an active, non-waiting run
   * counts as stuck (default JE_STUCK_AFTER).
   */
  @Endpoint({
    summary: 'Runs that look stuck: past their wait deadline, pending too long, or without progress',
    access: ['marketer', 'engineer', 'support', 'viewer'],
    query: {
      limit: { description: '1-1000 (default 100)', schema: { type: 'integer', minimum: 1, maximum: 1000 } },
      graceSeconds: { description: 'how far past its deadline a wait must be (default 300)', schema: { type: 'integer', minimum: 0, maximum: MAX_GRACE_SECONDS } },
      olderThan: { description: 'ISO 8601 duration without a step (default JE_STUCK_AFTER)', schema: { type: 'string', format: 'duration', pattern: DURATION_PATTERN } },
      cursor: { description: 'the nextCursor of the previous page' },
    },
    ok: { description: '{ items, nextCursor, thresholds }', schema: STUCK_RUNS_SCHEMA },
    errors: [{ status: 400, codes: ['invalid_query'] }],
  })
  @Get('stuck-runs')
  async stuckRuns(@Query() query: Record<string, unknown>) {
    const issues: FieldIssue[] = [];
    const defaults = this.options.stuck;
    const limit = integerParam(issues, 'limit', query.limit, DEFAULT_STUCK_LIMIT, 1, MAX_STUCK_LIMIT);
    const graceSeconds = integerParam(issues, 'graceSeconds', query.graceSeconds, defaults.graceMs / 1000, 0, MAX_GRACE_SECONDS);
    let noProgressMs = defaults.noProgressMs;
    if (query.olderThan !== undefined && query.olderThan !== '') {
      try {
        noProgressMs = parseDuration(String(query.olderThan));
      } catch (err) {
        issues.push({ path: '$query.olderThan', code: 'invalid_duration', message: (err as Error).message });
      }
    }
    const after = cursorParam(issues, query.cursor, isTimeIdCursor);
    if (issues.length > 0) throw invalidRequest('invalid_query', issues);

    const thresholds = { ...defaults, graceMs: graceSeconds * 1000, noProgressMs };
    const runs = await this.operations.stuckRuns(thresholds, limit + 1, after);
    return {
      ...pageOf(runs, limit, (r) => [r.stuckSince, r.enrollmentId]),
      thresholds: { graceSeconds, pendingSeconds: thresholds.pendingMs / 1000, olderThanSeconds: noProgressMs / 1000 },
    };
  }
}
