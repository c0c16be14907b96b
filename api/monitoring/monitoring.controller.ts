/** `GET /v1/journeys/:journeyId/stats` and `/enrollments`: how a journey is doing, for marketing ops and support. */
import { Controller, Get, Param, Query } from '@nestjs/common';
import { Endpoint, NON_EMPTY, PAGE_QUERY, pageSchema, TIME_ZONE_SCHEMA } from '../http/endpoint.js';
import { JOURNEY_ID_PARAM, assertJourneyId } from '../journeys/journeys.validation.js';
import { MAX_RANGE_DAYS, parseEnrollmentQuery, parseStatsQuery } from './monitoring.query.js';
import { ENROLLMENT_ITEM_SCHEMA, STATS_SCHEMA } from './monitoring.schemas.js';
import { ENROLLMENT_STATUSES, MonitoringService } from '../../core/monitoring/monitoring.js';

const ACCESS = ['marketer', 'support', 'viewer'] as const;
const ERRORS = [
  { status: 400, codes: ['invalid_query', 'invalid_journey_id'] },
  { status: 404, codes: ['journey_not_found', 'version_not_found'] },
];

@Controller('v1/journeys')
export class MonitoringController {
  constructor(private readonly monitoring: MonitoringService) {}

  @Endpoint({
    summary: "A journey's figures: entered, at each node now, passed through each node and branch, endings, conversions, per arm, per day",
    description:
      'Counts are enrollments (a customer who re-enters counts once per run). With from/to, each figure counts what happened ' +
      'in the window: entries by enrollment time, node passes and branches by step time, endings and conversions by end time. ' +
      'conversionRate = converted / entered. waiting/inProgress/pending are live counts, whatever the window.',
    access: ACCESS,
    params: { journeyId: JOURNEY_ID_PARAM },
    query: {
      version: { description: 'one version (1, 2, ...); default: all versions together', schema: { type: 'integer', minimum: 1, maximum: 999_999_999 } },
      from: { description: 'first local day, YYYY-MM-DD (inclusive)', schema: { type: 'string', format: 'date' } },
      to: { description: `last local day, YYYY-MM-DD (inclusive); from..to spans at most ${MAX_RANGE_DAYS} days`, schema: { type: 'string', format: 'date' } },
      timeZone: { description: "IANA zone of the day boundaries; default the journey's settings.timeZone, else JE_DEFAULT_TIME_ZONE", schema: TIME_ZONE_SCHEMA },
    },
    ranges: [`\`to\` is not before \`from\`, and from..to spans at most ${MAX_RANGE_DAYS} days`],
    ok: { description: 'The figures: totals, nodes, randomSplits and the daily series', schema: STATS_SCHEMA },
    errors: ERRORS,
  })
  @Get(':journeyId/stats')
  stats(@Param('journeyId') journeyId: string, @Query() query: Record<string, unknown>) {
    assertJourneyId(journeyId);
    return this.monitoring.stats(journeyId, parseStatsQuery(query));
  }

  @Endpoint({
    summary: "A journey's enrollments, newest first, filtered by status, node, version or customer",
    access: ACCESS,
    params: { journeyId: JOURNEY_ID_PARAM },
    query: {
      status: { description: ENROLLMENT_STATUSES.join(' | '), schema: { type: 'string', enum: [...ENROLLMENT_STATUSES] } },
      node: { description: 'live runs (pending, active) currently at this node id', schema: NON_EMPTY },
      version: { description: 'one version (1, 2, ...)', schema: { type: 'integer', minimum: 1, maximum: 999_999_999 } },
      customerId: { description: 'one customer', schema: NON_EMPTY },
      ...PAGE_QUERY,
    },
    ok: { description: 'A page of enrollments', schema: pageSchema(ENROLLMENT_ITEM_SCHEMA) },
    errors: ERRORS,
  })
  @Get(':journeyId/enrollments')
  enrollments(@Param('journeyId') journeyId: string, @Query() query: Record<string, unknown>) {
    assertJourneyId(journeyId);
    const { filter, page } = parseEnrollmentQuery(query);
    return this.monitoring.enrollments(journeyId, filter, page);
  }
}
