/**
 * A stop's `exit_now`, carried out durably: the activities of the `journeyExit` workflow. They page
 * through the journey's live runs in id order (keyset), ask each to exit (pending runs are started
 * first, as EnrollmentService.requestExit does) and record progress in `operations`. Asking a run
 * twice is harmless (an ended run is left alone), so a retried page simply asks again.
 */
import { Context } from '@temporalio/activity';
import type { DataSource } from 'typeorm';
import { EnrollmentService } from '../core/enrollment.js';
import type { JourneyExitBatchResult } from '../engine/workflow-contract.js';
import type { RunDefaults } from '../engine/runtime.js';
import { EnrollmentsRepository } from '../store/enrollments.repository.js';
import { OperationsRepository } from '../store/operations.repository.js';

/** Signals sent at once within a page. */
const SIGNAL_CONCURRENCY = 10;

/** The activities the journeyExit workflow proxies (type-only import from workflows/). */
export type JourneyExitActivities = ReturnType<typeof createJourneyExitActivities>;

export function createJourneyExitActivities(db: DataSource) {
  const enrollments = new EnrollmentsRepository(db);
  const operations = new OperationsRepository(db);
  return {
    /** Counts the live runs once (the operation's total) and returns where to start. */
    async beginJourneyExit(req: { operationId: string; journeyId: string }): Promise<{ after: string | null }> {
      await operations.setTotalOnce(req.operationId, await enrollments.countLive(req.journeyId));
      return { after: await operations.cursorOf(req.operationId) };
    },

    /**
     * Asks the next `batchSize` live runs after enrollment id `after` to exit and adds them to the
     * progress. Throws (and is retried) when a signal could not be delivered.
     */
    async exitJourneyBatch(req: {
      operationId: string;
      journeyId: string;
      after: string | null;
      batchSize: number;
      reason: string;
      requestedBy: string;
      defaults: RunDefaults;
    }): Promise<JourneyExitBatchResult> {
      const ids = await enrollments.liveIdsAfter(req.journeyId, req.after ?? '', req.batchSize);
      if (ids.length === 0) return { asked: 0, last: null };
      const context = Context.current();
      const service = new EnrollmentService({ db, temporal: context.client, taskQueue: context.info.taskQueue, defaults: req.defaults });
      let next = 0;
      const failures: string[] = [];
      const lane = async () => {
        while (next < ids.length) {
          const id = ids[next++];
          await service.requestExit(id, req.reason, req.requestedBy).catch((err: Error) => failures.push(`${id}: ${err.message}`));
        }
      };
      await Promise.all(Array.from({ length: Math.min(SIGNAL_CONCURRENCY, ids.length) }, lane));
      if (failures.length > 0) throw new Error(`${failures.length} of ${ids.length} runs could not be asked to exit (${failures[0]})`);
      const last = ids[ids.length - 1];
      await operations.recordPage(req.operationId, { after: req.after, last, done: ids.length });
      return { asked: ids.length, last };
    },

    /** Marks the operation finished. */
    async finishOperation(req: { operationId: string; status: 'completed' | 'failed'; error?: string }): Promise<void> {
      await operations.finish(req.operationId, req.status, req.error ?? null);
    },
  };
}
