/**
 * Segment-triggered bulk entry: the activities of the `segmentEntry` workflow. They page through a
 * segment's members in customer-id order (keyset), enroll each page into the journey's active version
 * and record progress in `segment_runs`. Idempotent per journey and customer: the trigger key
 * `segment-run:<journeyId>:<customerId>` lets a customer in at most once through any segment run,
 * whatever the journey's re-entry policy.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { DataSource } from 'typeorm';
import { EnrollmentService } from '../core/enrollment.js';
import type { SegmentBatchResult, SegmentEntryInput } from '../engine/workflow-contract.js';
import { EngineError } from '../engine/errors.js';
import { withStatementTimeout } from '../store/data-source.js';
import type { RunDefaults } from '../engine/runtime.js';
import type { CompiledSegment } from '../engine/segments/index.js';
import { compileWithStoredSegments } from '../core/segments/membership.js';
import type { Queryable } from '../store/queryable.js';
import { EnrollmentsRepository } from '../store/enrollments.repository.js';
import { VersionsRepository } from '../store/versions.repository.js';
import { SegmentRunsRepository } from '../store/segment-runs.repository.js';
import { SegmentsRepository } from '../store/segments.repository.js';

/** The trigger key of a segment-run enrollment: one per journey and customer. */
export function segmentRunTriggerKey(journeyId: string, customerId: string): string {
  return `segment-run:${journeyId}:${customerId}`;
}

/** Enrollments started at once within a page. */
const ENROLL_CONCURRENCY = 8;

/**
 * How long the segment's count and each page's member query may run: below the activities' 10-minute
 * start-to-close timeout (workflows/segment-entry.ts), so that a query too slow to finish is cancelled
 * in PostgreSQL rather than left running while a retry starts the same query again beside it.
 */
export const SEGMENT_QUERY_TIMEOUT_MS = 9 * 60_000;

/**
 * Runs one segment query under `statement_timeout`. A cancelled query ends the segment run (not
 * retried: the same rule would take as long again) with an error saying what to do.
 */
function boundedSegmentQuery<T>(db: DataSource, timeoutMs: number, segment: string, query: (tx: Queryable) => Promise<T>): Promise<T> {
  return withStatementTimeout(
    db,
    timeoutMs,
    query,
    (ms) =>
      ApplicationFailure.nonRetryable(
        `Selecting the members of segment "${segment}" took longer than ${ms} ms and was cancelled; ` +
          'narrow the rule (a time window on its event conditions helps), then start the run again: members already enrolled are skipped',
        'segment_query_timeout',
      ),
  );
}

/** A stored segment's predicate (placeholders from `$paramOffset+1`); a non-retryable failure when it cannot be compiled. */
async function storedSegmentSql(db: DataSource, key: string, paramOffset: number): Promise<CompiledSegment> {
  try {
    return await compileWithStoredSegments(db, { segment: key }, { paramOffset });
  } catch (err) {
    if (err instanceof EngineError) throw ApplicationFailure.nonRetryable(err.message, err.code);
    throw err;
  }
}

/** The activities the segmentEntry workflow proxies (type-only import from workflows/). */
export type SegmentEntryActivities = ReturnType<typeof createSegmentEntryActivities>;

export function createSegmentEntryActivities(db: DataSource, options: { queryTimeoutMs?: number } = {}) {
  const queryTimeoutMs = options.queryTimeoutMs ?? SEGMENT_QUERY_TIMEOUT_MS;
  const enrollments = new EnrollmentsRepository(db);
  const versions = new VersionsRepository(db);
  const runs = new SegmentRunsRepository(db);
  const segments = new SegmentsRepository(db);
  return {
    /** Records the run (when the API has not already) and its total: the segment's size now. Returns where to start. */
    async beginSegmentRun(req: { runId: string } & Omit<SegmentEntryInput, 'defaults' | 'continued'>): Promise<{ after: string | null }> {
      await runs.insertIfNew({
        id: req.runId,
        journeyId: req.journeyId,
        segment: req.segment,
        scheduleId: req.scheduleId,
        batchSize: req.batchSize,
        ratePerSecond: req.ratePerSecond,
      });
      const compiled = await storedSegmentSql(db, req.segment, 1);
      await boundedSegmentQuery(db, queryTimeoutMs, req.segment, (tx) => runs.countTotalOnce(req.runId, compiled, tx));
      return { after: await runs.cursorOf(req.runId) };
    },

    /**
     * Enrolls the next `batchSize` members after customer id `after` into the journey's active version
     * and adds the page to the run's progress. A retried page is counted once (guarded by the cursor).
     */
    async enrollSegmentBatch(req: {
      runId: string;
      journeyId: string;
      segment: string;
      after: string | null;
      batchSize: number;
      defaults: RunDefaults;
    }): Promise<SegmentBatchResult> {
      const versionId = await versions.activeIdOf(req.journeyId);
      if (versionId === null) {
        throw ApplicationFailure.nonRetryable(`Journey "${req.journeyId}" has no published, active version`, 'journey_not_active');
      }
      const compiled = await storedSegmentSql(db, req.segment, 2);
      const members = await boundedSegmentQuery(db, queryTimeoutMs, req.segment, (tx) =>
        segments.membersAfter(compiled, req.after ?? '', req.batchSize, tx),
      );
      if (members.length === 0) return { processed: 0, enrolled: 0, skipped: 0, last: null };
      const keys = members.map((m) => segmentRunTriggerKey(req.journeyId, m.id));
      const already = new Set(await enrollments.takenTriggerKeys(req.journeyId, keys));
      const fresh = members.filter((m) => !already.has(segmentRunTriggerKey(req.journeyId, m.id)));
      const context = Context.current();
      const service = new EnrollmentService({ db, temporal: context.client, taskQueue: context.info.taskQueue, defaults: req.defaults });
      let enrolled = 0;
      let next = 0;
      const lane = async () => {
        while (next < fresh.length) {
          const customerId = fresh[next++].id;
          const result = await service.enroll({
            versionId,
            customerId,
            entry: { kind: 'segment', segment: req.segment, segmentRun: req.runId, payload: {} },
            triggerKey: segmentRunTriggerKey(req.journeyId, customerId),
          });
          if (result.enrolled) enrolled++;
        }
      };
      await Promise.all(Array.from({ length: Math.min(ENROLL_CONCURRENCY, fresh.length) }, lane));
      const last = members[members.length - 1].id;
      const result = { processed: members.length, enrolled, skipped: members.length - enrolled, last };
      await runs.recordPage(req.runId, { after: req.after, last, processed: result.processed, enrolled: result.enrolled, skipped: result.skipped });
      return result;
    },

    /** Marks the run finished. */
    async finishSegmentRun(req: { runId: string; status: 'completed' | 'failed'; error?: string }): Promise<void> {
      await runs.finish(req.runId, req.status, req.error ?? null);
    },
  };
}
