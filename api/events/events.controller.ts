/** Event intake: a validated batch is stored all-or-nothing and dispatched to journeys. */
import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { parseEventBatch } from './event-batch.validation.js';
import { IngestionService, type IngestOutcome } from './ingestion.service.js';
import { Endpoint } from '../http/endpoint.js';
import { ItemCheckedArray } from '../http/string-safety.js';
import { loadConfig } from '../../config/index.js';
import { RUNTIME_OPTIONS, type RuntimeOptions } from '../runtime.js';

@Controller('v1/events')
export class EventsController {
  /** JE_MAX_EVENT_FUTURE_SKEW, read once (the app's runtime options may set it, e.g. tests on a time-skipping clock). */
  private readonly maxFutureSkewMs: number;

  constructor(
    private readonly ingestion: IngestionService,
    @Inject(RUNTIME_OPTIONS) options: RuntimeOptions,
  ) {
    this.maxFutureSkewMs = options.maxEventFutureSkewMs ?? loadConfig().maxEventFutureSkewMs;
  }

  @Endpoint({
    summary: 'Ingest a batch of events (1-500), idempotent by eventId',
    description:
      'All or nothing: one malformed item rejects the batch with its index and reason, and nothing is stored. ' +
      'A retried batch answers `duplicate` for events already accepted; nothing is dispatched twice. ' +
      'A 202 means the events are stored (committed); `dispatch` says whether their journeys have them yet ' +
      '(`dispatched`) or the outbox dispatches them once Temporal answers (`pending`). Answered within 4 s of storing, whatever Temporal does.',
    access: ['engineer'],
    body: {
      type: 'object',
      required: ['events'],
      properties: {
        events: {
          type: 'array',
          minItems: 1,
          maxItems: 500,
          items: {
            type: 'object',
            required: ['eventId', 'customerId', 'name', 'eventTime'],
            properties: {
              eventId: { type: 'string', maxLength: 200 },
              customerId: { type: 'string', maxLength: 200 },
              name: { type: 'string', pattern: '^[A-Za-z0-9_.:-]{1,100}$' },
              eventTime: { description: 'ISO 8601 with offset, or epoch ms', oneOf: [{ type: 'string', format: 'date-time' }, { type: 'integer' }] },
              properties: { type: 'object', description: 'at most 16 KB as JSON' },
            },
          },
        },
      },
    },
    ok: { status: 202, description: '{ results: [{ eventId, status: accepted | duplicate, dispatch: dispatched | pending }] } in request order' },
    errors: [
      { status: 503, codes: ['dependency_unavailable'], description: 'PostgreSQL unreachable (error.dependency: database); nothing stored; Retry-After' },
      {
        status: 400,
        codes: ['invalid_batch'],
        description:
          'error.items lists each bad item with its index, path and reason (e.g. invalid_string, invalid_event_time, event_time_in_future)',
      },
      { status: 413, codes: ['batch_too_large'] },
    ],
  })
  @Post()
  @HttpCode(202)
  @ItemCheckedArray('events')
  async ingest(@Body() body: unknown): Promise<{ results: IngestOutcome[] }> {
    const events = parseEventBatch(body, { now: Date.now(), maxFutureSkewMs: this.maxFutureSkewMs });
    // An id repeated inside one batch is one event: the first occurrence counts, later ones are duplicates.
    const first = new Map<string, number>();
    events.forEach((e, i) => first.has(e.eventId) || first.set(e.eventId, i));
    const unique = events.filter((e, i) => first.get(e.eventId) === i);
    const outcome = new Map((await this.ingestion.ingest(unique)).map((o) => [o.eventId, o]));
    return {
      results: events.map((e, i) => {
        const { status, dispatch } = outcome.get(e.eventId)!;
        return { eventId: e.eventId, status: first.get(e.eventId) === i ? status : 'duplicate', dispatch };
      }),
    };
  }
}
