/**
 * `crm_tasks`: tasks the `crm_task` action creates for staff (one per touch, by idempotency key), their
 * claim/complete lifecycle and the state of their outbound copy. `Status` is the caller's task status type.
 */
import type { Queryable } from './queryable.js';

/** A task as staff see it (camel-cased by the query). */
export interface CrmTaskViewRow<Status extends string = string> {
  id: string;
  customerId: string;
  journeyId: string;
  enrollmentId: string;
  nodeId: string;
  assignee: string | null;
  queue: string | null;
  title: string;
  details: string | null;
  dueAt: Date | null;
  status: Status;
  claimedBy: string | null;
  claimedAt: Date | null;
  completedBy: string | null;
  completedAt: Date | null;
  outcome: string | null;
  outboundStatus: string | null;
  outboundError: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** The columns of a task the channel and the outbound copy read. */
export interface CrmTaskRow {
  id: string;
  idempotency_key: string;
  enrollment_id: string;
  journey_id: string;
  node_id: string;
  customer_id: string;
  assignee: string | null;
  queue: string | null;
  title: string;
  details: string | null;
  due_at: Date | null;
  status: string;
  created_at: Date;
}

/** A task to create. `outboundStatus` is `pending` when an outbound copy is to be delivered, else null. */
export interface NewCrmTask {
  idempotencyKey: string;
  enrollmentId: string;
  journeyId: string;
  nodeId: string;
  customerId: string;
  assignee: string | null;
  queue: string | null;
  title: string;
  details: string | null;
  dueAt: Date | null;
  outboundStatus: 'pending' | null;
}

/** Which tasks to list (each criterion only when set); `before`: only smaller ids. */
export interface CrmTaskCriteria<Status extends string = string> {
  assignee?: string;
  queue?: string;
  status?: Status;
  customerId?: string;
  before?: string;
}

const VIEW_COLUMNS = `id::text AS "id", customer_id AS "customerId", journey_id AS "journeyId", enrollment_id AS "enrollmentId",
  node_id AS "nodeId", assignee, queue, title, details, due_at AS "dueAt", status, claimed_by AS "claimedBy",
  claimed_at AS "claimedAt", completed_by AS "completedBy", completed_at AS "completedAt", outcome,
  outbound_status AS "outboundStatus", outbound_error AS "outboundError", created_at AS "createdAt", updated_at AS "updatedAt"`;

const TASK_COLUMNS = `id, idempotency_key, enrollment_id, journey_id, node_id, customer_id, assignee, queue, title, details, due_at, status, created_at`;

// UPDATEs run inside a CTE so the driver returns the rows themselves (TypeORM returns [rows, count] for a bare UPDATE).
export class CrmTasksRepository<Status extends string = string> {
  constructor(private readonly db: Queryable) {}

  /** Matching tasks, newest first, at most `limit`. */
  async newest(criteria: CrmTaskCriteria<Status>, limit: number): Promise<CrmTaskViewRow<Status>[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      args.push(value);
      where.push(sql.replace('?', `$${args.length}`));
    };
    if (criteria.assignee !== undefined) add('assignee = ?', criteria.assignee);
    if (criteria.queue !== undefined) add('queue = ?', criteria.queue);
    if (criteria.status !== undefined) add('status = ?', criteria.status);
    if (criteria.customerId !== undefined) add('customer_id = ?', criteria.customerId);
    if (criteria.before !== undefined) add('id < ?::bigint', criteria.before);
    args.push(limit);
    return this.db.query(
      `SELECT ${VIEW_COLUMNS} FROM crm_tasks ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT $${args.length}`,
      args,
    );
  }

  /** The task; null when there is none. */
  async view(id: string): Promise<CrmTaskViewRow<Status> | null> {
    const rows: CrmTaskViewRow<Status>[] = await this.db.query(`SELECT ${VIEW_COLUMNS} FROM crm_tasks WHERE id = $1::bigint`, [id]);
    return rows[0] ?? null;
  }

  /** Claims the task for `by` when it is open; null when it was not. */
  async claimIfOpen(id: string, by: string): Promise<CrmTaskViewRow<Status> | null> {
    const claimed: CrmTaskViewRow<Status>[] = await this.db.query(
      `WITH claimed AS (
         UPDATE crm_tasks SET status = 'claimed', claimed_by = $2, claimed_at = now(), updated_at = now()
          WHERE id = $1::bigint AND status = 'open' RETURNING *
       ) SELECT ${VIEW_COLUMNS} FROM claimed`,
      [id, by],
    );
    return claimed[0] ?? null;
  }

