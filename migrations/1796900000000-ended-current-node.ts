import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An ended run's `current_node` is the node it ended at (its `ended` step), as the journal now
 * writes it. Rows that ended before kept the last node they waited at; this sets them once, so
 * support's customer history and the enrollment list read the column as it stands.
 */
export class EndedCurrentNode1796900000000 implements MigrationInterface {
  name = 'EndedCurrentNode1796900000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      UPDATE enrollments e
         SET current_node = s.node_id
        FROM enrollment_steps s
       WHERE e.ended_at IS NOT NULL
         AND s.enrollment_id = e.id
         AND s.kind = 'ended'
         AND s.node_id IS NOT NULL
         AND e.current_node IS DISTINCT FROM s.node_id`);
  }

  async down(): Promise<void> {
    // Nothing to undo: the node a run waited at last is still in its steps.
  }
}
