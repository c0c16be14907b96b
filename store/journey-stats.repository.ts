/**
 * The monitoring read model of one journey: grouped counts over `enrollments` and `enrollment_steps`
 * (entered, endings, flow through nodes and branches, random-split arms, live runs now), the journey's
 * enrollment list and its versions. Read-only; callers run the counts in one snapshot
 * (`withReadOnlySnapshot`) and pass it as `tx`.
 */
import type { ExecutionPlan } from '../engine/plan.js';
import type { Queryable } from './queryable.js';

/** Entered enrollments of one local day. */
export interface EnteredRow {
  day: string;
  count: number;
}

/** Ended enrollments of one local day, status and reason. */
export interface EndingRow {
  day: string;
  status: string;
  reason: string | null;
  count: number;
}

/** `node_entered` steps (port null) or decisions (with the port taken) of one node and local day. */
export interface FlowRow {
  day: string;
  nodeId: string;
  port: string | null;
  count: number;
}

/** Ended enrollments of one local day that took `arm` at the random split `nodeId`. */
export interface ArmEndingRow extends EndingRow {
  nodeId: string;
  arm: string;
}

/** Live enrollments now: at a node (null while pending), waiting or not. */
export interface CurrentRow {
  nodeId: string | null;
  status: 'pending' | 'active';
  waiting: boolean;
  count: number;
}

/**
 * Touches of the send ledger grouped by local day, action node, random-split arm (when asked for) and
 * ledger outcome; quiet-hours deferrals come as rows of status `deferred` (reason `quiet_hours`).
 */
export interface SendRow {
  day: string;
  nodeId: string;
  /** The random split and its arm the run went through, when the journey has one (one row per split passed). */
  splitNodeId: string | null;
  arm: string | null;
  status: string;
  errorCode: string | null;
  deliveryStatus: string | null;
  deliveryErrorCode: string | null;
  count: number;
}

/** The conversion window of a version's goal: goal event `event` counts up to `windowMs` after a run ended. */
export interface GoalWindow {
  versionId: string;
  event: string;
  windowMs: number;
}

/**
 * A goal event of the customer after the end of a run that ended without the goal, within its
 * version's window and before the customer's next run of the journey began. The caller checks the
 * goal's `where` filters; `arms`: the random-split arms the run took.
 */
export interface GoalAfterEndRow {
  enrollmentId: string;
  versionId: string;
  eventId: string;
  name: string;
  eventTime: Date;
  properties: Record<string, unknown>;
  /** Local day of the goal event. */
  day: string;
  arms: { nodeId: string; arm: string }[];
}

/** Every grouped count of a journey's figures. */
export interface StatsRows {
  entered: EnteredRow[];
  endings: EndingRow[];
  flow: FlowRow[];
  armEndings: ArmEndingRow[];
  current: CurrentRow[];
  /** Touches by day, node and outcome (`splitNodeId` and `arm` null). */
  sends: SendRow[];
  /** The same touches by the random-split arm their run took (one row per split passed). */
  armSends: SendRow[];
}

/** Which rows the figures count: one journey, one version or all, a time window, the zone of the days. */
export interface StatsScope {
  journeyId: string;
  versionId: string | null;
  start: Date | null;
  end: Date | null;
  timeZone: string;
}

/** A published version of the journey (plan null on the row of a journey without versions). */
export interface JourneyVersionRow {
  version: number;
  versionId: string;
  active: boolean;
  publishedAt: Date;
  plan: ExecutionPlan | null;
}

/** Which enrollments to list (each criterion only when set); `after`: the keyset cursor [enrolled at ISO, id]. */
export interface EnrollmentListCriteria {
  status: string | null;
  /** Live runs at this node. */
  node: string | null;
  versionId: string | null;
  customerId: string | null;
  after: [string, string] | null;
}

/** One enrollment as listed, with its cursor (enrolled at, ISO with microseconds). */
export interface EnrollmentListRow {
  enrollmentId: string;
  customerId: string;
  version: number;
  versionId: string;
  status: string;
  currentNode: string | null;
  waitingUntil: Date | null;
  /** When the run will actually move on (`waitingUntil` plus a wait for an event's late-event grace). */
  movesOnAt: Date | null;
  enrolledAt: Date;
  endedAt: Date | null;
  exitReason: string | null;
  cursorAt: string;
}

/** $1 journey, $2 version id or null: the rows of the figures. */
const OF_JOURNEY = `e.journey_id = $1 AND ($2::text IS NULL OR e.version_id = $2)`;
/** `column` within [$3, $4) when those are set. */
const inWindow = (column: string) => `($3::timestamptz IS NULL OR ${column} >= $3) AND ($4::timestamptz IS NULL OR ${column} < $4)`;
/** The local day of `column` in zone $5. */
const dayOf = (column: string) => `to_char(${column} AT TIME ZONE $5, 'YYYY-MM-DD')`;

