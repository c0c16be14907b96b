import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Provider templates (issue 24): the SMS templates and signatures a mainland-China provider (Aliyun,
 * Tencent Cloud) approved, registered by operators per channel. Canvases name them; publish checks
 * their parameters; the channel sends the template id and the signature stored here.
 */
export class ProviderTemplates1798000000000 implements MigrationInterface {
  name = 'ProviderTemplates1798000000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE provider_templates (
        channel     text NOT NULL,
        template_id text NOT NULL,
        text        text NOT NULL,
        params      text[] NOT NULL,
        signature   text NOT NULL,
        category    text NOT NULL CHECK (category IN ('marketing', 'service')),
        created_at  timestamptz NOT NULL DEFAULT now(),
        updated_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (channel, template_id)
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE provider_templates`);
  }
}
