/**
 * `operations`: bulk work a Temporal workflow carries out for a request that has already answered
 * (a stop's exit of every live run), with its progress. `byId` also answers for segment runs
 * (`segment_runs`), so `GET /v1/operations/:id` reads either kind the same way.
 */
import type { Queryable } from './queryable.js';

/** An operation as any kind reports it. */
export interface OperationRow {
  id: string;
  kind: 'journey_exit' | 'segment_entry';
  journey_id: string;
  status: 'running' | 'completed' | 'failed';
  /** Items to handle, counted when the work began; null until counted. */
  total: number | null;
  done: number;
  detail: Record<string, unknown>;
  error: string | null;
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
  finished_at: Date | null;
}

/** An operation to record, `running`. */
export interface NewOperation {
  id: string;
  kind: 'journey_exit';
  journeyId: string;
  detail: Record<string, unknown>;
  createdBy: string;
}

/** One page handled: how many items, and the key of its last item (the cursor the next page starts after). */
export interface OperationPage {
  /** The cursor the page started from: the page counts only if the operation is still there. */
  after: string | null;
  last: string;
  done: number;
}

export class OperationsRepository {
  constructor(private readonly db: Queryable) {}

  async insert(op: NewOperation, tx: Queryable = this.db): Promise<void> {
    await tx.query(`INSERT INTO operations (id, kind, journey_id, detail, created_by) VALUES ($1, $2, $3, $4, $5)`, [
      op.id,
      op.kind,
      op.journeyId,
      JSON.stringify(op.detail),
      op.createdBy,
    ]);
  }

  /** The operation (or segment run) with the id; null when there is none. */
  async byId(id: string): Promise<OperationRow | null> {
    const rows: OperationRow[] = await this.db.query(
      `SELECT id, kind, journey_id, status, total, done, detail, error, created_by, created_at, updated_at, finished_at
         FROM operations WHERE id = $1
       UNION ALL
       SELECT id, 'segment_entry', journey_id, status, total, processed,
              jsonb_build_object('segment', segment_key, 'scheduleId', schedule_id, 'enrolled', enrolled, 'skipped', skipped),
              error, NULL, started_at, updated_at, finished_at
         FROM segment_runs WHERE id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }

  /** Operations still running that have not moved for `olderThanMs`, oldest first, at most `limit`. */
  async runningStalledFor(olderThanMs: number, limit: number): Promise<OperationRow[]> {
    return this.db.query(
      `SELECT id, kind, journey_id, status, total, done, detail, error, created_by, created_at, updated_at, finished_at
         FROM operations
        WHERE status = 'running' AND updated_at < now() - make_interval(secs => $1 / 1000.0)
        ORDER BY updated_at LIMIT $2`,
      [olderThanMs, limit],
    );
  }

  /** Sets the operation's total once (a retried start keeps the first count). */
  async setTotalOnce(id: string, total: number): Promise<void> {
    await this.db.query(`UPDATE operations SET total = $2, updated_at = now() WHERE id = $1 AND total IS NULL`, [id, total]);
  }

  /** The key of the last item handled; null before the first page. */
  async cursorOf(id: string): Promise<string | null> {
    const rows: { after_key: string | null }[] = await this.db.query(`SELECT after_key FROM operations WHERE id = $1`, [id]);
    return rows[0]?.after_key ?? null;
  }

  /** Adds a page to the progress when the cursor is still where the page started (a retried page counts once). */
  async recordPage(id: string, page: OperationPage): Promise<void> {
    await this.db.query(
      `UPDATE operations SET done = done + $3, after_key = $2, updated_at = now()
        WHERE id = $1 AND after_key IS NOT DISTINCT FROM $4`,
      [id, page.last, page.done, page.after],
    );
  }

  /** Marks the operation finished with `status`. */
  async finish(id: string, status: 'completed' | 'failed', error: string | null): Promise<void> {
    await this.db.query(`UPDATE operations SET status = $2, error = $3, finished_at = now(), updated_at = now() WHERE id = $1`, [id, status, error]);
  }
}