  /** Completes the task by `by` with `outcome` when it is open or claimed; null when it was not. */
  async completeIfLive(id: string, by: string, outcome: string | null): Promise<CrmTaskViewRow<Status> | null> {
    const completed: CrmTaskViewRow<Status>[] = await this.db.query(
      `WITH completed AS (
         UPDATE crm_tasks SET status = 'completed', completed_by = $2, completed_at = now(), outcome = $3, updated_at = now()
          WHERE id = $1::bigint AND status IN ('open', 'claimed') RETURNING *
       ) SELECT ${VIEW_COLUMNS} FROM completed`,
      [id, by, outcome],
    );
    return completed[0] ?? null;
  }

  /** Creates the task unless one exists for its idempotency key; returns it, or null when it existed. */
  async insertIfNew(t: NewCrmTask): Promise<CrmTaskRow | null> {
    const inserted: CrmTaskRow[] = await this.db.query(
      `INSERT INTO crm_tasks (idempotency_key, enrollment_id, journey_id, node_id, customer_id, assignee, queue, title, details, due_at, outbound_status)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (idempotency_key) DO NOTHING
       RETURNING ${TASK_COLUMNS}`,
      [t.idempotencyKey, t.enrollmentId, t.journeyId, t.nodeId, t.customerId, t.assignee, t.queue, t.title, t.details, t.dueAt, t.outboundStatus],
    );
    return inserted[0] ?? null;
  }

  /** The task created for the touch. */
  async byIdempotencyKey(idempotencyKey: string): Promise<CrmTaskRow | null> {
    const rows: CrmTaskRow[] = await this.db.query(`SELECT ${TASK_COLUMNS} FROM crm_tasks WHERE idempotency_key = $1`, [idempotencyKey]);
    return rows[0] ?? null;
  }

  /** Who the touch's task went to; null when there is no task for it. */
  async recipientOf(idempotencyKey: string): Promise<Pick<CrmTaskRow, 'id' | 'assignee' | 'queue'> | null> {
    const rows: Pick<CrmTaskRow, 'id' | 'assignee' | 'queue'>[] = await this.db.query(`SELECT id, assignee, queue FROM crm_tasks WHERE idempotency_key = $1`, [
      idempotencyKey,
    ]);
    return rows[0] ?? null;
  }

  /** Records one delivery try of the task's outbound copy, and releases its claim. */
  async recordOutboundAttempt(id: string, status: string, error: string | null): Promise<void> {
    await this.db.query(
      `UPDATE crm_tasks SET outbound_status = $2, outbound_error = $3, outbound_attempts = outbound_attempts + 1,
              outbound_lease_until = NULL, updated_at = now() WHERE id = $1`,
      [id, status, error],
    );
  }

  /**
   * Claims, for `leaseMs`, up to `limit` tasks (by id) whose outbound copy failed or is pending for
   * more than `pendingOlderThanMs`, and that nobody holds a claim on. `FOR UPDATE SKIP LOCKED` plus the
   * lease: concurrent callers (any number of processes) never get the same task while the claim lasts;
   * a claim left by a crashed caller expires.
   */
  async claimOutboundToRetry(limit: number, pendingOlderThanMs: number, leaseMs: number): Promise<CrmTaskRow[]> {
    return this.db.query(
      `WITH due AS (
         SELECT id FROM crm_tasks
          WHERE (outbound_status = 'failed'
                 OR (outbound_status = 'pending' AND created_at < now() - make_interval(secs => $2 / 1000.0)))
            AND (outbound_lease_until IS NULL OR outbound_lease_until < now())
          ORDER BY id LIMIT $1
            FOR UPDATE SKIP LOCKED
       ), claimed AS (
         UPDATE crm_tasks t SET outbound_lease_until = now() + make_interval(secs => $3 / 1000.0)
           FROM due WHERE t.id = due.id RETURNING t.*
       ) SELECT ${TASK_COLUMNS} FROM claimed ORDER BY id`,
      [limit, pendingOlderThanMs, leaseMs],
    );
  }
}