export class JourneyStatsRepository {
  constructor(private readonly db: Queryable) {}

  /** The journey's versions, oldest first (one row with a null plan when it has none); none when there is no such journey. */
  async versionsOf(journeyId: string): Promise<JourneyVersionRow[]> {
    return this.db.query(
      `SELECT v.version, v.id AS "versionId", v.active, v.published_at AS "publishedAt", v.plan
         FROM journeys j LEFT JOIN journey_versions v ON v.journey_id = j.id
        WHERE j.id = $1 ORDER BY v.version`,
      [journeyId],
    );
  }

  /** The instants that start local day `from` and end local day `to` in `timeZone` (null for a null day). */
  async dayBounds(from: string | null, to: string | null, timeZone: string, tx: Queryable = this.db): Promise<{ start: Date | null; end: Date | null }> {
    const [bounds]: { start: Date | null; end: Date | null }[] = await tx.query(
      `SELECT $1::date::timestamp AT TIME ZONE $3 AS start, ($2::date + 1)::timestamp AT TIME ZONE $3 AS "end"`,
      [from, to, timeZone],
    );
    return bounds;
  }

  /** The grouped counts of the figures. `splits`: (version id, node id) of every random split in scope. */
  async countsOf(scope: StatsScope, splits: string[][], tx: Queryable = this.db): Promise<StatsRows> {
    const params = [scope.journeyId, scope.versionId, scope.start, scope.end, scope.timeZone];
    const entered: EnteredRow[] = await tx.query(
      `SELECT ${dayOf('e.enrolled_at')} AS day, count(*)::int AS count
         FROM enrollments e WHERE ${OF_JOURNEY} AND ${inWindow('e.enrolled_at')} GROUP BY 1`,
      params,
    );
    const endings: EndingRow[] = await tx.query(
      `SELECT ${dayOf('e.ended_at')} AS day, e.status, e.exit_reason AS reason, count(*)::int AS count
         FROM enrollments e WHERE ${OF_JOURNEY} AND e.ended_at IS NOT NULL AND ${inWindow('e.ended_at')} GROUP BY 1, 2, 3`,
      params,
    );
    // A step lies between its run's enrollment and end, so runs ended before the window are skipped early.
    // Decisions without a port (a time-zone fallback) are not branches.
    const flow: FlowRow[] = await tx.query(
      `SELECT ${dayOf('s.at')} AS day, s.node_id AS "nodeId",
              CASE WHEN s.kind = 'decision' THEN s.detail->>'port' END AS port, count(*)::int AS count
         FROM enrollments e JOIN enrollment_steps s ON s.enrollment_id = e.id
        WHERE ${OF_JOURNEY} AND ($3::timestamptz IS NULL OR e.ended_at IS NULL OR e.ended_at >= $3) AND ${inWindow('s.at')}
          AND s.kind IN ('node_entered', 'decision') AND (s.kind = 'node_entered' OR s.detail->>'port' IS NOT NULL)
        GROUP BY 1, 2, 3`,
      params,
    );
    const armEndings: ArmEndingRow[] =
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
    const current: CurrentRow[] = await tx.query(
      `SELECT e.current_node AS "nodeId", e.status, (e.status = 'active' AND e.waiting_until IS NOT NULL) AS waiting, count(*)::int AS count
         FROM enrollments e WHERE ${OF_JOURNEY} AND e.status IN ('pending', 'active') GROUP BY 1, 2, 3`,
      params.slice(0, 2),
    );
    // Touches by the day they were asked for.
    const sendsOf = (armJoin: string, extra: unknown[]): Promise<SendRow[]> =>
      tx.query(
        `SELECT ${dayOf('m.requested_at')} AS day, m.node_id AS "nodeId", ${armJoin ? `s.node_id AS "splitNodeId", s.detail->>'port' AS arm` : 'NULL AS "splitNodeId", NULL AS arm'},
                m.status, m.error_code AS "errorCode", m.delivery_status AS "deliveryStatus",
                m.delivery_error_code AS "deliveryErrorCode", count(*)::int AS count
           FROM enrollments e JOIN messages m ON m.enrollment_id = e.id ${armJoin}
          WHERE ${OF_JOURNEY} AND ${inWindow('m.requested_at')}
          GROUP BY 1, 2, 3, 4, 5, 6, 7, 8`,
        [...params, ...extra],
      );
    // Quiet-hours deferrals (the action node's `wait_started` step), by the day they were deferred, as
    // rows of status `deferred` and reason `quiet_hours`.
    const deferralsOf = (armJoin: string, extra: unknown[]): Promise<SendRow[]> =>
      tx.query(
        `SELECT ${dayOf('q.at')} AS day, q.node_id AS "nodeId", ${armJoin ? `s.node_id AS "splitNodeId", s.detail->>'port' AS arm` : 'NULL AS "splitNodeId", NULL AS arm'},
                'deferred' AS status, 'quiet_hours' AS "errorCode", NULL AS "deliveryStatus", NULL AS "deliveryErrorCode", count(*)::int AS count
           FROM enrollments e JOIN enrollment_steps q ON q.enrollment_id = e.id AND q.kind = 'wait_started' AND q.detail->>'kind' = 'quiet_hours' ${armJoin}
          WHERE ${OF_JOURNEY} AND ${inWindow('q.at')}
          GROUP BY 1, 2, 3, 4`,
        [...params, ...extra],
      );
    const armJoin = `JOIN enrollment_steps s ON s.enrollment_id = e.id AND s.kind = 'decision' AND (e.version_id, s.node_id) IN (SELECT * FROM unnest($6::text[], $7::text[]))`;
    const armParams = [splits.map((s) => s[0]), splits.map((s) => s[1])];
    const sends = [...(await sendsOf('', [])), ...(await deferralsOf('', []))];
    const armSends = splits.length === 0 ? [] : [...(await sendsOf(armJoin, armParams)), ...(await deferralsOf(armJoin, armParams))];
    return { entered, endings, flow, armEndings, current, sends, armSends };
  }

