import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Segment-triggered bulk entry: one row per run (one-off or started by a schedule) with its progress,
 * and the schedules that start runs (the schedule itself lives in Temporal; this row lists it).
 */
export class SegmentRuns1796700000000 implements MigrationInterface {
  name = 'SegmentRuns1796700000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE segment_schedules (
        id           text PRIMARY KEY,
        seq          bigserial NOT NULL,
        journey_id   text NOT NULL REFERENCES journeys(id),
        segment_key  text NOT NULL,
        spec         jsonb NOT NULL,
        batch_size   integer NOT NULL,
        rate_per_second integer,
        created_by   text NOT NULL,
        created_at   timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX segment_schedules_journey ON segment_schedules (journey_id, seq)`);
    await db.query(`
      CREATE TABLE segment_runs (
        id              text PRIMARY KEY,
        seq             bigserial NOT NULL,
        journey_id      text NOT NULL REFERENCES journeys(id),
        segment_key     text NOT NULL,
        schedule_id     text,
        status          text NOT NULL DEFAULT 'running',
        batch_size      integer NOT NULL,
        rate_per_second integer,
        total           integer,
        processed       integer NOT NULL DEFAULT 0,
        enrolled        integer NOT NULL DEFAULT 0,
        skipped         integer NOT NULL DEFAULT 0,
        after_customer  text,
        error           text,
        started_at      timestamptz NOT NULL DEFAULT now(),
        updated_at      timestamptz NOT NULL DEFAULT now(),
        finished_at     timestamptz,
        CHECK (status IN ('running', 'completed', 'failed'))
      )`);
    await db.query(`CREATE INDEX segment_runs_journey ON segment_runs (journey_id, seq)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE IF EXISTS segment_runs`);
    await db.query(`DROP TABLE IF EXISTS segment_schedules`);
  }
}
