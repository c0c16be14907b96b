/**
 * Segment checks for one customer against the database: stored rules are loaded (with the segments
 * they refer to), compiled by engine/segments and decided in a single indexed query.
 */
import {
  compileSegment,
  compileSegmentExplain,
  explainRow,
  referencedSegments,
  validateSegmentRule,
  type CompiledSegment,
  type CompileSegmentOptions,
  type SegmentExplanation,
  type SegmentRule,
} from '../../engine/segments/index.js';
import type { Queryable } from '../../store/queryable.js';
import { SegmentsRepository } from '../../store/segments.repository.js';

/**
 * The stored definitions of `keys` and of every segment they refer to, directly or not, by key.
 * Definitions are returned as stored (unvalidated); compilation validates them.
 */
export async function loadSegmentRules(db: Queryable, keys: string[]): Promise<Map<string, unknown>> {
  const rules = new Map<string, unknown>();
  let wanted = [...new Set(keys)];
  while (wanted.length > 0) {
    const rows = await new SegmentsRepository(db).definitionsOf(wanted);
    for (const row of rows) rules.set(row.key, row.definition);
    // Keys that do not exist stay missing; compilation reports them as unknown_segment.
    const references = rows.flatMap((row) => {
      const checked = validateSegmentRule(row.definition);
      return checked.ok ? referencedSegments(checked.rule) : [];
    });
    wanted = [...new Set(references)].filter((key) => !rules.has(key) && !wanted.includes(key));
  }
  return rules;
}

/**
 * Whether the customer is in each of the segments `keys`, at `now` (default: the database's clock):
 * one query. A customer without a profile row is in no segment. Throws EngineError
 * (`unknown_segment`, `segment_cycle`, a validation code) when a segment cannot be compiled.
 */
export async function segmentMembership(
  db: Queryable,
  customerId: string,
  keys: string[],
  options: { now?: Date; rules?: Map<string, unknown> } = {},
): Promise<Record<string, boolean>> {
  if (keys.length === 0) return {};
  const rules = options.rules ?? (await loadSegmentRules(db, keys));
  // $1 is the customer id; each segment's parameters follow.
  const params: unknown[] = [];
  const columns = keys.map((key, i) => {
    const compiled = compileSegment({ segment: key }, { paramOffset: 1 + params.length, now: options.now, resolve: (k) => rules.get(k) });
    params.push(...compiled.params);
    return `${compiled.sql} AS s${i}`;
  });
  const row = await new SegmentsRepository(db).customerColumns<Record<string, boolean>>(customerId, columns.join(', '), params);
  return Object.fromEntries(keys.map((key, i) => [key, row?.[`s${i}`] === true]));
}

/** Membership of one customer with the outcome of every node; `exists: false` (and no nodes) when there is no such customer. */
export async function explainMembership(
  db: Queryable,
  rule: SegmentRule,
  customerId: string,
  options: Omit<CompileSegmentOptions, 'paramOffset'> = {},
): Promise<SegmentExplanation & { exists: boolean }> {
  const query = compileSegmentExplain(rule, { ...options, paramOffset: 1 });
  const row = await new SegmentsRepository(db).customerColumns(customerId, query.selectList, query.params);
  if (row === null) return { member: false, nodes: [], failed: [], exists: false };
  return { ...explainRow(query, row), exists: true };
}

/**
 * Compiles `rule` with the stored rules of the segments it refers to (validated, cycles detected);
 * `key` is the segment being compiled, if stored. Throws EngineError like compileSegment.
 */
export async function compileWithStoredSegments(
  db: Queryable,
  rule: unknown,
  options: { key?: string; paramOffset?: number } = {},
): Promise<CompiledSegment> {
  const checked = validateSegmentRule(rule);
  const refs = checked.ok ? referencedSegments(checked.rule) : [];
  const rules = await loadSegmentRules(db, refs);
  return compileSegment(rule as never, { ...options, resolve: (k) => rules.get(k) });
}
