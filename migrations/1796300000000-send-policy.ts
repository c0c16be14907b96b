import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Send policy in the ledger: a `suppressed` status for touches held back by consent or a frequency
 * cap (the reason in error_code), and the workflow time each send was requested at, on which cap
 * windows are measured.
 */
export class SendPolicy1796300000000 implements MigrationInterface {
  name = 'SendPolicy1796300000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE messages DROP CONSTRAINT IF EXISTS messages_status_check`);
    await db.query(`ALTER TABLE messages ADD CONSTRAINT messages_status_check
                    CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'unknown', 'suppressed'))`);
    await db.query(`ALTER TABLE messages ADD COLUMN requested_at timestamptz`);
    await db.query(`UPDATE messages SET requested_at = created_at WHERE requested_at IS NULL`);
    await db.query(`ALTER TABLE messages ALTER COLUMN requested_at SET DEFAULT now()`);
    await db.query(`ALTER TABLE messages ALTER COLUMN requested_at SET NOT NULL`);
    await db.query(`CREATE INDEX messages_cap_window ON messages (customer_id, action, requested_at) WHERE category = 'marketing'`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX IF EXISTS messages_cap_window`);
    await db.query(`ALTER TABLE messages DROP COLUMN requested_at`);
    await db.query(`DELETE FROM messages WHERE status = 'suppressed'`);
    await db.query(`ALTER TABLE messages DROP CONSTRAINT IF EXISTS messages_status_check`);
    await db.query(`ALTER TABLE messages ADD CONSTRAINT messages_status_check
                    CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'unknown'))`);
  }
}
