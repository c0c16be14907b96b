import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Long work runs durably, outside requests: `operations` records each bulk operation (a stop's
 * exit of every live run) that a Temporal workflow carries out, with its progress, for
 * `GET /v1/operations/:id`. `crm_tasks.outbound_lease_until` lets one re-delivery loop at a time
 * hold a task's outbound copy while it POSTs it, whatever the number of processes.
 */
export class DurableOperations1797000000000 implements MigrationInterface {
  name = 'DurableOperations1797000000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE operations (
        id          text PRIMARY KEY,
        kind        text NOT NULL,
        journey_id  text NOT NULL,
        status      text NOT NULL DEFAULT 'running',
        total       integer,
        done        integer NOT NULL DEFAULT 0,
        after_key   text,
        detail      jsonb NOT NULL DEFAULT '{}'::jsonb,
        error       text,
        created_by  text NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now(),
        updated_at  timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz,
        CHECK (kind IN ('journey_exit')),
        CHECK (status IN ('running', 'completed', 'failed'))
      )`);
    // What the recovery sweep scans: operations still running.
    await db.query(`CREATE INDEX operations_running ON operations (updated_at) WHERE status = 'running'`);
    await db.query(`ALTER TABLE crm_tasks ADD COLUMN outbound_lease_until timestamptz`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE crm_tasks DROP COLUMN outbound_lease_until`);
    await db.query(`DROP TABLE operations`);
  }
}
