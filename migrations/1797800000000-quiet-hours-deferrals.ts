import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Quiet-hours deferrals are counted in journey stats (per action node, arm and day) and in
 * `je_suppressed_sends_total{reason="quiet_hours"}`: both read the `wait_started` steps of quiet
 * hours, a small share of all steps, through this partial index.
 */
export class QuietHoursDeferrals1797800000000 implements MigrationInterface {
  name = 'QuietHoursDeferrals1797800000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(
      `CREATE INDEX IF NOT EXISTS enrollment_steps_quiet_hours ON enrollment_steps (enrollment_id, at)
        WHERE kind = 'wait_started' AND detail->>'kind' = 'quiet_hours'`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX IF EXISTS enrollment_steps_quiet_hours`);
  }
}
