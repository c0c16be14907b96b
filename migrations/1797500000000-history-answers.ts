import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the customer history answers (issue 19): the recipient a message went to, every delivery report
 * as it arrived (not only the latest), the entries a journey refused ("not enrolled", with the rule),
 * and an index for listing one customer's events by time.
 */
export class HistoryAnswers1797500000000 implements MigrationInterface {
  name = 'HistoryAnswers1797500000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE messages ADD COLUMN recipient text`);
    await db.query(`
      CREATE TABLE message_delivery_reports (
        id          bigserial PRIMARY KEY,
        message_id  bigint NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
        status      text NOT NULL,
        error_code  text,
        explanation text NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX message_delivery_reports_message ON message_delivery_reports (message_id, id)`);
    await db.query(`
      CREATE TABLE enrollment_refusals (
        id            bigserial PRIMARY KEY,
        customer_id   text NOT NULL,
        journey_id    text NOT NULL,
        version_id    text,
        reason        text NOT NULL,
        rule          text NOT NULL,
        enrollment_id text,
        trigger_key   text,
        entry         jsonb NOT NULL,
        at            timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX enrollment_refusals_customer ON enrollment_refusals (customer_id, at DESC, id DESC)`);
    // A trigger retried (an event dispatched again by the outbox) is refused once.
    await db.query(`CREATE UNIQUE INDEX enrollment_refusals_trigger ON enrollment_refusals (journey_id, customer_id, trigger_key) WHERE trigger_key IS NOT NULL`);
    // When a waiting run really moves on (a wait for an event listens for the late-event grace after its
    // window). Readers take waiting_until where it is null (runs that started waiting before this).
    await db.query(`ALTER TABLE enrollments ADD COLUMN moves_on_at timestamptz`);
    await db.query(`CREATE INDEX IF NOT EXISTS events_customer_time ON events (customer_id, event_time DESC, id DESC)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX IF EXISTS events_customer_time`);
    await db.query(`ALTER TABLE enrollments DROP COLUMN IF EXISTS moves_on_at`);
    await db.query(`DROP TABLE IF EXISTS enrollment_refusals`);
    await db.query(`DROP TABLE IF EXISTS message_delivery_reports`);
    await db.query(`ALTER TABLE messages DROP COLUMN IF EXISTS recipient`);
  }
}
