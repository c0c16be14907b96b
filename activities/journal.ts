/** Writes a run's step records and its enrollment summary. Idempotent: a retried write changes nothing. */
import type { DataSource } from 'typeorm';
import type { RecordStepsInput } from '../engine/runtime.js';
import { activityFields } from '../observability/activity-context.js';
import { errorFields, noopLogger, type Logger } from '../observability/logger.js';

export function createJournalActivities(db: DataSource, logger: Logger = noopLogger) {
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
      if (steps.length > 0) {
        await tx.query(
          `INSERT INTO enrollment_steps (enrollment_id, seq, at, node_id, kind, detail)
           SELECT $1, s.seq, to_timestamp(s.at / 1000.0), s.node_id, s.kind, s.detail
             FROM jsonb_to_recordset($2::jsonb) AS s(seq int, at double precision, node_id text, kind text, detail jsonb)
           ON CONFLICT (enrollment_id, seq) DO NOTHING`,
          [enrollmentId, JSON.stringify(steps.map((s) => ({ ...s, node_id: s.nodeId })))],
        );
      }
      if (enrollment) {
        const ended = enrollment.endedAt !== undefined;
        // An ended run's current node is where it ended (the node of its `ended` step), not the last
        // node it waited at: support reads this row to see where each journey left the customer.
        const endNode = ended ? (steps.find((s) => s.kind === 'ended')?.nodeId ?? undefined) : undefined;
        const currentNode = enrollment.currentNode !== undefined ? enrollment.currentNode : endNode;
        await tx.query(
          `UPDATE enrollments SET
             status        = COALESCE($2, status),
             current_node  = CASE WHEN $3 THEN $4 ELSE current_node END,
             waiting_until = CASE WHEN $5 THEN to_timestamp($6 / 1000.0) ELSE waiting_until END,
             started_at    = COALESCE(started_at, now()),
             ended_at      = CASE WHEN $7 THEN to_timestamp($8 / 1000.0) ELSE ended_at END,
             exit_reason   = COALESCE($9, exit_reason)
           WHERE id = $1`,
          [
            enrollmentId,
            enrollment.status ?? null,
            currentNode !== undefined,
            currentNode ?? null,
            enrollment.waitingUntil !== undefined,
            enrollment.waitingUntil ?? null,
            ended,
            enrollment.endedAt ?? null,
            enrollment.exitReason ?? null,
          ],
        );
      }
    });
  }
}
