/** Published versions of a journey (immutable), and diffs between versions, the draft and the active version. */
import type { DataSource } from 'typeorm';
import { diffCanvases, type CanvasDiff } from '../../engine/diff.js';
import type { ExecutionPlan } from '../../engine/plan.js';
import type { Principal } from '../access/roles.js';
import { notFound } from '../errors.js';
import { pageOf, type Page, type PageRequest } from '../page.js';
import { journeyNotFound, journeysIn, type JourneyRow } from './journey-store.js';
import { VersionsRepository, type PublishedVersionRow } from '../../store/versions.repository.js';

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
  /** Runs live (pending or active) on each published version now: who a publish leaves on the old version. */
  liveRuns: { version: number; versionId: string; live: number }[];
}

type VersionRow = PublishedVersionRow<Principal>;

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

export class VersionsService {
  private readonly versions: VersionsRepository;

  constructor(private readonly db: DataSource) {
    this.versions = new VersionsRepository(db);
  }

  /** Newest first. */
  async list(journeyId: string, page: PageRequest<number>): Promise<Page<VersionSummary>> {
    await this.journey(journeyId);
    const rows = await this.versions.pageOfJourney<Principal>(journeyId, page.after, page.limit + 1);
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
      liveRuns: await this.versions.liveRunsByVersion(journeyId),
    };
  }

  private async canvasOf(journey: JourneyRow, ref: CanvasRef): Promise<{ canvas: unknown; version: number | null }> {
    if (ref === 'draft') return { canvas: journey.draft, version: null };
    const version = ref === 'active' ? journey.active_version : ref;
    if (version === null) return { canvas: null, version: null };
    return { canvas: (await this.version(journey.id, version)).canvas, version };
  }

  private async journey(journeyId: string): Promise<JourneyRow> {
    const row = await journeysIn(this.db).byId(journeyId);
    if (!row) throw journeyNotFound(journeyId);
    return row;
  }

  private async version(journeyId: string, version: number): Promise<VersionRow> {
    const row = await this.versions.byNumber<Principal>(journeyId, version);
    if (!row) throw notFound('version_not_found', `Journey "${journeyId}" has no version ${version}`);
    return row;
  }
}
