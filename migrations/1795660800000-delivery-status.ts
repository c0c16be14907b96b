import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Delivery reports on the send ledger: what the provider said happened after it accepted a message
 * (Twilio status callbacks), found by provider message id. Plus a lookup of customers by `phone`
 * trait, for inbound STOP/START replies.
 */
export class DeliveryStatus1795660800000 implements MigrationInterface {
  name = 'DeliveryStatus1795660800000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE messages
        ADD COLUMN delivery_status     text,
        ADD COLUMN delivery_updated_at timestamptz,
        ADD COLUMN delivery_error_code text`);
    await db.query(`CREATE INDEX messages_provider_message ON messages (provider, provider_message_id)`);
    await db.query(`CREATE INDEX customers_phone ON customers ((traits->>'phone'))`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX IF EXISTS customers_phone`);
    await db.query(`DROP INDEX IF EXISTS messages_provider_message`);
    await db.query(`
      ALTER TABLE messages
        DROP COLUMN IF EXISTS delivery_error_code,
        DROP COLUMN IF EXISTS delivery_updated_at,
        DROP COLUMN IF EXISTS delivery_status`);
  }
}
