/**
 * Stored segments: create, update, list, delete (refused while a journey or another segment uses
 * the segment), preview and "is customer X in it, and why not". Every rule is validated with the
 * segments it refers to (cycles included) before it is stored; writes are serialized so two
 * concurrent updates cannot close a loop between them.
 */
import type { DataSource, EntityManager } from 'typeorm';
import { compileWithStoredSegments, explainMembership, loadSegmentRules } from './membership.js';
import type { Queryable } from '../../store/queryable.js';
import { SegmentsRepository, type SegmentRow as StoredSegment } from '../../store/segments.repository.js';
import { EngineError } from '../../engine/errors.js';
import { howClose, referencedSegments, validateSegmentRule, type FailedNode, type SegmentRule } from '../../engine/segments/index.js';
import type { AuditLog } from '../access/audit-log.js';
import type { Principal } from '../access/roles.js';
import { conflict, notFound, unavailable, unprocessable } from '../errors.js';
import { pageOf, type Page, type PageRequest } from '../page.js';
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
  /** Each condition that kept the customer out, with what they hold (`found`) and how close that is (`howClose`). */
  failed: (Pick<FailedNode, 'path' | 'kind' | 'rule' | 'result' | 'expected' | 'found'> & { reason: string; howClose: string })[];
}

type SegmentRow = StoredSegment<SegmentRule>;

const toView = (row: SegmentRow): SegmentView => ({
  key: row.key,
  name: row.name,
  rule: row.definition,
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
});

/** How long a segment preview may count before it is cancelled, unless configured (JE_SEGMENT_PREVIEW_TIMEOUT). */
export const DEFAULT_SEGMENT_PREVIEW_TIMEOUT_MS = 30_000;

export interface SegmentsOptions {
  /** The count and sample queries of a preview are cancelled after this long. */
  previewTimeoutMs: number;
}

export class SegmentsService {
  private readonly segments: SegmentsRepository<SegmentRule>;

  constructor(
    private readonly db: DataSource,
    private readonly audit: AuditLog,
    private readonly options: SegmentsOptions = { previewTimeoutMs: DEFAULT_SEGMENT_PREVIEW_TIMEOUT_MS },
  ) {
    this.segments = new SegmentsRepository<SegmentRule>(db);
  }

  async list(page: PageRequest<string>): Promise<Page<SegmentView>> {
    const rows = await this.segments.pageAfter(page.after, page.limit + 1);
    return pageOf(rows.map(toView), page.limit, (s) => s.key);
  }

  async get(key: string): Promise<SegmentView> {
    return toView(await this.row(this.db, key));
  }

  async create(actor: Principal, key: string, input: SegmentInput): Promise<SegmentView> {
    return this.write(async (tx) => {
      const rule = await checkRule(tx, input.rule, key);
      const created = await this.segments.insertIfNew(key, input.name, rule, tx);
      if (!created) throw conflict('segment_exists', `A segment with key "${key}" already exists; update it with PUT`);
      await this.audit.record(actor, { action: 'segment.create', entityType: 'segment', entityId: key, detail: { name: input.name, rule } }, tx);
      return toView(created);
    });
  }

  async update(actor: Principal, key: string, input: SegmentInput): Promise<SegmentView> {
    return this.write(async (tx) => {
      const before = await this.row(tx, key);
      const rule = await checkRule(tx, input.rule, key);
      const updated = (await this.segments.update(key, input.name, rule, tx))!; // found above, under the write lock
      await this.audit.record(
        actor,
        { action: 'segment.update', entityType: 'segment', entityId: key, detail: { name: input.name, rule, previous: { name: before.name, rule: before.definition } } },
        tx,
      );
      return toView(updated);
    });
  }

  /** Deletes a segment nothing uses (409 `segment_in_use` names the users). */
  async remove(actor: Principal, key: string): Promise<void> {
    await this.write(async (tx) => {
      const before = await this.row(tx, key);
      const usage = await this.segments.usage(key, tx);
      const users = [
        ...usage.journeys.map((j) => `journey "${j}"`),
        ...usage.segments.map((s) => `segment "${s}"`),
        ...usage.schedules.map((s) => `segment schedule "${s}"`),
      ];
      if (users.length > 0) {
        throw conflict('segment_in_use', `Segment "${key}" is used by ${users.join(', ')}; remove it from them first`, usage);
      }
      await this.segments.delete(key, tx);
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
        const count = await this.segments.countMatching(compiled, tx);
        const sample = await this.segments.sampleMatching(compiled, sampleSize, tx);
        return { count, sample: sample.map((r) => ({ customerId: r.id, traits: r.traits })) };
      },
      (ms) =>
        unavailable(
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
    if (!explained.exists) throw notFound('customer_not_found', `No customer with id "${customerId}"`);
    const failed = explained.failed.map(({ path, kind, rule, result, expected, found }) => ({
      path,
      kind,
      rule,
      result,
      expected,
      found,
      reason: expected ? `${describe(kind)} does not hold for this customer` : `${describe(kind)} holds, but the segment requires it not to`,
      howClose: howClose(rule, found, expected),
    }));
    return { segment: key, customerId, member: explained.member, failed };
  }

  private async row(db: Queryable, key: string): Promise<SegmentRow> {
    const row = await this.segments.byKey(key, db);
    if (!row) throw notFound('segment_not_found', `No segment with key "${key}"`);
    return row;
  }

  private write<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return this.db.transaction(async (tx) => {
      await this.segments.lockWrites(tx);
      return work(tx);
    });
  }
}

/** Validates `rule` with the stored segments it refers to; 422 `invalid_segment` lists every problem with its path. */
async function checkRule(db: Queryable, rule: unknown, key?: string): Promise<SegmentRule> {
  let checked = validateSegmentRule(rule);
  if (checked.ok) {
    const rules = await loadSegmentRules(db, referencedSegments(checked.rule));
    checked = validateSegmentRule(rule, { key, resolve: (k) => rules.get(k) });
  }
  if (!checked.ok) {
    throw unprocessable('invalid_segment', `The segment rule has ${checked.errors.length} problem(s); nothing was saved`, {
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
  return unprocessable('invalid_segment', err.message, { issues: [{ code: err.code, message: err.message, path: err.path ?? '$.rule' }] });
}

function describe(kind: FailedNode['kind']): string {
  return kind === 'segment' ? 'Membership of the referenced segment' : `This ${kind} condition`;
}
