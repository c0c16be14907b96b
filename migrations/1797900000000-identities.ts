import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Identity stitching (issue 23): the anonymous ids (device ids) linked to a customer. Events sent under
 * an unlinked anonymous id are stored under the profile key `anon:<anonymousId>` and re-keyed to the
 * customer when the id is linked (docs/identity.md).
 */
export class Identities1797900000000 implements MigrationInterface {
  name = 'Identities1797900000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE customer_identities (
        anonymous_id text PRIMARY KEY,
        customer_id  text NOT NULL,
        linked_at    timestamptz NOT NULL DEFAULT now(),
        source       text NOT NULL
      )`);
    await db.query(`CREATE INDEX customer_identities_customer ON customer_identities (customer_id, linked_at)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE customer_identities`);
  }
}
