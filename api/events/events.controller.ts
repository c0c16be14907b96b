/** Event intake: the valid items of a batch are stored (in one transaction) and dispatched to journeys; a bad item is refused alone. */
import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { MAX_EVENTS_PER_BATCH, parseEventBatch, type ItemIssue } from './event-batch.validation.js';
import { BATCH_RESULT, EVENT_ITEMS_REF } from './events.schemas.js';
import { IngestionService, type IngestOutcome } from './ingestion.service.js';

/** One item's answer: stored (accepted or duplicate, with its dispatch state), or refused with its issues. */
export type BatchItemResult = IngestOutcome | { eventId: string | null; status: 'rejected'; issues: ItemIssue[] };
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
      'Each item is checked on its own (#/components/schemas/Event; the rules a schema cannot hold: event time from 1970 up to 9999, ' +
      'at most JE_MAX_EVENT_FUTURE_SKEW ahead of the server clock, properties at most 16 KB, no U+0000 or unpaired surrogate): ' +
      'a bad item is refused alone, with `status: rejected` and its `issues` (code, JSON path), and the other items are stored. ' +
      'A retried batch answers `duplicate` for events already accepted; nothing is dispatched twice. ' +
      'A 202 means the accepted events are stored (committed); `dispatch` says whether their journeys have them yet ' +
      '(`dispatched`) or the outbox dispatches them once Temporal answers (`pending`). Answered within 4 s of storing, whatever Temporal does.',
    access: ['engineer'],
    bodyCode: 'invalid_batch',
    body: {
      type: 'object',
      required: ['events'],
      properties: {
        events: EVENT_ITEMS_REF,
      },
    },
    ok: { status: 202, description: 'One result per item, in request order', schema: BATCH_RESULT },
    errors: [
      { status: 503, codes: ['dependency_unavailable'], description: 'PostgreSQL unreachable (error.dependency: database); nothing stored; Retry-After' },
      { status: 400, codes: ['invalid_batch'], description: 'No events array, or an empty one; nothing stored' },
      { status: 413, codes: ['batch_too_large'], description: `More than ${MAX_EVENTS_PER_BATCH} events (error.limit); nothing stored` },
    ],
  })
  @Post()
  @HttpCode(202)
  @ItemCheckedArray('events')
  async ingest(@Body() body: unknown): Promise<{ results: BatchItemResult[] }> {
    const { events, rejected } = parseEventBatch(body, { now: Date.now(), maxFutureSkewMs: this.maxFutureSkewMs });
    // An id repeated inside one batch is one event: the first valid occurrence counts, later ones are duplicates.
    const first = new Map<string, number>();
    for (const e of events) if (!first.has(e.eventId)) first.set(e.eventId, e.index);
    const unique = events.filter((e) => first.get(e.eventId) === e.index);
    const outcome = new Map(unique.length > 0 ? (await this.ingestion.ingest(unique)).map((o) => [o.eventId, o]) : []);
    const results: BatchItemResult[] = [];
    for (const e of events) {
      const { status, dispatch } = outcome.get(e.eventId)!;
      results[e.index] = { eventId: e.eventId, status: first.get(e.eventId) === e.index ? status : 'duplicate', dispatch };
    }
    for (const r of rejected) results[r.index] = { eventId: r.eventId, status: 'rejected', issues: r.issues };
    return { results };
  }
}
