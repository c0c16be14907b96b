/**
 * Stored segments: create, update, list, delete (refused while a journey or another segment uses
 * the segment), preview and "is customer X in it, and why not". Every rule is validated with the
 * segments it refers to (cycles included) before it is stored; writes are serialized so two
 * concurrent updates cannot close a loop between them.
 */
import type { DataSource, EntityManager } from 'typeorm';
import { explainMembership, loadSegmentRules } from '../../activities/segments.js';
import type { Queryable } from '../../store/queryable.js';
import { compileWithStoredSegments } from '../../activities/segment-entry.js';
import { EngineError } from '../../engine/errors.js';
import { referencedSegments, validateSegmentRule, type FailedNode, type SegmentRule } from '../../engine/segments/index.js';
import type { AuditLog } from '../audit/audit-log.service.js';
import type { Principal } from '../auth/roles.js';
import { ApiError } from '../http/api-error.js';
import { pageOf, type Page, type PageRequest } from '../http/pagination.js';
import { withStatementTimeout } from '../../store/data-source.js';

/** A stored segment as the API shows it. */
export interface SegmentView {
  key: string;
  name: string;
  rule: SegmentRule;
  createdAt: string;
  updatedAt: string;
}

/** The body of create and update, validated for shape (the rule is checked here). */
export interface SegmentInput {
  name: string;
  rule: unknown;
}

/** Who is in a segment now: the count and the first customers by id. */
export interface SegmentPreview {
  count: number;
  sample: { customerId: string; traits: Record<string, unknown> }[];
}

/** "Why not": membership and the conditions that kept the customer out. */
export interface MembershipAnswer {
  segment: string;
  customerId: string;
  member: boolean;
  failed: (Pick<FailedNode, 'path' | 'kind' | 'rule' | 'result' | 'expected'> & { reason: string })[];
}

interface SegmentRow {
  key: string;
  name: string;
  definition: SegmentRule;
  created_at: Date;
  updated_at: Date;
}

const toView = (row: SegmentRow): SegmentView => ({
  key: row.key,
  name: row.name,
  rule: row.definition,
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
});

/** Serializes segment writes (a transaction-level advisory lock on this constant). */
const SEGMENT_WRITE_LOCK = 0x5e6_3e47;

/** How long a segment preview may count before it is cancelled, unless configured (JE_SEGMENT_PREVIEW_TIMEOUT). */
export const DEFAULT_SEGMENT_PREVIEW_TIMEOUT_MS = 30_000;

export interface SegmentsOptions {
  /** The count and sample queries of a preview are cancelled after this long. */
  previewTimeoutMs: number;
}

export class SegmentsService {
  constructor(
    private readonly db: DataSource,
    private readonly audit: AuditLog,
    private readonly options: SegmentsOptions = { previewTimeoutMs: DEFAULT_SEGMENT_PREVIEW_TIMEOUT_MS },
  ) {}

  async list(page: PageRequest<string>): Promise<Page<SegmentView>> {
    const rows: SegmentRow[] = await this.db.query(
      `SELECT * FROM segments WHERE ($1::text IS NULL OR key > $1) ORDER BY key LIMIT $2`,
      [page.after, page.limit + 1],
    );
    return pageOf(rows.map(toView), page.limit, (s) => s.key);
  }

  async get(key: string): Promise<SegmentView> {
    return toView(await this.row(this.db, key));
  }

  async create(actor: Principal, key: string, input: SegmentInput): Promise<SegmentView> {
    return this.write(async (tx) => {
      const rule = await checkRule(tx, input.rule, key);
      const rows: SegmentRow[] = await tx.query(
        `INSERT INTO segments (key, name, definition) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING RETURNING *`,
        [key, input.name, JSON.stringify(rule)],
      );
      if (rows.length === 0) throw new ApiError(409, 'segment_exists', `A segment with key "${key}" already exists; update it with PUT`);
      await this.audit.record(actor, { action: 'segment.create', entityType: 'segment', entityId: key, detail: { name: input.name, rule } }, tx);
      return toView(rows[0]);
    });
  }

