/**
 * `backtests` and `backtest_population`: a backtest's request, the plan it replays, its progress and
 * figures; the customers it takes, numbered once so pages are keyset reads. Also the live figures of
 * the journey over the same window (read from `enrollments`, never written).
 */
import type { Queryable } from './queryable.js';

export type BacktestStatus = 'running' | 'completed' | 'failed' | 'cancelled';

/** A backtest as stored. */
export interface BacktestRow {
  id: string;
  journey_id: string;
  source: string;
  window_from: Date;
  window_to: Date;
  run_until: Date;
  sample: number | null;
  segment: string | null;
  spec: Record<string, unknown>;
  status: BacktestStatus;
  total: number | null;
  processed: number;
  after_ord: number | null;
  figures: Record<string, unknown> | null;
  live: Record<string, unknown> | null;
  error: string | null;
  created_by: string;
  created_at: Date;
  updated_at: Date;
  finished_at: Date | null;
}

/** A backtest to record, `running`. */
export interface NewBacktest {
  id: string;
  journeyId: string;
  source: string;
  from: Date;
  to: Date;
  runUntil: Date;
  sample: number | null;
  segment: string | null;
  spec: Record<string, unknown>;
  createdBy: string;
}

/** Who to take: customers with an event named `event` in [from, to), optionally only members of a segment (its compiled predicate over `c`, placeholders from $6). */
export interface PopulationQuery {
  event: string;
  from: Date;
  to: Date;
  sample: number | null;
  segment: { sql: string; params: unknown[] } | null;
}

/** The real runs of the journey that entered in a window: how they ended and the nodes they entered. */
export interface LiveFigureRows {
  entered: number;
  ended: { status: string; reason: string | null; n: number }[];
  nodes: { node_id: string; n: number }[];
}

const COLUMNS = `id, journey_id, source, window_from, window_to, run_until, sample, segment, spec, status, total, processed, after_ord, figures, live, error, created_by, created_at, updated_at, finished_at`;

export class BacktestsRepository {
  constructor(private readonly db: Queryable) {}

  async insert(b: NewBacktest): Promise<void> {
    await this.db.query(
      `INSERT INTO backtests (id, journey_id, source, window_from, window_to, run_until, sample, segment, spec, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [b.id, b.journeyId, b.source, b.from, b.to, b.runUntil, b.sample, b.segment, JSON.stringify(b.spec), b.createdBy],
    );
  }

  async byId(id: string, tx: Queryable = this.db): Promise<BacktestRow | null> {
    const rows: BacktestRow[] = await tx.query(`SELECT ${COLUMNS} FROM backtests WHERE id = $1`, [id]);
    return rows[0] ?? null;
  }

  /** The row, locked for the caller's transaction (one page is recorded at a time). */
  async lockById(id: string, tx: Queryable): Promise<BacktestRow | null> {
    const rows: BacktestRow[] = await tx.query(`SELECT ${COLUMNS} FROM backtests WHERE id = $1 FOR UPDATE`, [id]);
    return rows[0] ?? null;
  }

  /** Numbers the population (in a stable pseudo-random order, so a sample is unbiased) and returns its size. */
  async populate(id: string, q: PopulationQuery, tx: Queryable): Promise<number> {
    const segment = q.segment ? `JOIN customers c ON c.id = e.customer_id AND ${q.segment.sql}` : '';
    const rows: { n: number }[] = await tx.query(
      `WITH taken AS (
         SELECT customer_id FROM (SELECT DISTINCT e.customer_id FROM events e ${segment}
                                   WHERE e.name = $2 AND e.event_time >= $3 AND e.event_time < $4) d
          ORDER BY md5(customer_id), customer_id LIMIT $5
       ), inserted AS (
         INSERT INTO backtest_population (backtest_id, ord, customer_id)
         SELECT $1, row_number() OVER (ORDER BY md5(customer_id), customer_id), customer_id FROM taken
         RETURNING 1
       )
       SELECT count(*)::int AS n FROM inserted`,
      [id, q.event, q.from, q.to, q.sample, ...(q.segment?.params ?? [])],
    );
    return rows[0].n;
  }

  async setTotal(id: string, total: number, tx: Queryable): Promise<void> {
    await tx.query(`UPDATE backtests SET total = $2, after_ord = 0, updated_at = now() WHERE id = $1`, [id, total]);
  }

  /** The next `limit` customers after position `after`. */
  async populationAfter(id: string, after: number, limit: number): Promise<{ ord: number; customer_id: string }[]> {
    return this.db.query(`SELECT ord, customer_id FROM backtest_population WHERE backtest_id = $1 AND ord > $2 ORDER BY ord LIMIT $3`, [id, after, limit]);
  }

  /** Records a page: progress, cursor and the figures so far. */
  async recordPage(id: string, page: { last: number; processed: number; figures: unknown }, tx: Queryable): Promise<void> {
    await tx.query(`UPDATE backtests SET processed = processed + $2, after_ord = $3, figures = $4, updated_at = now() WHERE id = $1`, [
      id,
      page.processed,
      page.last,
      JSON.stringify(page.figures),
    ]);
  }

  /** Ends a running backtest and empties its population; a backtest that already ended is left alone. */
  async finish(id: string, end: { status: Exclude<BacktestStatus, 'running'>; error: string | null; live: unknown }): Promise<void> {
    await this.db.query(`UPDATE backtests SET status = $2, error = $3, live = $4, updated_at = now(), finished_at = now() WHERE id = $1 AND status = 'running'`, [
      id,
      end.status,
      end.error,
      end.live === null ? null : JSON.stringify(end.live),
    ]);
    await this.db.query(`DELETE FROM backtest_population WHERE backtest_id = $1`, [id]);
  }

  /** Backtests still running that have not moved for `olderThanMs` (their workflow's start was lost), oldest first. */
  async runningStalledFor(olderThanMs: number, limit: number): Promise<{ id: string }[]> {
    return this.db.query(
      `SELECT id FROM backtests WHERE status = 'running' AND updated_at < now() - make_interval(secs => $1 / 1000.0) ORDER BY updated_at LIMIT $2`,
      [olderThanMs, limit],
    );
  }

  /** Asks a running backtest to stop (its workflow ends at the next page). True when it was running. */
  async cancel(id: string): Promise<boolean> {
    const rows: unknown[] = await this.db.query(`UPDATE backtests SET status = 'cancelled', updated_at = now(), finished_at = now() WHERE id = $1 AND status = 'running' RETURNING id`, [id]);
    return rows.length > 0;
  }

  /** The journey's real runs that entered in [from, to): how they ended and which nodes they entered (read only). */
  async liveFigures(journeyId: string, from: Date, to: Date): Promise<LiveFigureRows> {
    const [ended, nodes]: [{ status: string; reason: string | null; n: number }[], { node_id: string; n: number }[]] = await Promise.all([
      this.db.query(
        `SELECT status, exit_reason AS reason, count(*)::int AS n FROM enrollments
          WHERE journey_id = $1 AND enrolled_at >= $2 AND enrolled_at < $3 GROUP BY 1, 2 ORDER BY 1, 2`,
        [journeyId, from, to],
      ),
      this.db.query(
        `SELECT s.node_id, count(*)::int AS n FROM enrollments e JOIN enrollment_steps s ON s.enrollment_id = e.id AND s.kind = 'node_entered'
          WHERE e.journey_id = $1 AND e.enrolled_at >= $2 AND e.enrolled_at < $3 GROUP BY 1 ORDER BY 1`,
        [journeyId, from, to],
      ),
    ]);
    return { entered: ended.reduce((s, r) => s + r.n, 0), ended, nodes };
  }
}
