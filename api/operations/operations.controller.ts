/** `GET /v1/operations/:operationId`: a durable bulk operation (a stop's exit, a segment run) and its progress. */
import { Controller, Get, Inject, Param } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { OperationsRepository, type OperationRow } from '../../store/operations.repository.js';
import { ApiError } from '../http/api-error.js';
import { Endpoint, type SchemaObject } from '../http/endpoint.js';
import { DATA_SOURCE } from '../runtime.js';

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

const OPERATION_SCHEMA: SchemaObject = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    kind: { type: 'string', enum: ['journey_exit', 'segment_entry'] },
    journeyId: { type: 'string' },
    status: { type: 'string', enum: ['running', 'completed', 'failed'] },
    progress: { type: 'object', properties: { done: { type: 'integer' }, total: { type: 'integer', nullable: true } } },
    detail: { type: 'object', description: 'journey_exit: { reason, requestedBy }; segment_entry: { segment, scheduleId, enrolled, skipped }' },
    error: { type: 'string', nullable: true },
  },
};

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

@Controller('v1/operations')
export class OperationsController {
  private readonly operations: OperationsRepository;

  constructor(@Inject(DATA_SOURCE) db: DataSource) {
    this.operations = new OperationsRepository(db);
  }

  @Endpoint({
    summary: 'A bulk operation started by a request that answered 202 (stop exit_now, segment run) and its progress',
    access: ['marketer', 'engineer', 'support', 'viewer'],
    ok: { description: 'The operation', schema: OPERATION_SCHEMA },
    errors: [{ status: 404, codes: ['operation_not_found'] }],
  })
  @Get(':operationId')
  async get(@Param('operationId') operationId: string): Promise<OperationView> {
    const row = await this.operations.byId(operationId);
    if (!row) throw new ApiError(404, 'operation_not_found', `No operation with id "${operationId}"`);
    return toView(row);
  }
}
