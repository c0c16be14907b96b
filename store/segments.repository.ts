/**
 * `segments`: stored segment rules, what uses them, and the statements that run a compiled rule
 * (engine/segments compiles a rule to a predicate over `customers c`; the caller passes it in as text
 * and parameters, this runs it). Methods that take part in a caller's transaction take it as `tx`.
 */
import type { CompiledSegment } from '../engine/segments/compile.js';
import type { Queryable } from './queryable.js';

/** A stored segment. `Rule` is the caller's rule type (stored as JSON). */
export interface SegmentRow<Rule = unknown> {
  key: string;
  name: string;
  definition: Rule;
  created_at: Date;
  updated_at: Date;
}

/** What depends on a segment: journeys, other segments and segment-entry schedules, by id. */
export type SegmentUsage = {
  journeys: string[];
  segments: string[];
  schedules: string[];
};

/** Serializes segment writes (a transaction-level advisory lock on this constant). */
const SEGMENT_WRITE_LOCK = 0x5e6_3e47;

/** A JSON path test: does the document name segment $1 anywhere? */
const mentions = (doc: string) => `jsonb_path_exists(${doc}, '$.** ? (@.segment == $key)', jsonb_build_object('key', $1::text))`;

export class SegmentsRepository<Rule = unknown> {
  constructor(private readonly db: Queryable) {}

  /** Segments with a key after `after` (all when null), by key, at most `limit`. */
  async pageAfter(after: string | null, limit: number): Promise<SegmentRow<Rule>[]> {
    return this.db.query(`SELECT * FROM segments WHERE ($1::text IS NULL OR key > $1) ORDER BY key LIMIT $2`, [after, limit]);
  }

  /** The segment; null when there is none. */
  async byKey(key: string, tx: Queryable = this.db): Promise<SegmentRow<Rule> | null> {
    const rows: SegmentRow<Rule>[] = await tx.query(`SELECT * FROM segments WHERE key = $1`, [key]);
    return rows[0] ?? null;
  }

  /** Whether a segment with the key exists. */
  async exists(key: string): Promise<boolean> {
    const found: unknown[] = await this.db.query(`SELECT 1 FROM segments WHERE key = $1`, [key]);
    return found.length > 0;
  }

  /** The stored definitions (as stored, unvalidated) of those of `keys` that exist. */
  async definitionsOf(keys: string[], tx: Queryable = this.db): Promise<{ key: string; definition: unknown }[]> {
    return tx.query(`SELECT key, definition FROM segments WHERE key = ANY($1)`, [keys]);
  }

  /** Holds the segment write lock until `tx` ends: one segment write at a time. */
  async lockWrites(tx: Queryable): Promise<void> {
    await tx.query(`SELECT pg_advisory_xact_lock($1)`, [SEGMENT_WRITE_LOCK]);
  }

  /** Inserts the segment unless its key is taken; returns it, or null when the key was taken. */
  async insertIfNew(key: string, name: string, definition: Rule, tx: Queryable = this.db): Promise<SegmentRow<Rule> | null> {
    const rows: SegmentRow<Rule>[] = await tx.query(
      `INSERT INTO segments (key, name, definition) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING RETURNING *`,
      [key, name, JSON.stringify(definition)],
    );
    return rows[0] ?? null;
  }

  /** Replaces the segment's name and rule; returns it, or null when there is no such segment. */
  async update(key: string, name: string, definition: Rule, tx: Queryable = this.db): Promise<SegmentRow<Rule> | null> {
    const rows: SegmentRow<Rule>[] = await tx.query(
      `WITH updated AS (UPDATE segments SET name = $2, definition = $3, updated_at = now() WHERE key = $1 RETURNING *) SELECT * FROM updated`,
      [key, name, JSON.stringify(definition)],
    );
    return rows[0] ?? null;
  }

  async delete(key: string, tx: Queryable = this.db): Promise<void> {
    await tx.query(`DELETE FROM segments WHERE key = $1`, [key]);
  }

  /**
   * What depends on segment `key`: journeys whose plan names it (published and active or paused, or
   * with live runs), segments whose rules refer to it, and segment-entry schedules that enroll it.
   */
  async usage(key: string, tx: Queryable = this.db): Promise<SegmentUsage> {
    const journeys: { journey_id: string }[] = await tx.query(
      `SELECT DISTINCT v.journey_id FROM journey_versions v JOIN journeys j ON j.id = v.journey_id
        WHERE ${mentions('v.plan')}
          AND (v.active
               OR (j.status IN ('active', 'paused') AND v.version = (SELECT max(l.version) FROM journey_versions l WHERE l.journey_id = v.journey_id))
               OR EXISTS (SELECT 1 FROM enrollments e WHERE e.version_id = v.id AND e.status IN ('pending', 'active')))
        ORDER BY v.journey_id`,
      [key],
    );
    const segments: { key: string }[] = await tx.query(`SELECT key FROM segments WHERE key <> $1 AND ${mentions('definition')} ORDER BY key`, [key]);
    const schedules: { id: string }[] = await tx.query(`SELECT id FROM segment_schedules WHERE segment_key = $1 ORDER BY id`, [key]);
    return { journeys: journeys.map((r) => r.journey_id), segments: segments.map((r) => r.key), schedules: schedules.map((r) => r.id) };
  }

  /** How many customers match the compiled rule (placeholders from $1). */
  async countMatching(rule: CompiledSegment, tx: Queryable = this.db): Promise<number> {
    const [counted]: { count: number }[] = await tx.query(`SELECT count(*)::int AS count FROM customers c WHERE ${rule.sql}`, rule.params);
    return counted.count;
  }

  /** The first `limit` customers by id that match the compiled rule (placeholders from $1). */
  async sampleMatching(rule: CompiledSegment, limit: number, tx: Queryable = this.db): Promise<{ id: string; traits: Record<string, unknown> }[]> {
    return tx.query(`SELECT c.id, c.traits FROM customers c WHERE ${rule.sql} ORDER BY c.id LIMIT $${rule.params.length + 1}`, [...rule.params, limit]);
  }

  /** The ids of the next `limit` matching customers after id `after` (placeholders of the rule from $3). */
  async membersAfter(rule: CompiledSegment, after: string, limit: number, tx: Queryable = this.db): Promise<{ id: string }[]> {
    return tx.query(`SELECT c.id FROM customers c WHERE c.id > $1 AND ${rule.sql} ORDER BY c.id LIMIT $2`, [after, limit, ...rule.params]);
  }

  /**
   * One customer's row of compiled boolean columns (`selectList`, placeholders from $2); null when
   * there is no such customer.
   */
  async customerColumns<Row extends Record<string, unknown>>(customerId: string, selectList: string, params: unknown[]): Promise<Row | null> {
    const rows: Row[] = await this.db.query(`SELECT ${selectList} FROM customers c WHERE c.id = $1`, [customerId, ...params]);
    return rows[0] ?? null;
  }
}
