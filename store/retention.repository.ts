/** Deletion past retention (docs/operations.md#retention): one batch at a time, so no statement holds many rows. */
import type { Queryable } from './queryable.js';

export class RetentionRepository {
  constructor(private readonly db: Queryable) {}

  /** Deletes up to `limit` dispatched events with event time before `cutoff`; answers how many went. */
  async deleteEventsBefore(cutoff: Date, limit: number): Promise<number> {
    const rows: { n: number }[] = await this.db.query(
      `WITH gone AS (
         DELETE FROM events WHERE id IN (
           SELECT id FROM events WHERE event_time < $1 AND dispatched_at IS NOT NULL LIMIT $2 FOR UPDATE SKIP LOCKED)
         RETURNING 1)
       SELECT count(*)::int AS n FROM gone`,
      [cutoff, limit],
    );
    return rows[0].n;
  }

  /** Removes the rendered texts and recipients of up to `limit` settled messages created before `cutoff`; answers how many changed. */
  async blankMessageTextsBefore(cutoff: Date, limit: number): Promise<number> {
    const rows: { n: number }[] = await this.db.query(
      `WITH blanked AS (
         UPDATE messages SET request = '{}'::jsonb, recipient = NULL WHERE id IN (
           SELECT id FROM messages WHERE created_at < $1 AND status <> 'pending' AND (request <> '{}'::jsonb OR recipient IS NOT NULL)
            LIMIT $2 FOR UPDATE SKIP LOCKED)
         RETURNING 1)
       SELECT count(*)::int AS n FROM blanked`,
      [cutoff, limit],
    );
    return rows[0].n;
  }
}
