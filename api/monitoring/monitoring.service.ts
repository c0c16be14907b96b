/**
 * Monitoring for marketing ops: a journey's figures (entered, at each node now, passed through each
 * node and branch, endings by reason, conversions, per random-split arm, per local day) and the list
 * of its enrollments. PostgreSQL counts (GROUP BY in one read-only snapshot); stats-report.ts arranges.
 */
import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { ExecutionPlan } from '../../engine/plan.js';
import type { Queryable } from '../../store/queryable.js';
import { ApiError } from '../http/api-error.js';
import { pageOf, type Page, type PageRequest } from '../http/pagination.js';
import { DATA_SOURCE, RUNTIME_OPTIONS, type RuntimeOptions } from '../runtime.js';
import { buildStats, planNodes, type StatsReport, type StatsRows } from './stats-report.js';

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
  waitingUntil: Date | null;
  enrolledAt: Date;
  endedAt: Date | null;
  exitReason: string | null;
}

/** $1 journey, $2 version id or null: the rows of the figures. */
const OF_JOURNEY = `e.journey_id = $1 AND ($2::text IS NULL OR e.version_id = $2)`;
/** `column` within [$3, $4) when those are set. */
const inWindow = (column: string) => `($3::timestamptz IS NULL OR ${column} >= $3) AND ($4::timestamptz IS NULL OR ${column} < $4)`;
/** The local day of `column` in zone $5. */
const dayOf = (column: string) => `to_char(${column} AT TIME ZONE $5, 'YYYY-MM-DD')`;

@Injectable()
export class MonitoringService {
  constructor(
    @Inject(DATA_SOURCE) private readonly db: DataSource,
    @Inject(RUNTIME_OPTIONS) private readonly options: RuntimeOptions,
  ) {}

  /** The journey's figures; 404 `journey_not_found` / `version_not_found`. */
  async stats(journeyId: string, query: StatsQuery): Promise<JourneyStats> {
    const versions = await this.versionsOf(journeyId);
    const chosen = query.version === null ? versions : [pick(versions, journeyId, query.version)];
    const newest = chosen.reduce<(typeof versions)[number] | null>((a, b) => (a && a.version > b.version ? a : b), null);
    const timeZone = query.timeZone ?? newest?.plan.timeZone ?? this.options.defaults.timeZone;
    const versionId = query.version === null ? null : chosen[0].versionId;
    const splits = chosen.flatMap((v) =>
      Object.values(v.plan.nodes).flatMap((s) => (s.kind === 'random_split' ? [[v.versionId, s.id]] : [])),
    );
    const rows = await this.db.transaction('REPEATABLE READ', async (tx) => {
      await tx.query(`SET TRANSACTION READ ONLY`);
      await tx.query(`SET LOCAL statement_timeout = ${STATEMENT_TIMEOUT_MS}`);
      const [bounds]: { start: Date | null; end: Date | null }[] = await tx.query(
        `SELECT $1::date::timestamp AT TIME ZONE $3 AS start, ($2::date + 1)::timestamp AT TIME ZONE $3 AS "end"`,
        [query.from, query.to, timeZone],
      );
      return countRows(tx, [journeyId, versionId, bounds.start, bounds.end, timeZone], splits);
    });
    return {
      journeyId,
      version: query.version,
      versions: versions.map(({ plan: _, ...v }) => v),
      window: { from: query.from, to: query.to, timeZone },
      ...buildStats(planNodes(chosen), rows, { from: query.from, to: query.to }),
    };
  }

  /** A page of the journey's enrollments, newest first; 404 `journey_not_found` / `version_not_found`. */
  async enrollments(journeyId: string, filter: EnrollmentFilter, page: PageRequest<EnrollmentCursor>): Promise<Page<EnrollmentItem>> {
    const versions = await this.versionsOf(journeyId);
    const versionId = filter.version === null ? null : pick(versions, journeyId, filter.version).versionId;
    const rows: (EnrollmentItem & { cursorAt: string })[] = await this.db.query(
      `SELECT e.id AS "enrollmentId", e.customer_id AS "customerId", v.version, e.version_id AS "versionId", e.status,
              e.current_node AS "currentNode",
              e.waiting_until AS "waitingUntil", e.enrolled_at AS "enrolledAt", e.ended_at AS "endedAt", e.exit_reason AS "exitReason",
              to_char(e.enrolled_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "cursorAt"
         FROM enrollments e
         JOIN journey_versions v ON v.id = e.version_id
        WHERE e.journey_id = $1
          AND ($2::text IS NULL OR e.status = $2)
          AND ($3::text IS NULL OR (e.current_node = $3 AND e.status IN ('pending', 'active')))
          AND ($4::text IS NULL OR e.version_id = $4)
          AND ($5::text IS NULL OR e.customer_id = $5)
          AND ($6::timestamptz IS NULL OR (e.enrolled_at, e.id) < ($6::timestamptz, $7::text))
        ORDER BY e.enrolled_at DESC, e.id DESC
        LIMIT $8`,
      [journeyId, filter.status, filter.node, versionId, filter.customerId, page.after?.[0] ?? null, page.after?.[1] ?? null, page.limit + 1],
    );
    const items = rows.map(({ cursorAt, ...item }) => ({ item, cursorAt }));
    const built = pageOf(items, page.limit, (last) => [last.cursorAt, last.item.enrollmentId]);
    return { items: built.items.map((i) => i.item), nextCursor: built.nextCursor };
  }

