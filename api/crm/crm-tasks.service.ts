/**
 * CRM tasks for staff: list, read, claim and complete the tasks the `crm_task` action creates
 * (`activities/channels/crm-task/`). Completing a task also ingests the customer event
 * `crm_task_completed` (event id `crm_task_completed:<taskId>`, so it happens once), which a
 * `wait_for_event` node can wait for.
 */
import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { IngestionService } from '../events/ingestion.service.js';
import { ApiError } from '../http/api-error.js';
import { DATA_SOURCE } from '../runtime.js';
import type { Page } from '../http/pagination.js';

export const CRM_TASK_STATUSES = ['open', 'claimed', 'completed', 'cancelled'] as const;
export type CrmTaskStatus = (typeof CRM_TASK_STATUSES)[number];

/** The name of the event a completed task emits. */
export const CRM_TASK_COMPLETED_EVENT = 'crm_task_completed';

export interface CrmTaskView {
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
  status: CrmTaskStatus;
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

export interface CrmTaskFilter {
  assignee?: string;
  queue?: string;
  status?: CrmTaskStatus;
  customerId?: string;
  limit: number;
  /** Only tasks with a smaller id (the previous page's `nextCursor`). */
  before?: string;
}

const VIEW_COLUMNS = `id::text AS "id", customer_id AS "customerId", journey_id AS "journeyId", enrollment_id AS "enrollmentId",
  node_id AS "nodeId", assignee, queue, title, details, due_at AS "dueAt", status, claimed_by AS "claimedBy",
  claimed_at AS "claimedAt", completed_by AS "completedBy", completed_at AS "completedAt", outcome,
  outbound_status AS "outboundStatus", outbound_error AS "outboundError", created_at AS "createdAt", updated_at AS "updatedAt"`;

/** A task id as the routes accept it: `42` or the provider message id `task-42`; null when it cannot be one. */
export function parseTaskId(raw: string): string | null {
  const m = /^(?:task-)?([1-9]\d{0,17})$/.exec(raw);
  return m ? m[1] : null;
}

// UPDATEs run inside a CTE so the driver returns the rows themselves (TypeORM returns [rows, count] for a bare UPDATE).
@Injectable()
export class CrmTasksService {
  constructor(
    @Inject(DATA_SOURCE) private readonly db: DataSource,
    private readonly ingestion: IngestionService,
  ) {}

  /** One page, newest first, plus the cursor of the next page (null on the last one). */
  async list(filter: CrmTaskFilter): Promise<Page<CrmTaskView>> {
    const where: string[] = [];
    const args: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      args.push(value);
      where.push(sql.replace('?', `$${args.length}`));
    };
    if (filter.assignee !== undefined) add('assignee = ?', filter.assignee);
    if (filter.queue !== undefined) add('queue = ?', filter.queue);
    if (filter.status !== undefined) add('status = ?', filter.status);
    if (filter.customerId !== undefined) add('customer_id = ?', filter.customerId);
    if (filter.before !== undefined) add('id < ?::bigint', filter.before);
    args.push(filter.limit + 1);
    const rows: CrmTaskView[] = await this.db.query(
      `SELECT ${VIEW_COLUMNS} FROM crm_tasks ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT $${args.length}`,
      args,
    );
    const more = rows.length > filter.limit;
    const items = more ? rows.slice(0, filter.limit) : rows;
    return { items, nextCursor: more ? items[items.length - 1].id : null };
  }

  async get(id: string): Promise<CrmTaskView | null> {
    const rows: CrmTaskView[] = await this.db.query(`SELECT ${VIEW_COLUMNS} FROM crm_tasks WHERE id = $1::bigint`, [id]);
    return rows[0] ?? null;
  }

  /** open -> claimed by `by`. Claiming again by the same person answers the task unchanged. */
  async claim(id: string, by: string): Promise<CrmTaskView> {
    const claimed: CrmTaskView[] = await this.db.query(
      `WITH claimed AS (
         UPDATE crm_tasks SET status = 'claimed', claimed_by = $2, claimed_at = now(), updated_at = now()
          WHERE id = $1::bigint AND status = 'open' RETURNING *
       ) SELECT ${VIEW_COLUMNS} FROM claimed`,
      [id, by],
    );
    if (claimed.length > 0) return claimed[0];
    const task = await this.found(id);
    if (task.status === 'claimed' && task.claimedBy === by) return task;
    const why = task.status === 'claimed' ? `already claimed by ${task.claimedBy}` : task.status;
    throw new ApiError(409, 'task_not_open', `Task ${id} is ${why}; only an open task can be claimed`, { status: task.status });
  }

  /**
   * open or claimed -> completed, then the `crm_task_completed` event. A task found completed already
   * is answered with 409, but its event is ingested again first (a no-op when it was stored), so a
   * retry heals a completion whose event was lost between the two steps.
   */
  async complete(id: string, by: string, outcome: string | null): Promise<CrmTaskView> {
    const completed: CrmTaskView[] = await this.db.query(
      `WITH completed AS (
         UPDATE crm_tasks SET status = 'completed', completed_by = $2, completed_at = now(), outcome = $3, updated_at = now()
          WHERE id = $1::bigint AND status IN ('open', 'claimed') RETURNING *
       ) SELECT ${VIEW_COLUMNS} FROM completed`,
      [id, by, outcome],
    );
    if (completed.length > 0) {
      await this.emitCompleted(completed[0]);
      return completed[0];
    }
    const task = await this.found(id);
    if (task.status === 'completed') {
      await this.emitCompleted(task);
      throw new ApiError(409, 'task_already_completed', `Task ${id} was completed by ${task.completedBy} at ${task.completedAt?.toISOString()}`, {
        status: task.status,
      });
    }
    throw new ApiError(409, 'task_cancelled', `Task ${id} was cancelled; it cannot be completed`, { status: task.status });
  }

  private async found(id: string): Promise<CrmTaskView> {
    const task = await this.get(id);
    if (!task) throw new ApiError(404, 'task_not_found', `No CRM task with id "${id}"`);
    return task;
  }

  private async emitCompleted(task: CrmTaskView): Promise<void> {
    await this.ingestion.ingest([
      {
        eventId: `${CRM_TASK_COMPLETED_EVENT}:${task.id}`,
        customerId: task.customerId,
        name: CRM_TASK_COMPLETED_EVENT,
        eventTime: task.completedAt!,
        properties: {
          taskId: task.id,
          nodeId: task.nodeId,
          journeyId: task.journeyId,
          enrollmentId: task.enrollmentId,
          outcome: task.outcome,
          completedBy: task.completedBy,
        },
      },
    ]);
  }
}