  /**
   * Goal events after the end of runs that ended otherwise (`goals`: the versions with a conversion
   * window), event time in the scope's window, oldest first per run. `splits` as in countsOf.
   */
  async goalEventsAfterEnd(scope: StatsScope, goals: GoalWindow[], splits: string[][], tx: Queryable = this.db): Promise<GoalAfterEndRow[]> {
    if (goals.length === 0) return [];
    return tx.query(
      `SELECT e.id AS "enrollmentId", e.version_id AS "versionId", ev.event_id AS "eventId", ev.name, ev.event_time AS "eventTime",
              ev.properties, ${dayOf('ev.event_time')} AS day,
              COALESCE((SELECT json_agg(json_build_object('nodeId', s.node_id, 'arm', s.detail->>'port'))
                          FROM enrollment_steps s
                         WHERE s.enrollment_id = e.id AND s.kind = 'decision'
                           AND (e.version_id, s.node_id) IN (SELECT * FROM unnest($9::text[], $10::text[]))), '[]') AS arms
         FROM enrollments e
         JOIN unnest($6::text[], $7::text[], $8::bigint[]) AS g(version_id, event, window_ms) ON g.version_id = e.version_id
         JOIN events ev ON ev.customer_id = e.customer_id AND ev.name = g.event
                       AND ev.event_time > e.ended_at AND ev.event_time <= e.ended_at + g.window_ms * interval '1 millisecond'
        WHERE ${OF_JOURNEY} AND e.ended_at IS NOT NULL AND e.status <> 'converted' AND ${inWindow('ev.event_time')}
          AND NOT EXISTS (SELECT 1 FROM enrollments n
                           WHERE n.journey_id = e.journey_id AND n.customer_id = e.customer_id AND n.id <> e.id
                             AND n.enrolled_at > e.enrolled_at AND n.enrolled_at <= ev.event_time)
        ORDER BY e.id, ev.event_time, ev.id`,
      [
        scope.journeyId,
        scope.versionId,
        scope.start,
        scope.end,
        scope.timeZone,
        goals.map((g) => g.versionId),
        goals.map((g) => g.event),
        goals.map((g) => g.windowMs),
        splits.map((s) => s[0]),
        splits.map((s) => s[1]),
      ],
    );
  }

  /** A page of the journey's enrollments matching `criteria`, newest first, at most `limit`. */
  async enrollmentsPage(journeyId: string, criteria: EnrollmentListCriteria, limit: number): Promise<EnrollmentListRow[]> {
    return this.db.query(
      `SELECT e.id AS "enrollmentId", e.customer_id AS "customerId", v.version, e.version_id AS "versionId", e.status,
              e.current_node AS "currentNode",
              e.waiting_until AS "waitingUntil", COALESCE(e.moves_on_at, e.waiting_until) AS "movesOnAt", e.enrolled_at AS "enrolledAt", e.ended_at AS "endedAt", e.exit_reason AS "exitReason",
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
      [journeyId, criteria.status, criteria.node, criteria.versionId, criteria.customerId, criteria.after?.[0] ?? null, criteria.after?.[1] ?? null, limit],
    );
  }
}