  /** The journey's versions with their plans, oldest first; 404 `journey_not_found` when there is no such journey. */
  private async versionsOf(journeyId: string): Promise<(VersionInfo & { plan: ExecutionPlan })[]> {
    const rows: (VersionInfo & { plan: ExecutionPlan | null })[] = await this.db.query(
      `SELECT v.version, v.id AS "versionId", v.active, v.published_at AS "publishedAt", v.plan
         FROM journeys j LEFT JOIN journey_versions v ON v.journey_id = j.id
        WHERE j.id = $1 ORDER BY v.version`,
      [journeyId],
    );
    if (rows.length === 0) throw new ApiError(404, 'journey_not_found', `No journey with id "${journeyId}"`);
    return rows.flatMap((r) => (r.plan === null ? [] : [{ ...r, plan: r.plan }]));
  }
}

function pick<V extends { version: number }>(versions: V[], journeyId: string, version: number): V {
  const found = versions.find((v) => v.version === version);
  if (!found) throw new ApiError(404, 'version_not_found', `Journey "${journeyId}" has no version ${version}`);
  return found;
}

/**
 * The grouped counts, all from one snapshot. `params`: journey, version id or null, window start and
 * end or null, zone. `splits`: (version id, node id) of every random split in scope.
 */
async function countRows(tx: Queryable, params: unknown[], splits: string[][]): Promise<StatsRows> {
  const entered = await tx.query(
    `SELECT ${dayOf('e.enrolled_at')} AS day, count(*)::int AS count
       FROM enrollments e WHERE ${OF_JOURNEY} AND ${inWindow('e.enrolled_at')} GROUP BY 1`,
    params,
  );
  const endings = await tx.query(
    `SELECT ${dayOf('e.ended_at')} AS day, e.status, e.exit_reason AS reason, count(*)::int AS count
       FROM enrollments e WHERE ${OF_JOURNEY} AND e.ended_at IS NOT NULL AND ${inWindow('e.ended_at')} GROUP BY 1, 2, 3`,
    params,
  );
  // A step lies between its run's enrollment and end, so runs ended before the window are skipped early.
  // Decisions without a port (a time-zone fallback) are not branches.
  const flow = await tx.query(
    `SELECT ${dayOf('s.at')} AS day, s.node_id AS "nodeId",
            CASE WHEN s.kind = 'decision' THEN s.detail->>'port' END AS port, count(*)::int AS count
       FROM enrollments e JOIN enrollment_steps s ON s.enrollment_id = e.id
      WHERE ${OF_JOURNEY} AND ($3::timestamptz IS NULL OR e.ended_at IS NULL OR e.ended_at >= $3) AND ${inWindow('s.at')}
        AND s.kind IN ('node_entered', 'decision') AND (s.kind = 'node_entered' OR s.detail->>'port' IS NOT NULL)
      GROUP BY 1, 2, 3`,
    params,
  );
  const armEndings =
    splits.length === 0
      ? []
      : await tx.query(
          `SELECT ${dayOf('e.ended_at')} AS day, s.node_id AS "nodeId", s.detail->>'port' AS arm,
                  e.status, e.exit_reason AS reason, count(*)::int AS count
             FROM enrollments e JOIN enrollment_steps s ON s.enrollment_id = e.id
            WHERE ${OF_JOURNEY} AND e.ended_at IS NOT NULL AND ${inWindow('e.ended_at')} AND s.kind = 'decision'
              AND (e.version_id, s.node_id) IN (SELECT * FROM unnest($6::text[], $7::text[]))
            GROUP BY 1, 2, 3, 4, 5`,
          [...params, splits.map((s) => s[0]), splits.map((s) => s[1])],
        );
  const current = await tx.query(
    `SELECT e.current_node AS "nodeId", e.status, (e.status = 'active' AND e.waiting_until > now()) AS waiting, count(*)::int AS count
       FROM enrollments e WHERE ${OF_JOURNEY} AND e.status IN ('pending', 'active') GROUP BY 1, 2, 3`,
    params.slice(0, 2),
  );
  return { entered, endings, flow, armEndings, current };
}
