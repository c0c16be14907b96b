/**
 * The grouped counts behind the API's Prometheus gauges (observability/metrics.ts): each method
 * answers one gauge family as rows of labels plus `n`. Read-only; a scrape runs them all in one
 * snapshot (`withReadOnlySnapshot`) and passes it as `tx`.
 */
import type { Queryable } from './queryable.js';

/** One gauge sample: its labels and the count `n`. */
export type GaugeRow<Label extends string> = Record<Label, string> & { n: number };

export class RuntimeGaugesRepository {
  constructor(private readonly db: Queryable) {}

  /** Enrollments by journey and current status. */
  async enrollmentsByStatus(tx: Queryable = this.db): Promise<GaugeRow<'journey_id' | 'status'>[]> {
    return tx.query(`SELECT journey_id, status, count(*)::int AS n FROM enrollments GROUP BY 1, 2`);
  }

  /** `node_entered` steps by journey and node. */
  async nodeEntries(tx: Queryable = this.db): Promise<GaugeRow<'journey_id' | 'node_id'>[]> {
    return tx.query(
      `SELECT e.journey_id, s.node_id, count(*)::int AS n
         FROM enrollment_steps s JOIN enrollments e ON e.id = s.enrollment_id
        WHERE s.kind = 'node_entered' AND s.node_id IS NOT NULL GROUP BY 1, 2`,
    );
  }

  /** Active runs waiting now, by journey and node ('' when none). */
  async waitsInProgress(tx: Queryable = this.db): Promise<GaugeRow<'journey_id' | 'node_id'>[]> {
    return tx.query(
      `SELECT journey_id, COALESCE(current_node, '') AS node_id, count(*)::int AS n
         FROM enrollments WHERE status = 'active' AND waiting_until IS NOT NULL GROUP BY 1, 2`,
    );
  }

  /** Send-ledger touches by action and status. */
  async messagesByStatus(tx: Queryable = this.db): Promise<GaugeRow<'action' | 'status'>[]> {
    return tx.query(`SELECT action, status, count(*)::int AS n FROM messages GROUP BY 1, 2`);
  }

  /**
   * Touches held back before any provider was called, by action (the channel) and reason: policy
   * (`no_consent`, `frequency_cap`), a missing recipient (`no_recipient`), and quiet-hours deferrals
   * (`quiet_hours`, from the action node's quiet-hours wait), as the journey stats count them.
   */
  async suppressedSends(tx: Queryable = this.db): Promise<GaugeRow<'action' | 'reason'>[]> {
    return tx.query(
      `SELECT action, COALESCE(error_code, status) AS reason, count(*)::int AS n
         FROM messages WHERE status = 'suppressed' OR (status = 'failed' AND error_code = 'no_recipient') GROUP BY 1, 2
       UNION ALL
       SELECT detail->>'action' AS action, 'quiet_hours' AS reason, count(*)::int AS n
         FROM enrollment_steps WHERE kind = 'wait_started' AND detail->>'kind' = 'quiet_hours' GROUP BY 1`,
    );
  }

  /** Stored events whose dispatch to journeys has not completed (the outbox backlog). */
  async outboxPending(tx: Queryable = this.db): Promise<GaugeRow<never>[]> {
    return tx.query(`SELECT count(*)::int AS n FROM events WHERE dispatched_at IS NULL`);
  }

  /** Age in seconds of the oldest stored event not dispatched yet (0 when none). */
  async outboxOldestSeconds(tx: Queryable = this.db): Promise<GaugeRow<never>[]> {
    return tx.query(`SELECT COALESCE(EXTRACT(EPOCH FROM now() - min(received_at)), 0)::float AS n FROM events WHERE dispatched_at IS NULL`);
  }
}
