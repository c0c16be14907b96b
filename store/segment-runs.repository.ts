/**
 * `segment_runs`: one row per segment-entry run (one-off or started by a schedule) with its progress,
 * written by the API when it starts a run and by the `segmentEntry` activities as the run goes.
 * Methods that take part in a caller's transaction take it as `tx`.
 */
import type { CompiledSegment } from '../engine/segments/compile.js';
import type { Queryable } from './queryable.js';

/** A run's row. `seq` orders runs (a bigint, as text). */
export interface SegmentRunRow {
  id: string;
  seq: string;
  journey_id: string;
  segment_key: string;
  schedule_id: string | null;
  status: 'running' | 'completed' | 'failed';
  total: number | null;
  processed: number;
  enrolled: number;
  skipped: number;
  batch_size: number;
  rate_per_second: number | null;
  error: string | null;
  started_at: Date;
  updated_at: Date;
  finished_at: Date | null;
}

/** A run to record. */
export interface NewSegmentRun {
  id: string;
  journeyId: string;
  segment: string;
  scheduleId: string | null;
  batchSize: number;
  ratePerSecond: number | null;
}

/** One page of members handled: the counts to add and the new cursor. */
export interface SegmentRunPage {
  /** The cursor the page started from (the page is counted only if the run is still there). */
  after: string | null;
  last: string;
  processed: number;
  enrolled: number;
  skipped: number;
}

export class SegmentRunsRepository {
  constructor(private readonly db: Queryable) {}

  /** Records a one-off run started by the API. */
  async insert(run: Omit<NewSegmentRun, 'scheduleId'>, tx: Queryable = this.db): Promise<void> {
    await tx.query(`INSERT INTO segment_runs (id, journey_id, segment_key, batch_size, rate_per_second) VALUES ($1, $2, $3, $4, $5)`, [
      run.id,
      run.journeyId,
      run.segment,
      run.batchSize,
      run.ratePerSecond,
    ]);
  }

  /** Records the run unless it is recorded already (a schedule's runs are recorded by their first activity). */
  async insertIfNew(run: NewSegmentRun): Promise<void> {
    await this.db.query(
      `INSERT INTO segment_runs (id, journey_id, segment_key, schedule_id, batch_size, rate_per_second)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING`,
      [run.id, run.journeyId, run.segment, run.scheduleId, run.batchSize, run.ratePerSecond],
    );
  }

  /** Marks a run whose workflow could not be started as failed. */
  async markNotStarted(id: string, error: string): Promise<void> {
    await this.db.query(`UPDATE segment_runs SET status = 'failed', error = $2, finished_at = now() WHERE id = $1`, [id, error]);
  }

  /** The run of the journey; null when there is none. */
  async ofJourney(journeyId: string, runId: string): Promise<SegmentRunRow | null> {
    const rows: SegmentRunRow[] = await this.db.query(`SELECT * FROM segment_runs WHERE id = $1 AND journey_id = $2`, [runId, journeyId]);
    return rows[0] ?? null;
  }

  /** The run; null when there is none. */
  async byId(runId: string): Promise<SegmentRunRow | null> {
    const rows: SegmentRunRow[] = await this.db.query(`SELECT * FROM segment_runs WHERE id = $1`, [runId]);
    return rows[0] ?? null;
  }

  /** The journey's runs before `beforeSeq` (all when null), newest first, at most `limit`. */
  async pageOfJourney(journeyId: string, beforeSeq: number | null, limit: number): Promise<SegmentRunRow[]> {
    return this.db.query(`SELECT * FROM segment_runs WHERE journey_id = $1 AND ($2::bigint IS NULL OR seq < $2) ORDER BY seq DESC LIMIT $3`, [
      journeyId,
      beforeSeq,
      limit,
    ]);
  }

  /** One-off runs (no schedule) still running that have not moved for `olderThanMs`, oldest first, at most `limit`. */
  async oneOffRunningStalledFor(olderThanMs: number, limit: number): Promise<SegmentRunRow[]> {
    return this.db.query(
      `SELECT * FROM segment_runs
        WHERE status = 'running' AND schedule_id IS NULL AND updated_at < now() - make_interval(secs => $1 / 1000.0)
        ORDER BY updated_at LIMIT $2`,
      [olderThanMs, limit],
    );
  }

  /** Sets the run's total, once: the count of customers matching the compiled rule (placeholders from $2). */
  async countTotalOnce(runId: string, rule: CompiledSegment, tx: Queryable = this.db): Promise<void> {
    await tx.query(
      `UPDATE segment_runs SET total = (SELECT count(*) FROM customers c WHERE ${rule.sql}), updated_at = now()
        WHERE id = $1 AND total IS NULL`,
      [runId, ...rule.params],
    );
  }

  /** The last customer id the run has handled; null before the first page (or when there is no such run). */
  async cursorOf(runId: string): Promise<string | null> {
    const rows: { after_customer: string | null }[] = await this.db.query(`SELECT after_customer FROM segment_runs WHERE id = $1`, [runId]);
    return rows[0]?.after_customer ?? null;
  }

  /** Adds a page to the run's progress when the run's cursor is still where the page started (a retried page counts once). */
  async recordPage(runId: string, page: SegmentRunPage): Promise<void> {
    await this.db.query(
      `UPDATE segment_runs SET processed = processed + $3, enrolled = enrolled + $4, skipped = skipped + $5,
              after_customer = $2, updated_at = now()
        WHERE id = $1 AND after_customer IS NOT DISTINCT FROM $6`,
      [runId, page.last, page.processed, page.enrolled, page.skipped, page.after],
    );
  }

  /** Marks the run finished with `status`. */
  async finish(runId: string, status: 'completed' | 'failed', error: string | null): Promise<void> {
    await this.db.query(`UPDATE segment_runs SET status = $2, error = $3, finished_at = now(), updated_at = now() WHERE id = $1`, [runId, status, error]);
  }
}
