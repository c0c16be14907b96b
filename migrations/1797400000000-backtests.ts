import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Backtests (issue 16): a draft or version replayed over stored customers and their stored events for
 * a past window, as a durable job. `backtests` holds the request, the compiled plan it runs, progress
 * and the figures so far; `backtest_population` the customers it takes (materialised once, so pages
 * are cheap keyset reads), emptied when it ends. Neither touches the live enrollment tables.
 */
export class Backtests1797400000000 implements MigrationInterface {
  name = 'Backtests1797400000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE backtests (
        id          text PRIMARY KEY,
        journey_id  text NOT NULL,
        source      text NOT NULL,
        window_from timestamptz NOT NULL,
        window_to   timestamptz NOT NULL,
        run_until   timestamptz NOT NULL,
        sample      integer,
        segment     text,
        spec        jsonb NOT NULL,
        status      text NOT NULL DEFAULT 'running',
        total       integer,
        processed   integer NOT NULL DEFAULT 0,
        after_ord   integer,
        figures     jsonb,
        live        jsonb,
        error       text,
        created_by  text NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now(),
        updated_at  timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz,
        CHECK (status IN ('running', 'completed', 'failed', 'cancelled'))
      )`);
    await db.query(`CREATE INDEX backtests_journey ON backtests (journey_id, created_at DESC)`);
    // What the recovery sweep scans: backtests still running.
    await db.query(`CREATE INDEX backtests_running ON backtests (updated_at) WHERE status = 'running'`);
    await db.query(`
      CREATE TABLE backtest_population (
        backtest_id text NOT NULL REFERENCES backtests(id) ON DELETE CASCADE,
        ord         integer NOT NULL,
        customer_id text NOT NULL,
        PRIMARY KEY (backtest_id, ord)
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE backtest_population`);
    await db.query(`DROP TABLE backtests`);
  }
}
