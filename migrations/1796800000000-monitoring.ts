import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes for journey monitoring (api/monitoring): figures and the enrollment list of one journey
 * read enrollments by journey, and the steps of those enrollments that say where runs went.
 */
export class Monitoring1796800000000 implements MigrationInterface {
  name = 'Monitoring1796800000000';

  async up(db: QueryRunner): Promise<void> {
    // The enrollment list (newest first, keyset on enrolled_at, id), entries per day, and the runs
    // whose steps are counted.
    await db.query(`CREATE INDEX IF NOT EXISTS enrollments_journey_enrolled ON enrollments (journey_id, enrolled_at, id)`);
    // Endings and conversions per day.
    await db.query(`CREATE INDEX IF NOT EXISTS enrollments_journey_ended ON enrollments (journey_id, ended_at) WHERE ended_at IS NOT NULL`);
    // Live runs at each node now, and the list filtered by status / node.
    await db.query(
      `CREATE INDEX IF NOT EXISTS enrollments_journey_status_node ON enrollments (journey_id, status, current_node, enrolled_at, id)`,
    );
    // Node passes and branch decisions only: about half of a run's steps, read per enrollment.
    await db.query(
      `CREATE INDEX IF NOT EXISTS enrollment_steps_flow ON enrollment_steps (enrollment_id, at) WHERE kind IN ('node_entered', 'decision')`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    for (const index of ['enrollment_steps_flow', 'enrollments_journey_status_node', 'enrollments_journey_ended', 'enrollments_journey_enrolled']) {
      await db.query(`DROP INDEX IF EXISTS ${index}`);
    }
  }
}
