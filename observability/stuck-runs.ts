/**
 * Stuck runs: live enrollments that are not moving, found in PostgreSQL so the answer holds however
 * many workers run. Three reasons, each with its own threshold:
 *   wait_overdue   active, waiting_until more than `graceMs` in the past (the timer should have fired)
 *   never_started  pending for more than `pendingMs` (the workflow start was lost and not recovered)
 *   no_progress    active, not waiting, last step older than `noProgressMs` (an activity keeps failing)
 * Feeds both `GET /v1/operations/stuck-runs` and the `je_stuck_runs` gauge.
 */
import type { Queryable } from '../store/queryable.js';

export type StuckReason = 'wait_overdue' | 'never_started' | 'no_progress';

/** Thresholds of the three reasons, in milliseconds. */
export interface StuckThresholds {
  graceMs: number;
  pendingMs: number;
  noProgressMs: number;
}

export const DEFAULT_STUCK_THRESHOLDS: StuckThresholds = { graceMs: 5 * 60_000, pendingMs: 5 * 60_000, noProgressMs: 60 * 60_000 };

/** One stuck run, as operations staff see it. */
export interface StuckRun {
  journeyId: string;
  versionId: string;
  enrollmentId: string;
  customerId: string;
  status: 'pending' | 'active';
  currentNode: string | null;
  waitingUntil: string | null;
  lastStepAt: string | null;
  enrolledAt: string;
  reason: StuckReason;
  /** Since when it counts as stuck: the missed wait deadline, the enrollment, or the last step. */
  stuckSince: string;
}

/**
 * The candidates as one UNION ALL (each branch can use its own plan); $1..$3 are the thresholds in
 * seconds. `last_step_at` comes from the newest step by seq (the primary key), so it is cheap per row.
 */
const CANDIDATES = `
  SELECT e.id, e.journey_id, e.version_id, e.customer_id, e.status, e.current_node, e.waiting_until, e.enrolled_at,
         'wait_overdue' AS reason, e.waiting_until AS stuck_since
    FROM enrollments e
   WHERE e.status = 'active' AND e.waiting_until < now() - make_interval(secs => $1)
  UNION ALL
  SELECT e.id, e.journey_id, e.version_id, e.customer_id, e.status, e.current_node, e.waiting_until, e.enrolled_at,
         'never_started', e.enrolled_at
    FROM enrollments e
   WHERE e.status = 'pending' AND e.enrolled_at < now() - make_interval(secs => $2)
  UNION ALL
  SELECT e.id, e.journey_id, e.version_id, e.customer_id, e.status, e.current_node, e.waiting_until, e.enrolled_at,
         'no_progress', p.at
    FROM enrollments e
    CROSS JOIN LATERAL (
      SELECT COALESCE((SELECT s.at FROM enrollment_steps s WHERE s.enrollment_id = e.id ORDER BY s.seq DESC LIMIT 1),
                      e.started_at, e.enrolled_at) AS at
    ) p
   WHERE e.status = 'active' AND e.waiting_until IS NULL AND p.at < now() - make_interval(secs => $3)`;

function thresholdParams(t: StuckThresholds): number[] {
  return [t.graceMs / 1000, t.pendingMs / 1000, t.noProgressMs / 1000];
}

const iso = (value: Date | string | null): string | null => (value === null ? null : new Date(value).toISOString());

/**
 * The stuck runs, longest stuck first, at most `limit` of them; `after` ([stuck since as ISO, enrollment
 * id] of the last run of the previous page) continues a listing.
 */
export async function listStuckRuns(db: Queryable, thresholds: StuckThresholds, limit: number, after: [string, string] | null = null): Promise<StuckRun[]> {
  const rows: {
    id: string;
    journey_id: string;
    version_id: string;
    customer_id: string;
    status: 'pending' | 'active';
    current_node: string | null;
    waiting_until: Date | null;
    enrolled_at: Date;
    reason: StuckReason;
    stuck_since: Date;
    last_step_at: Date | null;
  }[] = await db.query(
    `SELECT c.*, (SELECT s.at FROM enrollment_steps s WHERE s.enrollment_id = c.id ORDER BY s.seq DESC LIMIT 1) AS last_step_at
       FROM (${CANDIDATES}) c
      WHERE $5::timestamptz IS NULL OR (date_trunc('milliseconds', c.stuck_since), c.id) > ($5::timestamptz, $6::text)
      ORDER BY date_trunc('milliseconds', c.stuck_since), c.id
      LIMIT $4`,
    [...thresholdParams(thresholds), limit, after?.[0] ?? null, after?.[1] ?? null],
  );
  return rows.map((r) => ({
    journeyId: r.journey_id,
    versionId: r.version_id,
    enrollmentId: r.id,
    customerId: r.customer_id,
    status: r.status,
    currentNode: r.current_node,
    waitingUntil: iso(r.waiting_until),
    lastStepAt: iso(r.last_step_at),
    enrolledAt: iso(r.enrolled_at)!,
    reason: r.reason,
    stuckSince: iso(r.stuck_since)!,
  }));
}

/** How many runs are stuck, per journey and reason (the `je_stuck_runs` gauge). */
export async function countStuckRuns(
  db: Queryable,
  thresholds: StuckThresholds,
): Promise<{ journeyId: string; reason: StuckReason; count: number }[]> {
  const rows: { journey_id: string; reason: StuckReason; n: number }[] = await db.query(
    `SELECT c.journey_id, c.reason, count(*)::int AS n FROM (${CANDIDATES}) c GROUP BY 1, 2`,
    thresholdParams(thresholds),
  );
  return rows.map((r) => ({ journeyId: r.journey_id, reason: r.reason, count: r.n }));
}
