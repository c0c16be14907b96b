/** Writes a run's step records and its enrollment summary. Idempotent: a retried write changes nothing. */
import type { DataSource } from 'typeorm';
import type { RecordStepsInput } from '../engine/runtime.js';
import { activityFields } from '../observability/activity-context.js';
import { errorFields, noopLogger, type Logger } from '../observability/logger.js';
import { EnrollmentsRepository } from '../store/enrollments.repository.js';

export function createJournalActivities(db: DataSource, logger: Logger = noopLogger) {
  const enrollments = new EnrollmentsRepository(db);
  return {
    /** Appends step records (keyed by enrollment and seq) and updates the enrollment row in one transaction. */
    async recordSteps(input: RecordStepsInput): Promise<void> {
      try {
        await writeSteps(input);
      } catch (err) {
        // Retried forever by the workflow: a line per failed try says which run is held up and why.
        logger.error('recordSteps failed; Temporal retries it', {
          enrollmentId: input.enrollmentId,
          ...activityFields(),
          steps: input.steps.length,
          ...errorFields(err),
        });
        throw err;
      }
      const ended = input.enrollment?.endedAt !== undefined;
      if (ended && logger.enabled('info')) {
        logger.info('run ended', {
          enrollmentId: input.enrollmentId,
          ...activityFields(),
          status: input.enrollment?.status,
          reason: input.enrollment?.exitReason,
        });
      }
    },
  };

  async function writeSteps({ enrollmentId, steps, enrollment }: RecordStepsInput): Promise<void> {
    await db.transaction(async (tx) => {
      if (steps.length > 0) await enrollments.appendSteps(enrollmentId, steps, tx);
      if (enrollment) {
        const ended = enrollment.endedAt !== undefined;
        // An ended run's current node is where it ended (the node of its `ended` step), not the last
        // node it waited at: support reads this row to see where each journey left the customer.
        const endNode = ended ? (steps.find((s) => s.kind === 'ended')?.nodeId ?? undefined) : undefined;
        const currentNode = enrollment.currentNode !== undefined ? enrollment.currentNode : endNode;
        await enrollments.updateSummary(
          enrollmentId,
          {
            status: enrollment.status ?? null,
            setCurrentNode: currentNode !== undefined,
            currentNode: currentNode ?? null,
            setWaitingUntil: enrollment.waitingUntil !== undefined,
            waitingUntil: enrollment.waitingUntil ?? null,
            movesOnAt: enrollment.movesOnAt ?? enrollment.waitingUntil ?? null,
            setEndedAt: ended,
            endedAt: enrollment.endedAt ?? null,
            exitReason: enrollment.exitReason ?? null,
          },
          tx,
        );
      }
    });
  }
}
