/**
 * The `enrollments` aggregate (an enrollment row and its `enrollment_steps`): every statement on it
 * that the API, the core and the activities run. Methods that take part in a caller's transaction take
 * its manager as `tx`. No decisions here: callers decide, this reads and writes.
 */
import type { ExecutionPlan } from '../engine/plan.js';
import type { EnrollmentEntry, EnrollmentPatch, StepRecord } from '../engine/runtime.js';
import type { Queryable } from './queryable.js';

/** What starting (or signal-starting) an enrollment's workflow needs: the row and its version's plan. */
export interface EnrollmentToStart {
  id: string;
  journey_id: string;
  version_id: string;
  /** The published version number of version_id (the run's JourneyVersion search attribute). */
  version: number;
  customer_id: string;
  entry: EnrollmentEntry;
  enrolled_at: Date;
  plan: ExecutionPlan;
}

/** The customer's newest run of a journey (per entry key). */
export interface LastRun {
  id: string;
  seq: number;
  status: string;
  ended_at: Date | null;
}

/** A new enrollment, inserted as `pending`. */
export interface NewEnrollment {
  id: string;
  journeyId: string;
  versionId: string;
  customerId: string;
  entryKey: string;
  seq: number;
  triggerKey: string | null;
  entry: EnrollmentEntry;
  watchedEvents: string[];
}

/** The summary columns a run reports (each only when `set*` is true, or when not null). */
export interface EnrollmentSummaryPatch {
  status: EnrollmentPatch['status'] | null;
  setCurrentNode: boolean;
  currentNode: string | null;
  setWaitingUntil: boolean;
  waitingUntil: number | null;
  /** Written with `waitingUntil`: when the run really moves on (the grace of a wait for an event included). */
  movesOnAt: number | null;
  setEndedAt: boolean;
  endedAt: number | null;
  exitReason: string | null;
}

/** One enrollment in a customer's history (camel-cased by the query). */
export interface CustomerEnrollmentRow {
  enrollmentId: string;
  journeyId: string;
  versionId: string;
  status: string;
  enrolledAt: Date;
  endedAt: Date | null;
  exitReason: string | null;
  currentNode: string | null;
  waitingUntil: Date | null;
  /** When the run will actually move on: `waitingUntil` plus the late-event grace of a wait for an event. */
  movesOnAt: Date | null;
  /** What started the run (the stored entry) and the trigger's key. */
  entry: EnrollmentEntry;
  triggerKey: string | null;
}

/** One step record of an enrollment, with its enrollment id (camel-cased by the query). */
export interface EnrollmentStepRow {
  enrollmentId: string;
  seq: number;
  at: Date;
  nodeId: string | null;
  kind: string;
  detail: Record<string, unknown>;
}

/**
 * Stuck-run candidates (observability/stuck-runs.ts explains the three reasons) as one UNION ALL
 * (each branch can use its own plan); $1..$3 are the thresholds in seconds. `last_step_at` comes from
 * the newest step by seq (the primary key), so it is cheap per row.
 */
