/**
 * Stuck runs: live enrollments that are not moving, found in PostgreSQL so the answer holds however
 * many workers run. Three reasons, each with its own threshold:
 *   wait_overdue   active, waiting_until more than `graceMs` in the past (the timer should have fired)
 *   never_started  pending for more than `pendingMs` (the workflow start was lost and not recovered)
 *   no_progress    active, not waiting, last step older than `noProgressMs` (an activity keeps failing)
 * Feeds both `GET /v1/operations/stuck-runs` and the `je_stuck_runs` gauge.
 */
import { EnrollmentsRepository, type StuckRunRow, type StuckThresholdSecs } from '../store/enrollments.repository.js';
import type { Queryable } from '../store/queryable.js';

export type StuckReason = StuckRunRow['reason'];

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

function thresholdParams(t: StuckThresholds): StuckThresholdSecs {
  return [t.graceMs / 1000, t.pendingMs / 1000, t.noProgressMs / 1000];
}

const iso = (value: Date | string | null): string | null => (value === null ? null : new Date(value).toISOString());

/**
 * The stuck runs, longest stuck first, at most `limit` of them; `after` ([stuck since as ISO, enrollment
 * id] of the last run of the previous page) continues a listing.
 */
export async function listStuckRuns(db: Queryable, thresholds: StuckThresholds, limit: number, after: [string, string] | null = null): Promise<StuckRun[]> {
  const rows = await new EnrollmentsRepository(db).stuck(thresholdParams(thresholds), limit, after);
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
  const rows = await new EnrollmentsRepository(db).stuckCounts(thresholdParams(thresholds));
  return rows.map((r) => ({ journeyId: r.journey_id, reason: r.reason, count: r.n }));
}
