/**
 * What on-call staff read about running work: a durable bulk operation and its progress
 * (core/operations.ts records and starts them), and the live runs that look stuck.
 * Framework-free: the API constructs it with its database.
 */
import type { DataSource } from 'typeorm';
import { listStuckRuns, type StuckRun, type StuckThresholds } from '../observability/stuck-runs.js';
import { OperationsRepository, type OperationRow } from '../store/operations.repository.js';
import { notFound } from './errors.js';

/** An operation as the API shows it. */
export interface OperationView {
  id: string;
  kind: OperationRow['kind'];
  journeyId: string;
  status: OperationRow['status'];
  /** done: items handled so far; total: items when the work began (null until counted). done may stay below total when items end on their own. */
  progress: { done: number; total: number | null };
  detail: Record<string, unknown>;
  error: string | null;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
}

const toView = (r: OperationRow): OperationView => ({
  id: r.id,
  kind: r.kind,
  journeyId: r.journey_id,
  status: r.status,
  progress: { done: r.done, total: r.total },
  detail: r.detail,
  error: r.error,
  createdBy: r.created_by,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
  finishedAt: r.finished_at?.toISOString() ?? null,
});

export class OperationsViewService {
  private readonly operations: OperationsRepository;

  constructor(private readonly db: DataSource) {
    this.operations = new OperationsRepository(db);
  }

  /** The operation `operationId`; refuses with operation_not_found when there is none. */
  async operation(operationId: string): Promise<OperationView> {
    const row = await this.operations.byId(operationId);
    if (!row) throw notFound('operation_not_found', `No operation with id "${operationId}"`);
    return toView(row);
  }

  /** Up to `limit` live runs stuck by `thresholds`, longest stuck first, after the keyset `after`. */
  stuckRuns(thresholds: StuckThresholds, limit: number, after: [string, string] | null): Promise<StuckRun[]> {
    return listStuckRuns(this.db, thresholds, limit, after);
  }
}
