/** Four-eyes publishing: the publish requests of a journey, approved or rejected by another key. */
import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { Actor } from '../auth/actor.decorator.js';
import type { Principal } from '../../core/access/roles.js';
import { Endpoint, PAGE_QUERY, pageSchema } from '../http/endpoint.js';
import { PUBLISH_REQUEST_SCHEMA } from './journeys.schemas.js';
import { isNumber, parsePageQuery } from '../http/pagination.js';
import { JOURNEY_ID_PARAM, assertJourneyId, parseReason } from './journeys.validation.js';
import { PUBLISH_REQUEST_STATUSES, PublishRequestsService, type PublishRequestStatus } from '../../core/journeys/publish-requests.js';
import { parseStatusQuery } from './query.js';

const REQUEST = '{ requestId, journeyId, status, draftRevision, baseVersion, diff, requestedBy, requestedAt, decidedBy, decidedAt, reason, version }';
const DECISION_ERRORS = [
  { status: 400, codes: ['invalid_body', 'invalid_journey_id'] },
  { status: 404, codes: ['journey_not_found', 'publish_request_not_found'] },
  { status: 409, codes: ['request_not_pending'], description: 'The request was decided already: error.status' },
];
const isRequestStatus = (v: unknown): v is PublishRequestStatus => (PUBLISH_REQUEST_STATUSES as readonly unknown[]).includes(v);

@Controller('v1/journeys/:journeyId/publish-requests')
export class PublishRequestsController {
  constructor(private readonly requests: PublishRequestsService) {}

  @Endpoint({
    summary: 'The publish requests of a journey, newest first',
    access: ['marketer', 'viewer'],
    params: { journeyId: JOURNEY_ID_PARAM },
    query: { status: { description: `only requests in this status: ${PUBLISH_REQUEST_STATUSES.join(', ')}`, schema: { type: 'string', enum: [...PUBLISH_REQUEST_STATUSES] } }, ...PAGE_QUERY },
    ok: { description: `A page of ${REQUEST}`, schema: pageSchema(PUBLISH_REQUEST_SCHEMA) },
    errors: [{ status: 400, codes: ['invalid_journey_id', 'invalid_query'] }],
  })
  @Get()
  list(@Param('journeyId') journeyId: string, @Query() query: Record<string, unknown>) {
    assertJourneyId(journeyId);
    const status = parseStatusQuery(query, isRequestStatus, PUBLISH_REQUEST_STATUSES);
    return this.requests.list(journeyId, status, parsePageQuery(query, isNumber));
  }

  @Endpoint({
    summary: 'Approve a publish request: publishes exactly the requested draft revision',
    description: 'Only a different API key than the requester may approve. If the draft changed since the request, the request becomes stale and nothing is published.',
    access: ['marketer'],
    params: { journeyId: JOURNEY_ID_PARAM },
    ok: { description: `The approved request (${REQUEST}); version is the version published`, schema: PUBLISH_REQUEST_SCHEMA },
    errors: [
      ...DECISION_ERRORS,
      { status: 403, codes: ['self_approval'] },
      { status: 409, codes: ['stale_request', 'invalid_transition'], description: 'stale_request: the draft changed since (error.currentRevision)' },
      { status: 422, codes: ['invalid_canvas'] },
    ],
  })
  @Post(':requestId/approve')
  @HttpCode(200)
  approve(@Param('journeyId') journeyId: string, @Param('requestId') requestId: string, @Actor() actor: Principal) {
    assertJourneyId(journeyId);
    return this.requests.approve(journeyId, requestId, actor);
  }

  @Endpoint({
    summary: 'Reject a publish request, with a reason (the requester may withdraw their own this way)',
    access: ['marketer'],
    params: { journeyId: JOURNEY_ID_PARAM },
    body: { type: 'object', required: ['reason'], properties: { reason: { type: 'string', minLength: 1, maxLength: 500 } } },
    ok: { description: `The rejected request (${REQUEST})`, schema: PUBLISH_REQUEST_SCHEMA },
    errors: DECISION_ERRORS,
  })
  @Post(':requestId/reject')
  @HttpCode(200)
  reject(@Param('journeyId') journeyId: string, @Param('requestId') requestId: string, @Body() body: unknown, @Actor() actor: Principal) {
    assertJourneyId(journeyId);
    const { reason } = parseReason(body, true);
    return this.requests.reject(journeyId, requestId, actor, reason as string);
  }
}
