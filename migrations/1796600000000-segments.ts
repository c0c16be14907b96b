import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Segments as compiled SQL (engine/segments): an index for whole-segment event scans, the date
 * reader the compiled SQL calls, and stored definitions moved from the canvas condition shape
 * (all/any, member) to the segment rule language (and/or/not).
 */
export class Segments1796600000000 implements MigrationInterface {
  name = 'Segments1796600000000';

  async up(db: QueryRunner): Promise<void> {
    // Whole-segment counts ("everyone who traded in the last 7 days") scan by name and time; the
    // customer id in the key lets them answer from the index alone.
    await db.query(`CREATE INDEX IF NOT EXISTS events_name_time ON events (name, event_time, customer_id)`);
    // A jsonb value read as an instant when it is text holding an ISO 8601 date or date-time (zone-less
    // means UTC), else NULL: a malformed trait never makes a segment query fail.
    await db.query(`
      CREATE OR REPLACE FUNCTION segment_timestamptz(value jsonb) RETURNS timestamptz
      LANGUAGE plpgsql STABLE PARALLEL SAFE AS $fn$
      DECLARE
        t text;
      BEGIN
        IF value IS NULL OR jsonb_typeof(value) <> 'string' THEN RETURN NULL; END IF;
        t := value #>> '{}';
        IF t !~ '^\\d{4}-\\d{2}-\\d{2}([T ]\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}(:?\\d{2})?)?)?$' THEN RETURN NULL; END IF;
        BEGIN
          IF t ~ '[T ]\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}(:?\\d{2})?)$' THEN RETURN t::timestamptz; END IF;
          RETURN t::timestamp AT TIME ZONE 'UTC';
        EXCEPTION WHEN datetime_field_overflow OR invalid_datetime_format OR invalid_time_zone_displacement_value THEN
          RETURN NULL;
        END;
      END
      $fn$`);
    const rows: { key: string; definition: unknown }[] = await db.query(`SELECT key, definition FROM segments`);
    for (const row of rows) {
      const rule = toSegmentRule(row.definition);
      if (JSON.stringify(rule) !== JSON.stringify(row.definition)) {
        await db.query(`UPDATE segments SET definition = $2::jsonb, updated_at = now() WHERE key = $1`, [row.key, JSON.stringify(rule)]);
      }
    }
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP FUNCTION IF EXISTS segment_timestamptz(jsonb)`);
    await db.query(`DROP INDEX IF EXISTS events_name_time`);
  }
}

/** Canvas condition -> segment rule: all -> and, any -> or, { segment, member: false } -> not. Other shapes are kept. */
function toSegmentRule(node: unknown): unknown {
  if (node === null || typeof node !== 'object' || Array.isArray(node)) return node;
  const cond = node as Record<string, unknown>;
  if (Array.isArray(cond.all)) return { and: cond.all.map(toSegmentRule) };
  if (Array.isArray(cond.any)) return { or: cond.any.map(toSegmentRule) };
  if ('not' in cond) return { not: toSegmentRule(cond.not) };
  if (typeof cond.segment === 'string' && 'member' in cond) {
    return cond.member === false ? { not: { segment: cond.segment } } : { segment: cond.segment };
  }
  return cond;
}
