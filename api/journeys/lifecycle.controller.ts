/** The journey lifecycle: pause, resume, stop and archive (docs/api.md has the state machine). */
import { Body, Controller, HttpCode, Param, Post, Res } from '@nestjs/common';
import { Actor } from '../auth/actor.decorator.js';
import type { Principal } from '../../core/access/roles.js';
import { Endpoint, type ErrorAnswer, answerWith } from '../http/endpoint.js';
import { JOURNEY_ID_PARAM, assertJourneyId, parseReason, parseStopRequest } from './journeys.validation.js';
import { LifecycleService, type LifecycleAction } from '../../core/journeys/lifecycle.js';

const REASON_BODY = { type: 'object', properties: { reason: { type: 'string', minLength: 1, maxLength: 500, description: 'recorded in the audit log' } } } as const;
const ERRORS: ErrorAnswer[] = [
  { status: 400, codes: ['invalid_body', 'invalid_journey_id'] },
  { status: 404, codes: ['journey_not_found'] },
  { status: 409, codes: ['invalid_transition'], description: 'Not allowed from the current status: error.status, error.allowedFrom, error.allowedActions' },
];
/** A lifecycle body holds a mode and a reason at most. */
export const LIFECYCLE_BODY_BYTES = 8 * 1024;
const OUTCOME_SCHEMA = answerWith(['journeyId', 'status', 'previousStatus']);
const OUTCOME = '{ journeyId, status, previousStatus, liveRuns }';

/** The part of the response the stop needs to answer 202 with a Location. */
interface HttpResponse {
  status(code: number): unknown;
  setHeader(name: string, value: string): unknown;
}

@Controller('v1/journeys/:journeyId')
export class LifecycleController {
  constructor(private readonly lifecycle: LifecycleService) {}

  @Endpoint({
    summary: 'Pause a journey: no new customers enter; runs in flight keep going',
    access: ['marketer'],
    maxBodyBytes: LIFECYCLE_BODY_BYTES,
    params: { journeyId: JOURNEY_ID_PARAM },
    body: REASON_BODY,
    bodyRequired: false,
    ok: { description: OUTCOME, schema: OUTCOME_SCHEMA },
    errors: ERRORS,
  })
  @Post('pause')
  @HttpCode(200)
  pause(@Param('journeyId') journeyId: string, @Body() body: unknown, @Actor() actor: Principal) {
    return this.change(actor, journeyId, 'pause', body);
  }

  @Endpoint({
    summary: 'Resume a paused journey: its active version accepts new customers again',
    description: 'Customers who sent the trigger event or entered the trigger segment while it was paused are not enrolled afterwards.',
    access: ['marketer'],
    maxBodyBytes: LIFECYCLE_BODY_BYTES,
    params: { journeyId: JOURNEY_ID_PARAM },
    body: REASON_BODY,
    bodyRequired: false,
    ok: { description: OUTCOME, schema: OUTCOME_SCHEMA },
    errors: ERRORS,
  })
  @Post('resume')
  @HttpCode(200)
  resume(@Param('journeyId') journeyId: string, @Body() body: unknown, @Actor() actor: Principal) {
    return this.change(actor, journeyId, 'resume', body);
  }

  @Endpoint({
    summary: 'Stop a journey for good: let runs finish, or exit them now with a reason',
    description:
      'mode finish (200): no new customers; runs in flight go on to their end. mode exit_now (202): also starts an operation that asks every ' +
      'live run (pending ones too) to exit, outside the request; each records status exited with this reason. Follow its progress at ' +
      'GET /v1/operations/{operationId} (also the Location header).',
    access: ['marketer'],
    maxBodyBytes: LIFECYCLE_BODY_BYTES,
    params: { journeyId: JOURNEY_ID_PARAM },
    body: {
      type: 'object',
      required: ['mode', 'reason'],
      properties: { mode: { type: 'string', enum: ['finish', 'exit_now'] }, reason: { type: 'string', minLength: 1, maxLength: 200 } },
    },
    ok: { description: '{ journeyId, status, previousStatus, liveRuns, mode, operationId } (200 for finish, 202 for exit_now)', schema: answerWith(['journeyId', 'status', 'mode']) },
    errors: ERRORS,
  })
  @Post('stop')
  @HttpCode(200)
  async stop(@Param('journeyId') journeyId: string, @Body() body: unknown, @Actor() actor: Principal, @Res({ passthrough: true }) res: HttpResponse) {
    assertJourneyId(journeyId);
    const { mode, reason } = parseStopRequest(body);
    const outcome = await this.lifecycle.stop(actor, journeyId, mode, reason);
    if (outcome.operationId !== null) {
      res.status(202);
      res.setHeader('Location', `/v1/operations/${encodeURIComponent(outcome.operationId)}`);
    }
    return outcome;
  }

  @Endpoint({
    summary: 'Archive a draft or stopped journey (final: it can no longer be edited, published or resumed)',
    access: ['marketer'],
    maxBodyBytes: LIFECYCLE_BODY_BYTES,
    params: { journeyId: JOURNEY_ID_PARAM },
    body: REASON_BODY,
    bodyRequired: false,
    ok: { description: OUTCOME, schema: OUTCOME_SCHEMA },
    errors: ERRORS,
  })
  @Post('archive')
  @HttpCode(200)
  archive(@Param('journeyId') journeyId: string, @Body() body: unknown, @Actor() actor: Principal) {
    return this.change(actor, journeyId, 'archive', body);
  }

  private change(actor: Principal, journeyId: string, action: LifecycleAction, body: unknown) {
    assertJourneyId(journeyId);
    return this.lifecycle.change(actor, journeyId, action, parseReason(body, false));
  }
}
