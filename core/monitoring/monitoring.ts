/**
 * Monitoring for marketing ops: a journey's figures (entered, at each node now, passed through each
 * node and branch, endings by reason, conversions, per random-split arm, per local day) and the list
 * of its enrollments. PostgreSQL counts (GROUP BY in one read-only snapshot); stats-report.ts arranges.
 */
import type { DataSource } from 'typeorm';
import type { ExecutionPlan } from '../../engine/plan.js';
import { JourneyStatsRepository } from '../../store/journey-stats.repository.js';
import { withReadOnlySnapshot } from '../../store/data-source.js';
import { notFound } from '../errors.js';
import { pageOf, type Page, type PageRequest } from '../page.js';
import { buildStats, planNodes, type StatsReport } from './stats-report.js';
import { conversionsAfterEnd, goalWindows } from './conversions-after-end.js';

/** A statement over one journey's rows may take this long before the request fails. */
const STATEMENT_TIMEOUT_MS = 30_000;

/** One published version of a journey. */
export interface VersionInfo {
  version: number;
  versionId: string;
  active: boolean;
  publishedAt: Date;
}

export interface StatsQuery {
  version: number | null;
  /** Local calendar days (YYYY-MM-DD), inclusive; null = unbounded. */
  from: string | null;
  to: string | null;
  /** Zone of the day boundaries; null = the version's `settings.timeZone`, else JE_DEFAULT_TIME_ZONE. */
  timeZone: string | null;
}

export interface JourneyStats extends StatsReport {
  journeyId: string;
  /** The version the figures are for; null = all versions together. */
  version: number | null;
  versions: VersionInfo[];
  window: { from: string | null; to: string | null; timeZone: string };
}

export const ENROLLMENT_STATUSES = ['pending', 'active', 'completed', 'converted', 'exited', 'failed'] as const;
export type EnrollmentStatus = (typeof ENROLLMENT_STATUSES)[number];

export interface EnrollmentFilter {
  status: EnrollmentStatus | null;
  /** Live runs (pending, active) at this node. */
  node: string | null;
  version: number | null;
  customerId: string | null;
}

/** Keyset of the enrollment list: enrolled at (ISO, microseconds) and id, newest first. */
export type EnrollmentCursor = [string, string];

export interface EnrollmentItem {
  enrollmentId: string;
  customerId: string;
  version: number;
  versionId: string;
  status: EnrollmentStatus;
  /** Where a live run is (last reported); where an ended run ended. */
  currentNode: string | null;
  /** The wait's nominal end. */
  waitingUntil: Date | null;
  /** When the run will actually move on: a wait for an event also listens for the late-event grace after its end. */
  movesOnAt: Date | null;
  enrolledAt: Date;
  endedAt: Date | null;
  exitReason: string | null;
}

export class MonitoringService {
  private readonly statsStore: JourneyStatsRepository;

  constructor(
    private readonly db: DataSource,
    /** The zone of the day boundaries when neither the query nor the version's settings name one (JE_DEFAULT_TIME_ZONE). */
    private readonly defaultTimeZone: string,
  ) {
    this.statsStore = new JourneyStatsRepository(db);
  }

  /** The journey's figures; 404 `journey_not_found` / `version_not_found`. */
  async stats(journeyId: string, query: StatsQuery): Promise<JourneyStats> {
    const versions = await this.versionsOf(journeyId);
    const chosen = query.version === null ? versions : [pick(versions, journeyId, query.version)];
    const newest = chosen.reduce<(typeof versions)[number] | null>((a, b) => (a && a.version > b.version ? a : b), null);
    const timeZone = query.timeZone ?? newest?.plan.timeZone ?? this.defaultTimeZone;
    const versionId = query.version === null ? null : chosen[0].versionId;
    const splits = chosen.flatMap((v) =>
      Object.values(v.plan.nodes).flatMap((s) => (s.kind === 'random_split' ? [[v.versionId, s.id]] : [])),
    );
    const { rows, goalEvents } = await withReadOnlySnapshot(this.db, STATEMENT_TIMEOUT_MS, async (tx) => {
      const { start, end } = await this.statsStore.dayBounds(query.from, query.to, timeZone, tx);
      const scope = { journeyId, versionId, start, end, timeZone };
      const rows = await this.statsStore.countsOf(scope, splits, tx);
      return { rows, goalEvents: await this.statsStore.goalEventsAfterEnd(scope, goalWindows(chosen), splits, tx) };
    });
    const afterEnd = conversionsAfterEnd(goalEvents, new Map(chosen.map((v) => [v.versionId, v.plan])));
    return {
      journeyId,
      version: query.version,
      versions: versions.map(({ plan: _, ...v }) => v),
      window: { from: query.from, to: query.to, timeZone },
      ...buildStats(planNodes(chosen), rows, { from: query.from, to: query.to }, afterEnd),
    };
  }

  /** A page of the journey's enrollments, newest first; 404 `journey_not_found` / `version_not_found`. */
  async enrollments(journeyId: string, filter: EnrollmentFilter, page: PageRequest<EnrollmentCursor>): Promise<Page<EnrollmentItem>> {
    const versions = await this.versionsOf(journeyId);
    const versionId = filter.version === null ? null : pick(versions, journeyId, filter.version).versionId;
    const rows = (await this.statsStore.enrollmentsPage(
      journeyId,
      { status: filter.status, node: filter.node, versionId, customerId: filter.customerId, after: page.after },
      page.limit + 1,
    )) as (EnrollmentItem & { cursorAt: string })[];
    const items = rows.map(({ cursorAt, ...item }) => ({ item, cursorAt }));
    const built = pageOf(items, page.limit, (last) => [last.cursorAt, last.item.enrollmentId]);
    return { items: built.items.map((i) => i.item), nextCursor: built.nextCursor };
  }

  /** The journey's versions with their plans, oldest first; 404 `journey_not_found` when there is no such journey. */
  private async versionsOf(journeyId: string): Promise<(VersionInfo & { plan: ExecutionPlan })[]> {
    const rows = await this.statsStore.versionsOf(journeyId);
    if (rows.length === 0) throw notFound('journey_not_found', `No journey with id "${journeyId}"`);
    return rows.flatMap((r) => (r.plan === null ? [] : [{ ...r, plan: r.plan }]));
  }
}

function pick<V extends { version: number }>(versions: V[], journeyId: string, version: number): V {
  const found = versions.find((v) => v.version === version);
  if (!found) throw notFound('version_not_found', `Journey "${journeyId}" has no version ${version}`);
  return found;
}
