/**
 * What the engine holds about one customer across tables, as the profile reads it (live runs, message
 * counts). Export and erasure read and change the same rows (store/customer-data.repository.ts).
 */
import type { Queryable } from './queryable.js';

/** A run the customer is in now, where it stands and when it moves on next. */
export interface LiveRunRow {
  enrollmentId: string;
  journeyId: string;
  journeyName: string;
  versionId: string;
  status: string;
  enrolledAt: Date;
  currentNode: string | null;
  /** When the wait it is in ends by itself (its timeout), null when not waiting. */
  waitingUntil: Date | null;
  /** The next deadline: the moment it moves on (a wait's timeout, or an earlier window's end). */
  movesOnAt: Date | null;
}

export class CustomerRecordsRepository {
  constructor(private readonly db: Queryable) {}

  /** The customer's pending and active runs, newest first. */
  async liveRunsOf(customerId: string): Promise<LiveRunRow[]> {
    return this.db.query(
      `SELECT e.id AS "enrollmentId", e.journey_id AS "journeyId", j.name AS "journeyName", e.version_id AS "versionId", e.status,
              e.enrolled_at AS "enrolledAt", e.current_node AS "currentNode", e.waiting_until AS "waitingUntil",
              COALESCE(e.moves_on_at, e.waiting_until) AS "movesOnAt"
         FROM enrollments e JOIN journeys j ON j.id = e.journey_id
        WHERE e.customer_id = $1 AND e.status IN ('pending', 'active')
        ORDER BY e.enrolled_at DESC, e.id DESC`,
      [customerId],
    );
  }

  /** How many messages the ledger holds for the customer, by status (sent, failed, suppressed, pending). */
  async messageCountsOf(customerId: string): Promise<Record<string, number>> {
    const rows: { status: string; n: number }[] = await this.db.query(
      `SELECT status, count(*)::int AS n FROM messages WHERE customer_id = $1 GROUP BY status ORDER BY status`,
      [customerId],
    );
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  }
}
