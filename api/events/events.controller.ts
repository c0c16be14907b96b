/** Event intake: a validated batch is stored all-or-nothing and dispatched to journeys. */
import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { parseEventBatch } from './event-batch.validation.js';
import { IngestionService, type IngestOutcome } from './ingestion.service.js';

@Controller('v1/events')
export class EventsController {
  constructor(private readonly ingestion: IngestionService) {}

  @Post()
  @HttpCode(202)
  async ingest(@Body() body: unknown): Promise<{ results: IngestOutcome[] }> {
    const events = parseEventBatch(body);
    // An id repeated inside one batch is one event: the first occurrence counts, later ones are duplicates.
    const first = new Map<string, number>();
    events.forEach((e, i) => first.has(e.eventId) || first.set(e.eventId, i));
    const unique = events.filter((e, i) => first.get(e.eventId) === i);
    const status = new Map((await this.ingestion.ingest(unique)).map((o) => [o.eventId, o.status]));
    return {
      results: events.map((e, i) => ({ eventId: e.eventId, status: first.get(e.eventId) === i ? status.get(e.eventId)! : 'duplicate' })),
    };
  }
}
