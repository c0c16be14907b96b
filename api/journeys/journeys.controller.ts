/** Publishing and validating canvases, and API-triggered enrollment. */
import { Body, Controller, HttpCode, Param, Post, Put, Res } from '@nestjs/common';
import { compileCanvas } from '../../engine/compile.js';
import { ApiError } from '../http/api-error.js';
import { ApiEntryService } from './api-entry.service.js';
import { assertJourneyId, parseEnrollmentRequest } from './journeys.validation.js';
import { PublishingService } from './publishing.service.js';

/** The part of the response a handler needs to pick its status. */
interface StatusResponse {
  status(code: number): unknown;
}

@Controller('v1/journeys')
export class JourneysController {
  constructor(
    private readonly publishing: PublishingService,
    private readonly entry: ApiEntryService,
  ) {}

  @Put(':journeyId/publish')
  @HttpCode(201)
  async publish(@Param('journeyId') journeyId: string, @Body() canvas: unknown) {
    assertJourneyId(journeyId);
    const result = await this.publishing.publish(journeyId, canvas);
    if (!result.ok) {
      throw new ApiError(422, 'invalid_canvas', `The canvas has ${result.errors.length} problem(s); nothing was published`, {
        issues: result.errors,
      });
    }
    return { journeyId, versionId: result.versionId, version: result.version };
  }

  @Post('validate')
  @HttpCode(200)
  validate(@Body() canvas: unknown) {
    const result = compileCanvas(canvas);
    return result.ok ? { valid: true, issues: [], warnings: result.warnings } : { valid: false, issues: result.errors, warnings: [] };
  }

  @Post(':journeyId/enrollments')
  async enroll(@Param('journeyId') journeyId: string, @Body() body: unknown, @Res({ passthrough: true }) res: StatusResponse) {
    assertJourneyId(journeyId);
    const result = await this.entry.enroll(journeyId, parseEnrollmentRequest(body));
    res.status(result.enrolled ? 201 : 200);
    return result;
  }
}