  async update(actor: Principal, key: string, input: SegmentInput): Promise<SegmentView> {
    return this.write(async (tx) => {
      const before = await this.row(tx, key);
      const rule = await checkRule(tx, input.rule, key);
      const rows: SegmentRow[] = await tx.query(
        `WITH updated AS (UPDATE segments SET name = $2, definition = $3, updated_at = now() WHERE key = $1 RETURNING *) SELECT * FROM updated`,
        [key, input.name, JSON.stringify(rule)],
      );
      await this.audit.record(
        actor,
        { action: 'segment.update', entityType: 'segment', entityId: key, detail: { name: input.name, rule, previous: { name: before.name, rule: before.definition } } },
        tx,
      );
      return toView(rows[0]);
    });
  }

  /** Deletes a segment nothing uses (409 `segment_in_use` names the users). */
  async remove(actor: Principal, key: string): Promise<void> {
    await this.write(async (tx) => {
      const before = await this.row(tx, key);
      const usage = await segmentUsage(tx, key);
      const users = [
        ...usage.journeys.map((j) => `journey "${j}"`),
        ...usage.segments.map((s) => `segment "${s}"`),
        ...usage.schedules.map((s) => `segment schedule "${s}"`),
      ];
      if (users.length > 0) {
        throw new ApiError(409, 'segment_in_use', `Segment "${key}" is used by ${users.join(', ')}; remove it from them first`, usage);
      }
      await tx.query(`DELETE FROM segments WHERE key = $1`, [key]);
      await this.audit.record(actor, { action: 'segment.delete', entityType: 'segment', entityId: key, detail: { name: before.name, rule: before.definition } }, tx);
    });
  }

  /** Count and sample of a stored segment (`key`) or of an unsaved rule. */
  async preview(source: { key: string } | { rule: unknown }, sampleSize: number): Promise<SegmentPreview> {
    if ('key' in source) await this.row(this.db, source.key);
    else await checkRule(this.db, source.rule);
    const rule = 'key' in source ? { segment: source.key } : source.rule;
    const compiled = await compileOrReject(this.db, rule);
    // A rule over millions of events can take long: bound each statement, so a preview cannot hold
    // a connection (and the database) indefinitely.
    return withStatementTimeout(
      this.db,
      this.options.previewTimeoutMs,
      async (tx) => {
        const [counted]: { count: number }[] = await tx.query(`SELECT count(*)::int AS count FROM customers c WHERE ${compiled.sql}`, compiled.params);
        const sample: { id: string; traits: Record<string, unknown> }[] = await tx.query(
          `SELECT c.id, c.traits FROM customers c WHERE ${compiled.sql} ORDER BY c.id LIMIT $${compiled.params.length + 1}`,
          [...compiled.params, sampleSize],
        );
        return { count: counted.count, sample: sample.map((r) => ({ customerId: r.id, traits: r.traits })) };
      },
      (ms) =>
        new ApiError(
          503,
          'segment_preview_timeout',
          `Counting this segment took longer than ${ms} ms and was cancelled; narrow the rule (a time window on its event conditions helps) or raise JE_SEGMENT_PREVIEW_TIMEOUT`,
        ),
    );
  }

  /** Whether the customer is in the segment now and, when not, which conditions kept them out. */
  async membership(key: string, customerId: string): Promise<MembershipAnswer> {
    const row = await this.row(this.db, key);
    const rules = await loadSegmentRules(this.db, referencedSegments(row.definition));
    let explained;
    try {
      explained = await explainMembership(this.db, row.definition, customerId, { key, resolve: (k) => rules.get(k) });
    } catch (err) {
      throw engineRejection(err);
    }
    if (!explained.exists) throw new ApiError(404, 'customer_not_found', `No customer with id "${customerId}"`);
    const failed = explained.failed.map(({ path, kind, rule, result, expected }) => ({
      path,
      kind,
      rule,
      result,
      expected,
      reason: expected ? `${describe(kind)} does not hold for this customer` : `${describe(kind)} holds, but the segment requires it not to`,
    }));
    return { segment: key, customerId, member: explained.member, failed };
  }

