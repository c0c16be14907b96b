/**
 * CRM tasks for staff: list, read, claim and complete the tasks the `crm_task` action creates
 * (`activities/channels/crm-task/`). Completing a task also ingests the customer event
 * `crm_task_completed` (event id `crm_task_completed:<taskId>`, so it happens once), which a
 * `wait_for_event` node can wait for.
 */
import type { DataSource } from 'typeorm';
import { conflict, notFound } from '../errors.js';
import type { Page } from '../page.js';
import { CrmTasksRepository, type CrmTaskViewRow } from '../../store/crm-tasks.repository.js';

export const CRM_TASK_STATUSES = ['open', 'claimed', 'completed', 'cancelled'] as const;
export type CrmTaskStatus = (typeof CRM_TASK_STATUSES)[number];

/** The name of the event a completed task emits. */
export const CRM_TASK_COMPLETED_EVENT = 'crm_task_completed';

export type CrmTaskView = CrmTaskViewRow<CrmTaskStatus>;

export interface CrmTaskFilter {
  assignee?: string;
  queue?: string;
  status?: CrmTaskStatus;
  customerId?: string;
  limit: number;
  /** Only tasks with a smaller id (the previous page's `nextCursor`). */
  before?: string;
}

/** One customer event a completed task emits, as the intake takes it. */
export interface CompletedTaskEvent {
  eventId: string;
  customerId: string;
  name: string;
  eventTime: Date;
  properties: Record<string, unknown>;
}

/** Where a completed task's event goes: the API's event ingestion (deduplicated by event id). */
export interface CustomerEventIntake {
  ingest(events: CompletedTaskEvent[]): Promise<unknown>;
}

/** A task id as the routes accept it: `42` or the provider message id `task-42`; null when it cannot be one. */
export function parseTaskId(raw: string): string | null {
  const m = /^(?:task-)?([1-9]\d{0,17})$/.exec(raw);
  return m ? m[1] : null;
}

export class CrmTasksService {
  private readonly tasks: CrmTasksRepository<CrmTaskStatus>;

  constructor(
    db: DataSource,
    private readonly ingestion: CustomerEventIntake,
  ) {
    this.tasks = new CrmTasksRepository<CrmTaskStatus>(db);
  }

  /** One page, newest first, plus the cursor of the next page (null on the last one). */
  async list(filter: CrmTaskFilter): Promise<Page<CrmTaskView>> {
    const { limit, ...criteria } = filter;
    const rows = await this.tasks.newest(criteria, limit + 1);
    const more = rows.length > filter.limit;
    const items = more ? rows.slice(0, filter.limit) : rows;
    return { items, nextCursor: more ? items[items.length - 1].id : null };
  }

  async get(id: string): Promise<CrmTaskView | null> {
    return this.tasks.view(id);
  }

  /** open -> claimed by `by`. Claiming again by the same person answers the task unchanged. */
  async claim(id: string, by: string): Promise<CrmTaskView> {
    const claimed = await this.tasks.claimIfOpen(id, by);
    if (claimed) return claimed;
    const task = await this.found(id);
    if (task.status === 'claimed' && task.claimedBy === by) return task;
    const why = task.status === 'claimed' ? `already claimed by ${task.claimedBy}` : task.status;
    throw conflict('task_not_open', `Task ${id} is ${why}; only an open task can be claimed`, { status: task.status });
  }

  /**
   * open or claimed -> completed, then the `crm_task_completed` event. A task found completed already
   * is answered with 409, but its event is ingested again first (a no-op when it was stored), so a
   * retry heals a completion whose event was lost between the two steps.
   */
  async complete(id: string, by: string, outcome: string | null): Promise<CrmTaskView> {
    const completed = await this.tasks.completeIfLive(id, by, outcome);
    if (completed) {
      await this.emitCompleted(completed);
      return completed;
    }
    const task = await this.found(id);
    if (task.status === 'completed') {
      await this.emitCompleted(task);
      throw conflict('task_already_completed', `Task ${id} was completed by ${task.completedBy} at ${task.completedAt?.toISOString()}`, {
        status: task.status,
      });
    }
    throw conflict('task_cancelled', `Task ${id} was cancelled; it cannot be completed`, { status: task.status });
  }

  private async found(id: string): Promise<CrmTaskView> {
    const task = await this.get(id);
    if (!task) throw notFound('task_not_found', `No CRM task with id "${id}"`);
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
