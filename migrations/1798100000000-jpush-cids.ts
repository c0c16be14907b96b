import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * JPush push ids (issue 24): the `cid` JPush issued for each touch, kept before the push is sent, so a
 * try after a crash or a lost answer pushes again under the same cid and JPush drops the copy.
 */
export class JpushCids1798100000000 implements MigrationInterface {
  name = 'JpushCids1798100000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE jpush_cids (
        idempotency_key text PRIMARY KEY,
        cid             text NOT NULL,
        created_at      timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE jpush_cids`);
  }
}
