/**
 * `/v1/journeys/:journeyId/segment-runs` and `.../segment-schedules`: enroll every member of a
 * segment into a journey once now, or on a schedule; each run's progress while it goes.
 */
import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { Actor } from '../auth/actor.decorator.js';
import type { Principal } from '../../core/access/roles.js';
import { Endpoint, PAGE_QUERY, pageSchema, type SchemaObject, TIME_ZONE_SCHEMA } from '../http/endpoint.js';
import { isNumber, parsePageQuery } from '../http/pagination.js';
import { JOURNEY_ID_PARAM, assertJourneyId } from '../journeys/journeys.validation.js';
import { SegmentRunsService } from '../../core/segments/segment-runs.js';
import { READERS } from './segments.controller.js';
import { MAX_NAME_LENGTH, SEGMENT_KEY_PATTERN } from '../../engine/segments/schema.js';
import { DEFAULT_BATCH_SIZE, MAX_BATCH_SIZE, MAX_RATE_PER_SECOND, parseRunBody, parseScheduleBody } from './segments.validation.js';

const RUN_FIELDS: Record<string, SchemaObject> = {
  segment: { type: 'string', pattern: SEGMENT_KEY_PATTERN, maxLength: MAX_NAME_LENGTH, description: "the segment to enroll; default: the journey's segment trigger" },
  batchSize: { type: 'integer', minimum: 1, maximum: MAX_BATCH_SIZE, description: `members per batch (default ${DEFAULT_BATCH_SIZE})` },
  ratePerSecond: { type: 'integer', minimum: 1, maximum: MAX_RATE_PER_SECOND, nullable: true, description: 'most enrollment attempts per second (default: unlimited)' },
};

const RUN_SCHEMA: SchemaObject = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    journeyId: { type: 'string' },
    segment: { type: 'string' },
    scheduleId: { type: 'string', nullable: true },
    status: { type: 'string', enum: ['running', 'completed', 'failed'] },
    total: { type: 'integer', nullable: true, description: 'members when the run began' },
    processed: { type: 'integer' },
    enrolled: { type: 'integer' },
    skipped: { type: 'integer', description: 'already enrolled by a segment run, live, or refused by the re-entry policy' },
    error: { type: 'string', nullable: true },
  },
};

const SCHEDULE_SCHEMA: SchemaObject = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    segment: { type: 'string' },
    spec: { type: 'object', description: '{ cron, timeZone? } or { everyMs }' },
    nextRunAt: { type: 'array', items: { type: 'string', format: 'date-time' } },
  },
};

const NOT_ACTIVE = { status: 404, codes: ['journey_not_active'] };
const CANNOT_RUN = { status: 422, codes: ['segment_required', 'segment_not_found'] };

@Controller('v1/journeys/:journeyId')
export class SegmentRunsController {
  constructor(private readonly runs: SegmentRunsService) {}

  @Post('segment-runs')
  @HttpCode(202)
  @Endpoint({
    summary: 'Enroll every member of a segment into the journey, now',
    description:
      'Members are enrolled in customer-id order, in batches, at most ratePerSecond a second. A customer already enrolled by an earlier segment run of this journey is skipped, whatever the re-entry policy.',
    access: ['marketer'],
    params: { journeyId: JOURNEY_ID_PARAM },
    body: { type: 'object', properties: RUN_FIELDS },
    bodyRequired: false,
    ok: {
      status: 202,
      description: 'The run, started; its operationId (the run id) can be polled at GET /v1/operations/{operationId}',
      schema: { ...RUN_SCHEMA, properties: { ...RUN_SCHEMA.properties, operationId: { type: 'string' } } },
    },
    errors: [{ status: 400, codes: ['invalid_body', 'invalid_journey_id'] }, NOT_ACTIVE, CANNOT_RUN],
  })
  start(@Param('journeyId') journeyId: string, @Body() body: unknown, @Actor() actor: Principal) {
    assertJourneyId(journeyId);
    return this.runs.start(actor, journeyId, parseRunBody(body));
  }

  @Get('segment-runs')
  @Endpoint({
    summary: "The journey's segment runs, newest first",
    access: READERS,
    params: { journeyId: JOURNEY_ID_PARAM },
    query: PAGE_QUERY,
    ok: { description: 'A page of runs', schema: pageSchema(RUN_SCHEMA) },
    errors: [{ status: 400, codes: ['invalid_query', 'invalid_journey_id'] }],
  })
  list(@Param('journeyId') journeyId: string, @Query() query: Record<string, unknown>) {
    assertJourneyId(journeyId);
    return this.runs.list(journeyId, parsePageQuery(query, isNumber));
  }

