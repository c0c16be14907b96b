/** `segment_memberships`: which customers are in a trigger segment, and since when (entering one enrolls). */
import type { Queryable } from './queryable.js';

export class SegmentMembershipsRepository {
  constructor(private readonly db: Queryable) {}

  /** Records that the customer is in the segment; returns when they entered, or null when they already were. */
  async enter(segmentKey: string, customerId: string): Promise<Date | null> {
    const rows: { entered_at: Date }[] = await this.db.query(
      `INSERT INTO segment_memberships (segment_key, customer_id) VALUES ($1, $2)
       ON CONFLICT DO NOTHING RETURNING entered_at`,
      [segmentKey, customerId],
    );
    return rows[0]?.entered_at ?? null;
  }

  /** Forgets the customer's membership of the segment (they left it). */
  async leave(segmentKey: string, customerId: string): Promise<void> {
    await this.db.query(`DELETE FROM segment_memberships WHERE segment_key = $1 AND customer_id = $2`, [segmentKey, customerId]);
  }
}
