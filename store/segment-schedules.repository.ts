/**
 * `segment_schedules`: the segment-entry schedules the API created (each mirrors a Temporal Schedule
 * of the same id). Methods that take part in a caller's transaction take it as `tx`.
 */
import type { Queryable } from './queryable.js';

/** A schedule's row. `Timing` is the caller's spec type (stored as JSON); `seq` orders schedules (a bigint, as text). */
export interface SegmentScheduleRow<Timing = unknown> {
  id: string;
  seq: string;
  journey_id: string;
  segment_key: string;
  spec: Timing;
  batch_size: number;
  rate_per_second: number | null;
  created_by: string;
  created_at: Date;
}

/** A schedule to record. */
export interface NewSegmentSchedule<Timing = unknown> {
  id: string;
  journeyId: string;
  segment: string;
  spec: Timing;
  batchSize: number;
  ratePerSecond: number | null;
  createdBy: string;
}

export class SegmentSchedulesRepository<Timing = unknown> {
  constructor(private readonly db: Queryable) {}

  async insert(s: NewSegmentSchedule<Timing>, tx: Queryable = this.db): Promise<void> {
    await tx.query(
      `INSERT INTO segment_schedules (id, journey_id, segment_key, spec, batch_size, rate_per_second, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [s.id, s.journeyId, s.segment, JSON.stringify(s.spec), s.batchSize, s.ratePerSecond, s.createdBy],
    );
  }

  /** The schedule of the journey; null when there is none. */
  async ofJourney(journeyId: string, scheduleId: string): Promise<SegmentScheduleRow<Timing> | null> {
    const rows: SegmentScheduleRow<Timing>[] = await this.db.query(`SELECT * FROM segment_schedules WHERE id = $1 AND journey_id = $2`, [scheduleId, journeyId]);
    return rows[0] ?? null;
  }

  /** The journey's schedules before `beforeSeq` (all when null), newest first, at most `limit`. */
  async pageOfJourney(journeyId: string, beforeSeq: number | null, limit: number): Promise<SegmentScheduleRow<Timing>[]> {
    return this.db.query(`SELECT * FROM segment_schedules WHERE journey_id = $1 AND ($2::bigint IS NULL OR seq < $2) ORDER BY seq DESC LIMIT $3`, [
      journeyId,
      beforeSeq,
      limit,
    ]);
  }

  async delete(scheduleId: string, tx: Queryable = this.db): Promise<void> {
    await tx.query(`DELETE FROM segment_schedules WHERE id = $1`, [scheduleId]);
  }
}