const STUCK_CANDIDATES = `
  SELECT e.id, e.journey_id, e.version_id, e.customer_id, e.status, e.current_node, e.waiting_until, e.enrolled_at,
         'wait_overdue' AS reason, COALESCE(e.moves_on_at, e.waiting_until) AS stuck_since
    FROM enrollments e
   WHERE e.status = 'active' AND COALESCE(e.moves_on_at, e.waiting_until) < now() - make_interval(secs => $1)
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

/** The stuck-run thresholds in seconds: wait grace, pending, no progress. */
export type StuckThresholdSecs = [graceSecs: number, pendingSecs: number, noProgressSecs: number];

/** A stuck-run candidate, with its newest step's time. */
export interface StuckRunRow {
  id: string;
  journey_id: string;
  version_id: string;
  customer_id: string;
  status: 'pending' | 'active';
  current_node: string | null;
  waiting_until: Date | null;
  enrolled_at: Date;
  reason: 'wait_overdue' | 'never_started' | 'no_progress';
  stuck_since: Date;
  last_step_at: Date | null;
}

export class EnrollmentsRepository {
  constructor(private readonly db: Queryable) {}

  /** The enrollment of the journey made by trigger `triggerKey`, if any. */
  async idByTrigger(journeyId: string, triggerKey: string, tx: Queryable = this.db): Promise<string | null> {
    const rows: { id: string }[] = await tx.query(`SELECT id FROM enrollments WHERE journey_id = $1 AND trigger_key = $2`, [journeyId, triggerKey]);
    return rows[0]?.id ?? null;
  }

  /**
   * Takes the journey's entry-limit lock for the transaction (an advisory lock: enrollments of a
   * journey with an entry limit are decided one at a time), then counts its enrollments, at most `limit`.
   */
  async lockedEntryCount(journeyId: string, limit: number, tx: Queryable): Promise<number> {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('entry_limit:' || $1))`, [journeyId]);
    const rows: { n: number }[] = await tx.query(`SELECT count(*)::int AS n FROM (SELECT 1 FROM enrollments WHERE journey_id = $1 LIMIT $2) e`, [journeyId, limit]);
    return rows[0].n;
  }

  /** Which of `triggerKeys` have already enrolled someone into the journey. */
  async takenTriggerKeys(journeyId: string, triggerKeys: string[]): Promise<string[]> {
    const rows: { trigger_key: string }[] = await this.db.query(
      `SELECT trigger_key FROM enrollments WHERE journey_id = $1 AND trigger_key = ANY($2::text[])`,
      [journeyId, triggerKeys],
    );
    return rows.map((r) => r.trigger_key);
  }

  /** The customer's newest run of the journey under `entryKey`; null before the first. */
  async lastRunOf(journeyId: string, customerId: string, entryKey: string, tx: Queryable = this.db): Promise<LastRun | null> {
    const rows: LastRun[] = await tx.query(
      `SELECT id, seq, status, ended_at FROM enrollments
        WHERE journey_id = $1 AND customer_id = $2 AND entry_key = $3 ORDER BY seq DESC LIMIT 1`,
      [journeyId, customerId, entryKey],
    );
    return rows[0] ?? null;
  }

  /** Inserts a pending enrollment; returns its `enrolled_at`. */
  async insertPending(e: NewEnrollment, tx: Queryable = this.db): Promise<Date> {
    const rows: { enrolled_at: Date }[] = await tx.query(
      `INSERT INTO enrollments (id, journey_id, version_id, customer_id, entry_key, seq, trigger_key, status, entry, watched_events)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $9) RETURNING enrolled_at`,
      [e.id, e.journeyId, e.versionId, e.customerId, e.entryKey, e.seq, e.triggerKey, JSON.stringify(e.entry), e.watchedEvents],
    );
    return rows[0].enrolled_at;
  }

  /** Enrollments pending for more than `olderThanMs`, oldest first, at most `limit`; only `journeyId`'s when set. */
  async pendingOlderThan(olderThanMs: number, limit: number, journeyId: string | null): Promise<EnrollmentToStart[]> {
    return this.db.query(
      `SELECT e.id, e.journey_id, e.version_id, v.version, e.customer_id, e.entry, e.enrolled_at, v.plan
         FROM enrollments e JOIN journey_versions v ON v.id = e.version_id
        WHERE e.status = 'pending' AND e.enrolled_at < now() - make_interval(secs => $1 / 1000.0)
          AND ($3::text IS NULL OR e.journey_id = $3)
        ORDER BY e.enrolled_at LIMIT $2`,
      [olderThanMs, limit, journeyId],
    );
  }

  /** The enrollment with its version's plan; null when there is none. */
  async toStart(enrollmentId: string): Promise<EnrollmentToStart | null> {
    const rows: EnrollmentToStart[] = await this.db.query(
      `SELECT e.id, e.journey_id, e.version_id, v.version, e.customer_id, e.entry, e.enrolled_at, v.plan
         FROM enrollments e JOIN journey_versions v ON v.id = e.version_id WHERE e.id = $1`,
      [enrollmentId],
    );
    return rows[0] ?? null;
  }

  /** The enrollment's status; null when there is none. */
  async statusOf(enrollmentId: string): Promise<string | null> {
    const rows: { status: string }[] = await this.db.query(`SELECT status FROM enrollments WHERE id = $1`, [enrollmentId]);
    return rows[0]?.status ?? null;
  }

  /** How many runs of the journey are live (pending or active). */
  async countLive(journeyId: string, tx: Queryable = this.db): Promise<number> {
    const [{ n }] = (await tx.query(`SELECT count(*)::int AS n FROM enrollments WHERE journey_id = $1 AND status IN ('pending', 'active')`, [
      journeyId,
    ])) as { n: number }[];
    return n;
  }

  /** The ids of the journey's live runs after `after`, in id order, at most `limit`. */
  async liveIdsAfter(journeyId: string, after: string, limit: number): Promise<string[]> {
    const rows: { id: string }[] = await this.db.query(
      `SELECT id FROM enrollments WHERE journey_id = $1 AND status IN ('pending', 'active') AND id > $2 ORDER BY id LIMIT $3`,
      [journeyId, after, limit],
    );
    return rows.map((r) => r.id);
  }

  /** The customer's live runs that listen for `eventName`. */
  async liveWatching(customerId: string, eventName: string): Promise<{ id: string; status: string }[]> {
    return this.db.query(
      `SELECT id, status FROM enrollments WHERE customer_id = $1 AND status IN ('pending', 'active') AND $2 = ANY(watched_events)`,
      [customerId, eventName],
    );
  }

  /** Appends step records; a step already stored (same enrollment and seq) is left as it is. */
  async appendSteps(enrollmentId: string, steps: StepRecord[], tx: Queryable = this.db): Promise<void> {
    await tx.query(
      `INSERT INTO enrollment_steps (enrollment_id, seq, at, node_id, kind, detail)
       SELECT $1, s.seq, to_timestamp(s.at / 1000.0), s.node_id, s.kind, s.detail
         FROM jsonb_to_recordset($2::jsonb) AS s(seq int, at double precision, node_id text, kind text, detail jsonb)
       ON CONFLICT (enrollment_id, seq) DO NOTHING`,
      [enrollmentId, JSON.stringify(steps.map((s) => ({ ...s, node_id: s.nodeId })))],
    );
  }

  /** Writes the run's summary columns; `started_at` is set on the first report. */
  async updateSummary(enrollmentId: string, p: EnrollmentSummaryPatch, tx: Queryable = this.db): Promise<void> {
    await tx.query(
      `UPDATE enrollments SET
         status        = COALESCE($2, status),
         current_node  = CASE WHEN $3 THEN $4 ELSE current_node END,
         waiting_until = CASE WHEN $5 THEN to_timestamp($6 / 1000.0) ELSE waiting_until END,
         moves_on_at   = CASE WHEN $5 THEN to_timestamp($10 / 1000.0) ELSE moves_on_at END,
         started_at    = COALESCE(started_at, now()),
         ended_at      = CASE WHEN $7 THEN to_timestamp($8 / 1000.0) ELSE ended_at END,
         exit_reason   = COALESCE($9, exit_reason)
       WHERE id = $1`,
      [enrollmentId, p.status, p.setCurrentNode, p.currentNode, p.setWaitingUntil, p.waitingUntil, p.setEndedAt, p.endedAt, p.exitReason, p.movesOnAt],
    );
  }

  /** A page of the customer's enrollments, newest first, before cursor `after` ([enrolled at ISO, id]). */
  async pageOfCustomer(customerId: string, after: [string, string] | null, limit: number): Promise<CustomerEnrollmentRow[]> {
    return this.db.query(
      `SELECT id AS "enrollmentId", journey_id AS "journeyId", version_id AS "versionId", status,
              enrolled_at AS "enrolledAt", ended_at AS "endedAt", exit_reason AS "exitReason",
              current_node AS "currentNode", waiting_until AS "waitingUntil",
              COALESCE(moves_on_at, waiting_until) AS "movesOnAt", entry, trigger_key AS "triggerKey"
         FROM enrollments
        WHERE customer_id = $1
          AND ($2::timestamptz IS NULL OR (date_trunc('milliseconds', enrolled_at), id) < ($2::timestamptz, $3::text))
        ORDER BY date_trunc('milliseconds', enrolled_at) DESC, id DESC LIMIT $4`,
      [customerId, after?.[0] ?? null, after?.[1] ?? null, limit],
    );
  }

  /** The step records of the enrollments, by enrollment and seq. */
  async stepsOf(enrollmentIds: string[]): Promise<EnrollmentStepRow[]> {
    return this.db.query(
      `SELECT enrollment_id AS "enrollmentId", seq, at, node_id AS "nodeId", kind, detail
         FROM enrollment_steps WHERE enrollment_id = ANY($1) ORDER BY enrollment_id, seq`,
      [enrollmentIds],
    );
  }

  /** Stuck runs, longest stuck first, at most `limit`, after cursor `after` ([stuck since ISO, id]). */
  async stuck(thresholds: StuckThresholdSecs, limit: number, after: [string, string] | null): Promise<StuckRunRow[]> {
    return this.db.query(
      `SELECT c.*, (SELECT s.at FROM enrollment_steps s WHERE s.enrollment_id = c.id ORDER BY s.seq DESC LIMIT 1) AS last_step_at
         FROM (${STUCK_CANDIDATES}) c
        WHERE $5::timestamptz IS NULL OR (date_trunc('milliseconds', c.stuck_since), c.id) > ($5::timestamptz, $6::text)
        ORDER BY date_trunc('milliseconds', c.stuck_since), c.id
        LIMIT $4`,
      [...thresholds, limit, after?.[0] ?? null, after?.[1] ?? null],
    );
  }

  /** How many runs are stuck, per journey and reason. */
  async stuckCounts(thresholds: StuckThresholdSecs): Promise<{ journey_id: string; reason: StuckRunRow['reason']; n: number }[]> {
    return this.db.query(`SELECT c.journey_id, c.reason, count(*)::int AS n FROM (${STUCK_CANDIDATES}) c GROUP BY 1, 2`, thresholds);
  }
}
