/**
 * The CRM task channel: the `crm_task` action creates a follow-up task for a human in our own
 * `crm_tasks` table, assigned to the team queue named by `params.queue` or else to the customer's
 * `account_manager` trait. Staff list, claim and complete tasks through `/v1/crm/tasks`; completing
 * one ingests a `crm_task_completed` event that a `wait_for_event` node can wait for.
 *
 * Exactly once: the task row is keyed by the ledger's idempotency key (UNIQUE), so a retried try finds
 * the task it created instead of creating another, and `lookup` answers authoritatively from the
 * same table.
 *
 * Optionally a copy of each new task is POSTed to an external CRM (`outboundUrl`) with the header
 * `Idempotency-Key: <idempotencyKey>`. The task is stored first, so a failed POST loses nothing: it is
 * recorded on the row (`outbound_status` `failed`, `outbound_error`) and `retryOutbound` posts it again
 * later. A 2xx marks it `delivered`; another 4xx marks it `rejected` (not retried: fix the receiver).
 * Re-delivery claims each task first (`FOR UPDATE SKIP LOCKED` and a lease), so any number of worker
 * processes can run the loop (`startOutboundRetryLoop`) and a copy is still posted by one of them at a time.
 */
import type { DataSource } from 'typeorm';
import { BUILTIN_ACTIONS } from '../../../engine/actions.js';
import { parseDuration } from '../../../engine/duration.js';
import { PermanentChannelError, type ActionChannel, type ChannelResult } from '../../../core/channels/channel.js';
import { CrmTasksRepository, type CrmTaskRow } from '../../../store/crm-tasks.repository.js';

/** The part of `fetch` the channel uses (tests pass their own). */
export type FetchLike = (url: string, init: { method: string; headers: Record<string, string>; body: string; signal?: AbortSignal }) => Promise<{ status: number }>;

export interface CrmTaskChannelOptions {
  db: DataSource;
  /** Where to POST a copy of each new task (an external CRM's intake); omitted: tasks stay in our table only. */
  outboundUrl?: string;
  fetchImpl?: FetchLike;
  /** Per-request timeout of the outbound POST, default 10 s (below the touch activities' 30 s). */
  outboundTimeoutMs?: number;
}

const DEFAULT_OUTBOUND_TIMEOUT_MS = 10_000;

function resultOf(row: Pick<CrmTaskRow, 'id' | 'assignee' | 'queue'>): ChannelResult {
  return {
    provider: 'crm',
    providerMessageId: `task-${row.id}`,
    recipient: row.queue !== null ? `queue:${row.queue}` : `manager:${row.assignee}`,
  };
}

/** The JSON an external CRM receives for a task. */
export function outboundBody(row: CrmTaskRow): Record<string, unknown> {
  return {
    taskId: row.id,
    customerId: row.customer_id,
    journeyId: row.journey_id,
    enrollmentId: row.enrollment_id,
    nodeId: row.node_id,
    assignee: row.assignee,
    queue: row.queue,
    title: row.title,
    details: row.details,
    dueAt: row.due_at?.toISOString() ?? null,
    status: row.status,
    createdAt: row.created_at.toISOString(),
  };
}

/**
 * POSTs one task to the external CRM and records the outcome on the row. Never throws: the task is
 * already stored; a failure is left for retryOutbound.
 */
