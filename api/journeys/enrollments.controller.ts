/** Operations on one enrollment (a customer's run through a journey). */
import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiEntryService } from './api-entry.service.js';
import { parseExitRequest } from './journeys.validation.js';

@Controller('v1/enrollments')
export class EnrollmentsController {
  constructor(private readonly entry: ApiEntryService) {}

  /** Accepted, not done: the run records the exit (status `exited`, the reason) as it ends. */
  @Post(':enrollmentId/exit')
  @HttpCode(202)
  async exit(@Param('enrollmentId') enrollmentId: string, @Body() body: unknown) {
    const { reason } = parseExitRequest(body);
    await this.entry.requestExit(enrollmentId, reason);
    return { enrollmentId, exitRequested: true, reason };
  }
}
