import type { MigrationInterface, QueryRunner } from 'typeorm';
import { upgradeCanvas } from '../engine/canvas-upgrade.js';

/**
 * Canvas format 2: conditions in the segment rule language (docs/canvas.md#format-1). Stored drafts,
 * published versions' canvases and publish requests written in format 1 are upgraded in place, so
 * every answer of the API carries format 2. Compiled plans are left alone: runs of versions
 * published before keep deciding their format-1 conditions as they always did.
 */
export class ConditionLanguage1797100000000 implements MigrationInterface {
  name = 'ConditionLanguage1797100000000';

  async up(db: QueryRunner): Promise<void> {
    await upgradeColumn(db, 'journeys', 'draft');
    await upgradeColumn(db, 'journey_versions', 'canvas');
    await upgradeColumn(db, 'journey_publish_requests', 'canvas');
  }

  async down(): Promise<void> {
    // Nothing to undo: format 2 documents are read by every later engine, and the upgrade loses nothing.
  }
}

/** Rewrites each format-1 document of `table.column` as its format-2 upgrade, in batches by primary key. */
async function upgradeColumn(db: QueryRunner, table: string, column: string): Promise<void> {
  let after = '';
  for (;;) {
    const rows: { id: string; doc: unknown }[] = await db.query(
      `SELECT id::text AS id, ${column} AS doc FROM ${table}
        WHERE ${column}->>'schemaVersion' = '1' AND id::text > $1 ORDER BY id::text LIMIT 500`,
      [after],
    );
    if (rows.length === 0) return;
    for (const row of rows) {
      await db.query(`UPDATE ${table} SET ${column} = $2::jsonb WHERE id::text = $1`, [row.id, JSON.stringify(upgradeCanvas(row.doc))]);
    }
    after = rows[rows.length - 1].id;
  }
}
