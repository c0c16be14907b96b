/** Published versions of a journey (immutable), and diffs between versions, the draft and the active version. */
import type { DataSource } from 'typeorm';
import { diffCanvases, type CanvasDiff } from '../../engine/diff.js';
import type { ExecutionPlan } from '../../engine/plan.js';
import type { Principal } from '../auth/roles.js';
import { ApiError } from '../http/api-error.js';
import { pageOf, type Page, type PageRequest } from '../http/pagination.js';
import { journeyNotFound, type JourneyRow } from './journey-store.js';

/** A version in lists. */
export interface VersionSummary {
  version: number;
  versionId: string;
  /** True for the journey's active version (the one new customers enter while the journey is active). */
  isActiveVersion: boolean;
  /** True while it accepts new customers (active version of an active journey). */
  acceptingEntries: boolean;
  triggerKind: string;
  draftRevision: number | null;
  publishedAt: string;
  /** Null for versions published before authorship was recorded, or by tests and benchmarks. */
  publishedBy: Principal | null;
  approvedBy: Principal | null;
  publishRequestId: string | null;
}

export interface VersionDetail extends VersionSummary {
  canvas: unknown;
  plan: ExecutionPlan;
}

/** One side of a diff: a version number, `draft` or `active`. */
export type CanvasRef = number | 'draft' | 'active';

export interface DiffAnswer {
  journeyId: string;
  from: { ref: CanvasRef; version: number | null };
  to: { ref: CanvasRef; version: number | null };
  diff: CanvasDiff;
}

interface VersionRow {
  id: string;
  version: number;
  active: boolean;
  trigger_kind: string;
  draft_revision: number | null;
  published_at: Date;
  published_by: Principal | null;
  approved_by: Principal | null;
  publish_request_id: string | null;
  canvas: unknown;
  plan: ExecutionPlan;
  active_version: number | null;
}

const summaryOf = (row: VersionRow): VersionSummary => ({
  version: row.version,
  versionId: row.id,
  isActiveVersion: row.version === row.active_version,
  acceptingEntries: row.active,
  triggerKind: row.trigger_kind,
  draftRevision: row.draft_revision,
  publishedAt: row.published_at.toISOString(),
  publishedBy: row.published_by,
  approvedBy: row.approved_by,
  publishRequestId: row.publish_request_id === null ? null : String(row.publish_request_id),
});

const SELECT_VERSIONS = `SELECT v.*, j.active_version FROM journey_versions v JOIN journeys j ON j.id = v.journey_id`;

export class VersionsService {
  constructor(private readonly db: DataSource) {}

  /** Newest first. */
  async list(journeyId: string, page: PageRequest<number>): Promise<Page<VersionSummary>> {
    await this.journey(journeyId);
    const rows: VersionRow[] = await this.db.query(
      `${SELECT_VERSIONS} WHERE v.journey_id = $1 AND ($2::int IS NULL OR v.version < $2) ORDER BY v.version DESC LIMIT $3`,
      [journeyId, page.after, page.limit + 1],
    );
    return pageOf(rows.map(summaryOf), page.limit, (v) => v.version);
  }

  async get(journeyId: string, version: number): Promise<VersionDetail> {
    await this.journey(journeyId);
    const row = await this.version(journeyId, version);
    return { ...summaryOf(row), canvas: row.canvas, plan: row.plan };
  }

  /** What changes from `from` to `to`; `active` before the first publish is "nothing" (everything is added). */
  async diff(journeyId: string, from: CanvasRef, to: CanvasRef): Promise<DiffAnswer> {
    const journey = await this.journey(journeyId);
    const [a, b] = [await this.canvasOf(journey, from), await this.canvasOf(journey, to)];
    return {
      journeyId,
      from: { ref: from, version: a.version },
      to: { ref: to, version: b.version },
      diff: diffCanvases(a.canvas, b.canvas),
    };
  }

  private async canvasOf(journey: JourneyRow, ref: CanvasRef): Promise<{ canvas: unknown; version: number | null }> {
    if (ref === 'draft') return { canvas: journey.draft, version: null };
    const version = ref === 'active' ? journey.active_version : ref;
    if (version === null) return { canvas: null, version: null };
    return { canvas: (await this.version(journey.id, version)).canvas, version };
  }

  private async journey(journeyId: string): Promise<JourneyRow> {
    const rows: JourneyRow[] = await this.db.query(`SELECT * FROM journeys WHERE id = $1`, [journeyId]);
    if (!rows[0]) throw journeyNotFound(journeyId);
    return rows[0];
  }

  private async version(journeyId: string, version: number): Promise<VersionRow> {
    const rows: VersionRow[] = await this.db.query(`${SELECT_VERSIONS} WHERE v.journey_id = $1 AND v.version = $2`, [journeyId, version]);
    if (!rows[0]) throw new ApiError(404, 'version_not_found', `Journey "${journeyId}" has no version ${version}`);
    return rows[0];
  }
}
