/** `/v1/crm/tasks`: the CRM work list of account managers and team queues. */
import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiError } from '../http/api-error.js';
import { Checker, isPlainObject } from '../http/validation.js';
import { CRM_TASK_STATUSES, CrmTasksService, parseTaskId, type CrmTaskFilter, type CrmTaskStatus } from '../../core/crm/crm-tasks.js';
import { Endpoint, NON_EMPTY, PAGE_QUERY, pageSchema } from '../http/endpoint.js';
import { object, oneOfValues, text, time } from '../http/schemas.js';

export const DEFAULT_TASK_LIMIT = 50;
export const MAX_TASK_LIMIT = 200;
const MAX_NAME_LENGTH = 200;
const MAX_OUTCOME_LENGTH = 2000;

/** A task as staff see it (core/crm/crm-tasks.ts CrmTaskView). */
const TASK_FIELDS = {
  id: text(),
  customerId: text(),
  journeyId: text(),
  enrollmentId: text(),
  nodeId: text(),
  assignee: { ...text(true), description: 'account manager' },
  queue: { ...text(true), description: 'team queue' },
  title: text(),
  details: text(true),
  dueAt: time(true),
  status: oneOfValues(CRM_TASK_STATUSES),
  claimedBy: text(true),
  claimedAt: time(true),
  completedBy: text(true),
  completedAt: time(true),
  outcome: text(true),
  outboundStatus: { ...text(true), description: 'state of the copy sent to the outbound CRM, when one is configured' },
  outboundError: text(true),
  createdAt: time(),
  updatedAt: time(),
};
const TASK = object(Object.keys(TASK_FIELDS), TASK_FIELDS);

@Controller('v1/crm/tasks')
export class CrmTasksController {
  constructor(private readonly tasks: CrmTasksService) {}

  /** Filters `assignee`, `queue`, `status`, `customerId`; `limit` 1-200 (default 50); `cursor` from the previous page. */
  @Endpoint({
    summary: 'The CRM work list, newest first',
    access: ['support', 'engineer', 'viewer'],
    query: {
      assignee: { description: 'account manager', schema: NON_EMPTY },
      queue: { description: 'team queue', schema: NON_EMPTY },
      status: { description: CRM_TASK_STATUSES.join(' | '), schema: { type: 'string', enum: [...CRM_TASK_STATUSES] } },
      customerId: { description: 'one customer', schema: NON_EMPTY },
      ...PAGE_QUERY,
      cursor: { description: 'the nextCursor of the previous page (a task id)', schema: { type: 'string', pattern: '^(task-)?[1-9][0-9]{0,17}$' } },
    },
    ok: { description: '{ items, nextCursor }', schema: pageSchema(TASK) },
    errors: [{ status: 400, codes: ['invalid_query'] }],
  })
  @Get()
  async list(@Query() query: Record<string, unknown>) {
    const check = new Checker();
    const filter: CrmTaskFilter = { limit: DEFAULT_TASK_LIMIT };
    for (const name of ['assignee', 'queue', 'customerId'] as const) {
      if (check.string(query[name], `$query.${name}`, { max: MAX_NAME_LENGTH, optional: true })) filter[name] = query[name] as string;
    }
    if (query.status !== undefined) {
      if (typeof query.status === 'string' && (CRM_TASK_STATUSES as readonly string[]).includes(query.status)) {
        filter.status = query.status as CrmTaskStatus;
      } else {
        check.fail('$query.status', 'invalid_value', `$query.status must be one of ${CRM_TASK_STATUSES.join(', ')}`);
      }
    }
    if (query.limit !== undefined) {
      const limit = typeof query.limit === 'string' && /^\d{1,4}$/.test(query.limit) ? Number(query.limit) : NaN;
      if (limit >= 1 && limit <= MAX_TASK_LIMIT) filter.limit = limit;
      else check.fail('$query.limit', 'out_of_range', `$query.limit must be an integer from 1 to ${MAX_TASK_LIMIT}`);
    }
    if (query.cursor !== undefined) {
      const cursor = typeof query.cursor === 'string' ? parseTaskId(query.cursor) : null;
      if (cursor) filter.before = cursor;
      else check.fail('$query.cursor', 'invalid_format', '$query.cursor must be the nextCursor of a previous page');
    }
    if (check.issues.length > 0) throw check.error('invalid_query');
    return this.tasks.list(filter);
  }

  @Endpoint({ summary: 'One CRM task', access: ['support', 'engineer', 'viewer'], ok: { description: 'The task', schema: TASK }, errors: [{ status: 404, codes: ['task_not_found'] }] })
  @Get(':id')
  async get(@Param('id') rawId: string) {
    const task = await this.tasks.get(this.idOf(rawId));
    if (!task) throw new ApiError(404, 'task_not_found', `No CRM task with id "${rawId}"`);
    return task;
  }

  /** Body `{ by }`: who takes the task. */
  @Endpoint({
    summary: 'Take an open CRM task',
    access: ['support'],
    body: { type: 'object', required: ['by'], properties: { by: { type: 'string', minLength: 1, maxLength: 200 } } },
    ok: { description: 'The claimed task', schema: TASK },
    errors: [{ status: 400, codes: ['invalid_body'] }, { status: 404, codes: ['task_not_found'] }, { status: 409, codes: ['task_not_open'] }],
  })
  @Post(':id/claim')
  @HttpCode(200)
  async claim(@Param('id') rawId: string, @Body() body: unknown) {
    const id = this.idOf(rawId);
    const check = new Checker();
    const by = isPlainObject(body) ? body.by : undefined;
    check.string(by, '$.by', { max: MAX_NAME_LENGTH });
    if (check.issues.length > 0) throw check.error('invalid_body');
    return this.tasks.claim(id, by as string);
  }

  /** Body `{ by, outcome? }`: who did it and what came of it (free text). */
  @Endpoint({
    summary: 'Complete a CRM task with its outcome',
    access: ['support'],
    body: { type: 'object', required: ['by'], properties: { by: { type: 'string', minLength: 1, maxLength: 200 }, outcome: { type: 'string', maxLength: 2000 } } },
    ok: { description: 'The completed task', schema: TASK },
    errors: [
      { status: 400, codes: ['invalid_body'] },
      { status: 404, codes: ['task_not_found'] },
      { status: 409, codes: ['task_already_completed', 'task_cancelled'] },
    ],
  })
  @Post(':id/complete')
  @HttpCode(200)
  async complete(@Param('id') rawId: string, @Body() body: unknown) {
    const id = this.idOf(rawId);
    const check = new Checker();
    const fields = isPlainObject(body) ? body : {};
    check.string(fields.by, '$.by', { max: MAX_NAME_LENGTH });
    const hasOutcome = check.string(fields.outcome, '$.outcome', { max: MAX_OUTCOME_LENGTH, optional: true });
    if (check.issues.length > 0) throw check.error('invalid_body');
    return this.tasks.complete(id, fields.by as string, hasOutcome ? (fields.outcome as string) : null);
  }

  private idOf(rawId: string): string {
    const id = parseTaskId(rawId);
    if (!id) throw new ApiError(404, 'task_not_found', `No CRM task with id "${rawId}"`);
    return id;
  }
}
