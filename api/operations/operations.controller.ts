/** `GET /v1/operations/:operationId`: a durable bulk operation (a stop's exit, a segment run) and its progress. */
import { Controller, Get, Param } from '@nestjs/common';
import { OperationsViewService, type OperationView } from '../../core/operations-view.js';
import { Endpoint, type SchemaObject } from '../http/endpoint.js';

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

@Controller('v1/operations')
export class OperationsController {
  constructor(private readonly operations: OperationsViewService) {}

  @Endpoint({
    summary: 'A bulk operation started by a request that answered 202 (stop exit_now, segment run) and its progress',
    access: ['marketer', 'engineer', 'support', 'viewer'],
    ok: { description: 'The operation', schema: OPERATION_SCHEMA },
    errors: [{ status: 404, codes: ['operation_not_found'] }],
  })
  @Get(':operationId')
  async get(@Param('operationId') operationId: string): Promise<OperationView> {
    return this.operations.operation(operationId);
  }
}
