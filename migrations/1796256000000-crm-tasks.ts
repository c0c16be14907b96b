import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * CRM tasks: follow-ups for a human (the customer's account manager, or a team queue) created by the
 * `crm_task` action. One task per ledger idempotency key, so a retried action never creates a second
 * one. The `outbound_*` columns track the optional copy posted to an external CRM.
 */
export class CrmTasks1796256000000 implements MigrationInterface {
  name = 'CrmTasks1796256000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE crm_tasks (
        id                bigserial PRIMARY KEY,
        idempotency_key   text NOT NULL UNIQUE,
        enrollment_id     text NOT NULL,
        journey_id        text NOT NULL,
        node_id           text NOT NULL,
        customer_id       text NOT NULL,
        assignee          text,
        queue             text,
        title             text NOT NULL,
        details           text,
        due_at            timestamptz,
        status            text NOT NULL DEFAULT 'open',
        claimed_by        text,
        claimed_at        timestamptz,
        completed_by      text,
        completed_at      timestamptz,
        outcome           text,
        outbound_status   text,
        outbound_error    text,
        outbound_attempts integer NOT NULL DEFAULT 0,
        created_at        timestamptz NOT NULL DEFAULT now(),
        updated_at        timestamptz NOT NULL DEFAULT now(),
        CHECK ((assignee IS NULL) <> (queue IS NULL)),
        CHECK (status IN ('open', 'claimed', 'completed', 'cancelled')),
        CHECK (outbound_status IN ('pending', 'delivered', 'failed', 'rejected'))
      )`);
    // The work lists: a manager's or a queue's tasks by status, newest first; a customer's tasks.
    await db.query(`CREATE INDEX crm_tasks_assignee ON crm_tasks (assignee, status, id DESC) WHERE assignee IS NOT NULL`);
    await db.query(`CREATE INDEX crm_tasks_queue ON crm_tasks (queue, status, id DESC) WHERE queue IS NOT NULL`);
    await db.query(`CREATE INDEX crm_tasks_status ON crm_tasks (status, id DESC)`);
    await db.query(`CREATE INDEX crm_tasks_customer ON crm_tasks (customer_id, id DESC)`);
    // What retryOutbound scans: copies the external CRM has not acknowledged yet.
    await db.query(`CREATE INDEX crm_tasks_outbound_due ON crm_tasks (id) WHERE outbound_status IN ('pending', 'failed')`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE IF EXISTS crm_tasks`);
  }
}