  @Get('segment-runs/:runId')
  @Endpoint({
    summary: 'One segment run and its progress',
    access: READERS,
    params: { journeyId: JOURNEY_ID_PARAM },
    ok: { description: 'The run', schema: RUN_SCHEMA },
    errors: [{ status: 400, codes: ['invalid_journey_id'] }, { status: 404, codes: ['segment_run_not_found'] }],
  })
  get(@Param('journeyId') journeyId: string, @Param('runId') runId: string) {
    assertJourneyId(journeyId);
    return this.runs.get(journeyId, runId);
  }

  @Post('segment-schedules')
  @Endpoint({
    summary: 'Enroll the members of a segment on a schedule (a Temporal Schedule)',
    description: 'Each start is a segment run; a start is skipped while the previous run is still going.',
    access: ['marketer'],
    params: { journeyId: JOURNEY_ID_PARAM },
    body: {
      type: 'object',
      description: 'exactly one of cron and every',
      oneOf: [{ required: ['cron'] }, { required: ['every'] }],
      properties: {
        ...RUN_FIELDS,
        cron: { type: 'string', minLength: 1, example: '0 9 * * MON', description: 'a cron expression; one Temporal does not read is 422 invalid_schedule' },
        timeZone: { allOf: [TIME_ZONE_SCHEMA], example: 'Asia/Shanghai', description: 'zone of the cron expression (default UTC)' },
        every: { type: 'string', pattern: '^(P[1-9][0-9]?[WD]|PT[1-9][0-9]?[HM])$', example: 'PT6H', description: 'an interval instead of cron, at least PT1M' },
      },
    },
    ok: { status: 201, description: 'The schedule', schema: SCHEDULE_SCHEMA },
    errors: [{ status: 400, codes: ['invalid_body', 'invalid_journey_id'] }, NOT_ACTIVE, { status: 422, codes: [...CANNOT_RUN.codes, 'invalid_schedule'] }],
  })
  createSchedule(@Param('journeyId') journeyId: string, @Body() body: unknown, @Actor() actor: Principal) {
    assertJourneyId(journeyId);
    const { run, timing } = parseScheduleBody(body);
    return this.runs.createSchedule(actor, journeyId, run, timing);
  }

  @Get('segment-schedules')
  @Endpoint({
    summary: "The journey's segment schedules, newest first, with their next start times",
    access: READERS,
    params: { journeyId: JOURNEY_ID_PARAM },
    query: PAGE_QUERY,
    ok: { description: 'A page of schedules', schema: pageSchema(SCHEDULE_SCHEMA) },
    errors: [{ status: 400, codes: ['invalid_query', 'invalid_journey_id'] }],
  })
  listSchedules(@Param('journeyId') journeyId: string, @Query() query: Record<string, unknown>) {
    assertJourneyId(journeyId);
    return this.runs.listSchedules(journeyId, parsePageQuery(query, isNumber));
  }

  @Get('segment-schedules/:scheduleId')
  @Endpoint({
    summary: 'One segment schedule',
    access: READERS,
    params: { journeyId: JOURNEY_ID_PARAM },
    ok: { description: 'The schedule', schema: SCHEDULE_SCHEMA },
    errors: [{ status: 400, codes: ['invalid_journey_id'] }, { status: 404, codes: ['segment_schedule_not_found'] }],
  })
  getSchedule(@Param('journeyId') journeyId: string, @Param('scheduleId') scheduleId: string) {
    assertJourneyId(journeyId);
    return this.runs.getSchedule(journeyId, scheduleId);
  }

  @Delete('segment-schedules/:scheduleId')
  @HttpCode(204)
  @Endpoint({
    summary: 'Delete a segment schedule (a run in progress finishes)',
    access: ['marketer'],
    params: { journeyId: JOURNEY_ID_PARAM },
    ok: { status: 204, description: 'Deleted' },
    errors: [{ status: 400, codes: ['invalid_journey_id'] }, { status: 404, codes: ['segment_schedule_not_found'] }],
  })
  async deleteSchedule(@Param('journeyId') journeyId: string, @Param('scheduleId') scheduleId: string, @Actor() actor: Principal) {
    assertJourneyId(journeyId);
    await this.runs.deleteSchedule(actor, journeyId, scheduleId);
  }
}