  private async row(db: Queryable, key: string): Promise<SegmentRow> {
    const rows: SegmentRow[] = await db.query(`SELECT * FROM segments WHERE key = $1`, [key]);
    if (rows.length === 0) throw new ApiError(404, 'segment_not_found', `No segment with key "${key}"`);
    return rows[0];
  }

  private write<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return this.db.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock($1)`, [SEGMENT_WRITE_LOCK]);
      return work(tx);
    });
  }
}

/**
 * What depends on segment `key`: journeys whose plan names it (published and active or paused, or
 * with live runs), segments whose rules refer to it, and segment-entry schedules that enroll it.
 */
export async function segmentUsage(db: Queryable, key: string): Promise<{ journeys: string[]; segments: string[]; schedules: string[] }> {
  const mentions = (doc: string) => `jsonb_path_exists(${doc}, '$.** ? (@.segment == $key)', jsonb_build_object('key', $1::text))`;
  const journeys: { journey_id: string }[] = await db.query(
    `SELECT DISTINCT v.journey_id FROM journey_versions v JOIN journeys j ON j.id = v.journey_id
      WHERE ${mentions('v.plan')}
        AND (v.active
             OR (j.status IN ('active', 'paused') AND v.version = (SELECT max(l.version) FROM journey_versions l WHERE l.journey_id = v.journey_id))
             OR EXISTS (SELECT 1 FROM enrollments e WHERE e.version_id = v.id AND e.status IN ('pending', 'active')))
      ORDER BY v.journey_id`,
    [key],
  );
  const segments: { key: string }[] = await db.query(
    `SELECT key FROM segments WHERE key <> $1 AND ${mentions('definition')} ORDER BY key`,
    [key],
  );
  const schedules: { id: string }[] = await db.query(`SELECT id FROM segment_schedules WHERE segment_key = $1 ORDER BY id`, [key]);
  return { journeys: journeys.map((r) => r.journey_id), segments: segments.map((r) => r.key), schedules: schedules.map((r) => r.id) };
}

/** Validates `rule` with the stored segments it refers to; 422 `invalid_segment` lists every problem with its path. */
async function checkRule(db: Queryable, rule: unknown, key?: string): Promise<SegmentRule> {
  let checked = validateSegmentRule(rule);
  if (checked.ok) {
    const rules = await loadSegmentRules(db, referencedSegments(checked.rule));
    checked = validateSegmentRule(rule, { key, resolve: (k) => rules.get(k) });
  }
  if (!checked.ok) {
    throw new ApiError(422, 'invalid_segment', `The segment rule has ${checked.errors.length} problem(s); nothing was saved`, {
      issues: checked.errors.map((e) => ({ ...e, path: e.path.replace(/^\$/, '$.rule') })),
    });
  }
  return checked.rule;
}

async function compileOrReject(db: Queryable, rule: unknown) {
  try {
    return await compileWithStoredSegments(db, rule);
  } catch (err) {
    throw engineRejection(err);
  }
}

/** A rule that cannot be compiled (a referenced segment changed underneath) is the caller's 422. */
function engineRejection(err: unknown): unknown {
  if (!(err instanceof EngineError)) return err;
  return new ApiError(422, 'invalid_segment', err.message, { issues: [{ code: err.code, message: err.message, path: err.path ?? '$.rule' }] });
}

function describe(kind: FailedNode['kind']): string {
  return kind === 'segment' ? 'Membership of the referenced segment' : `This ${kind} condition`;
}
