/** Operations on one enrollment (a customer's run through a journey). */
import { LIFECYCLE_BODY_BYTES } from './lifecycle.controller.js';
import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { Actor } from '../auth/actor.decorator.js';
import type { Principal } from '../../core/access/roles.js';
import { AuditLog } from '../../core/access/audit-log.js';
import { ApiEntryService } from '../../core/journeys/api-entry.js';
import { parseExitRequest } from './journeys.validation.js';
import { Endpoint, answerWith } from '../http/endpoint.js';

@Controller('v1/enrollments')
export class EnrollmentsController {
  constructor(
    private readonly entry: ApiEntryService,
    private readonly audit: AuditLog,
  ) {}

  /** Accepted, not done: the run records the exit (status `exited`, the reason) as it ends. */
  @Endpoint({
    summary: 'Exit one customer from a journey run, with a reason',
    description:
      'Accepted, not done: the run records the exit (status exited, the reason) as it ends. A run whose workflow has not ' +
      'started yet is started with the request and ends at once. Audited as enrollment.exit.',
    access: ['marketer', 'support'],
    maxBodyBytes: LIFECYCLE_BODY_BYTES,
    body: { type: 'object', required: ['reason'], properties: { reason: { type: 'string', minLength: 1, maxLength: 200 } } },
    ok: { status: 202, description: '{ enrollmentId, exitRequested, reason }', schema: answerWith(['enrollmentId', 'exitRequested', 'reason']) },
    errors: [{ status: 400, codes: ['invalid_body'] }, { status: 404, codes: ['enrollment_not_found'] }, { status: 409, codes: ['enrollment_ended'] }],
  })
  @Post(':enrollmentId/exit')
  @HttpCode(202)
  async exit(@Param('enrollmentId') enrollmentId: string, @Body() body: unknown, @Actor() actor: Principal) {
    const { reason } = parseExitRequest(body);
    await this.entry.requestExit(enrollmentId, reason, `${actor.role}:${actor.name}`);
    await this.audit.record(actor, { action: 'enrollment.exit', entityType: 'enrollment', entityId: enrollmentId, detail: { reason } });
    return { enrollmentId, exitRequested: true, reason };
  }
}
