import type { MigrationInterface, QueryRunner } from 'typeorm';

/** API keys (only their SHA-256 hashes are stored) and the audit log of every change made through the API. */
export class Access1796400000000 implements MigrationInterface {
  name = 'Access1796400000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE api_keys (
        id          text PRIMARY KEY,
        name        text NOT NULL,
        role        text NOT NULL CHECK (role IN ('admin', 'marketer', 'engineer', 'support', 'viewer')),
        key_hash    text NOT NULL UNIQUE,
        created_by  text,
        created_at  timestamptz NOT NULL DEFAULT now(),
        revoked_at  timestamptz
      )`);
    await db.query(`
      CREATE TABLE audit_log (
        id           bigserial PRIMARY KEY,
        at           timestamptz NOT NULL DEFAULT now(),
        actor_key_id text,
        actor_name   text NOT NULL,
        actor_role   text NOT NULL,
        action       text NOT NULL,
        entity_type  text NOT NULL,
        entity_id    text NOT NULL,
        detail       jsonb NOT NULL DEFAULT '{}'::jsonb
      )`);
    await db.query(`CREATE INDEX audit_log_entity ON audit_log (entity_type, entity_id, id)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE IF EXISTS audit_log`);
    await db.query(`DROP TABLE IF EXISTS api_keys`);
  }
}