async function deliver(tasks: CrmTasksRepository, row: CrmTaskRow, url: string, fetchImpl: FetchLike, timeoutMs: number): Promise<'delivered' | 'failed' | 'rejected'> {
  let status: 'delivered' | 'failed' | 'rejected';
  let error: string | null = null;
  try {
    const res = await fetchImpl(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': row.idempotency_key },
      body: JSON.stringify(outboundBody(row)),
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (res.status >= 200 && res.status < 300) {
      status = 'delivered';
    } else {
      status = res.status === 429 || res.status >= 500 ? 'failed' : 'rejected';
      error = `HTTP ${res.status}`;
    }
  } catch (err) {
    status = 'failed';
    error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  }
  await tasks.recordOutboundAttempt(row.id, status, error);
  return status;
}

export function createCrmTaskChannel({ db, outboundUrl, fetchImpl = fetch, outboundTimeoutMs = DEFAULT_OUTBOUND_TIMEOUT_MS }: CrmTaskChannelOptions): ActionChannel {
  const tasks = new CrmTasksRepository(db);
  return {
    action: 'crm_task',
    kind: 'touch',
    spec: BUILTIN_ACTIONS.crm_task,
    async execute({ request, idempotencyKey, customer, params }) {
      const queue = typeof params.queue === 'string' && params.queue !== '' ? params.queue : null;
      const manager = customer.traits.account_manager;
      const assignee = queue === null && typeof manager === 'string' && manager.trim() !== '' ? manager : null;
      if (queue === null && assignee === null) {
        throw new PermanentChannelError(
          'no_recipient',
          `customer ${customer.id} has no account_manager trait and the task names no queue: set one of them`,
        );
      }
      let dueAt: Date | null = null;
      if (typeof params.due === 'string') {
        try {
          dueAt = new Date(Date.now() + parseDuration(params.due));
        } catch (err) {
          throw new PermanentChannelError('invalid_due', `the task's due "${params.due}" is not a duration: ${(err as Error).message}`);
        }
      }
      const inserted = await tasks.insertIfNew({
        idempotencyKey,
        enrollmentId: request.enrollmentId,
        journeyId: request.journeyId,
        nodeId: request.nodeId,
        customerId: customer.id,
        assignee,
        queue,
        title: String(params.title ?? ''),
        details: typeof params.details === 'string' ? params.details : null,
        dueAt,
        outboundStatus: outboundUrl ? 'pending' : null,
      });
      if (!inserted) {
        // A retried try: the task exists already. Its outbound copy, if any, is retryOutbound's business.
        return resultOf((await tasks.byIdempotencyKey(idempotencyKey))!);
      }
      if (outboundUrl) await deliver(tasks, inserted, outboundUrl, fetchImpl, outboundTimeoutMs);
      return resultOf(inserted);
    },
    async lookup(idempotencyKey) {
      const task = await tasks.recipientOf(idempotencyKey);
      return task ? resultOf(task) : null;
    },
  };
}

export interface RetryOutboundOptions {
  outboundUrl: string;
  fetchImpl?: FetchLike;
  /** Tasks per call, oldest first; default 100. */
  limit?: number;
  /**
   * Only `pending` copies older than this are picked up (a younger one may still be in its first
   * POST); default 60 s. `failed` copies are retried at once.
   */
  pendingOlderThanMs?: number;
  timeoutMs?: number;
}

/** How long a claimed task stays with its caller beyond the POST's own timeout (then another may take it). */
const CLAIM_MARGIN_MS = 30_000;

/**
 * Posts again every task copy the external CRM has not acknowledged (`failed`, or `pending` left by a
 * crash between the insert and the POST). Each task is claimed first, so concurrent calls, in one
 * process or many, never post the same copy twice at once. Returns how many were delivered this
 * time and how many are still failing.
 */
export async function retryOutbound(db: DataSource, opts: RetryOutboundOptions): Promise<{ delivered: number; failed: number; rejected: number }> {
  const tasks = new CrmTasksRepository(db);
  const timeoutMs = opts.timeoutMs ?? DEFAULT_OUTBOUND_TIMEOUT_MS;
  const rows = await tasks.claimOutboundToRetry(opts.limit ?? 100, opts.pendingOlderThanMs ?? 60_000, claimLeaseMs(opts.limit ?? 100, timeoutMs));
  const counts = { delivered: 0, failed: 0, rejected: 0 };
  for (const row of rows) {
    counts[await deliver(tasks, row, opts.outboundUrl, opts.fetchImpl ?? fetch, timeoutMs)]++;
  }
  return counts;
}

/** The claim covers every POST of the batch (they run one after the other), plus a margin. */
function claimLeaseMs(limit: number, timeoutMs: number): number {
  return limit * timeoutMs + CLAIM_MARGIN_MS;
}

export interface OutboundRetryLoop {
  /** Stops the loop and waits for the round in progress. */
  stop(): Promise<void>;
}

/**
 * Runs `retryOutbound` every `intervalMs` (default a minute) until stopped; a round never overlaps the
 * previous one in this process, and claims keep rounds of other processes off the same tasks.
 */
export function startOutboundRetryLoop(
  db: DataSource,
  opts: RetryOutboundOptions & { intervalMs?: number; onError?: (err: unknown) => void },
): OutboundRetryLoop {
  let round: Promise<unknown> | null = null;
  const timer = setInterval(() => {
    round ??= retryOutbound(db, opts)
      .catch((err) => opts.onError?.(err))
      .finally(() => (round = null));
  }, opts.intervalMs ?? 60_000);
  return {
    async stop() {
      clearInterval(timer);
      await round;
    },
  };
}
