/**
 * Event ingestion: stores events idempotently by event id, then dispatches each new one: signals the
 * customer's live runs that watch it, and enrolls the customer into journeys it triggers. Dispatch is
 * recorded (`dispatched_at`), and `dispatchPending` finishes any dispatch a crash interrupted.
 */
import type { DataSource } from 'typeorm';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { EngineError } from '../../engine/errors.js';
import { compileSegment } from '../../engine/segments/index.js';
import { matchesFilters } from '../../engine/evaluate.js';
import type { CustomerEvent } from '../../engine/runtime.js';
import { loadSegmentRules, segmentMembership } from '../../activities/segments.js';
import { customerEventSignal } from '../../workflows/signals.js';
import type { EnrollmentService } from '../journeys/enrollment.service.js';
import { CustomersRepository } from '../../store/customers.repository.js';
import { EnrollmentsRepository } from '../../store/enrollments.repository.js';
import { EventsRepository, type StoredEvent } from '../../store/events.repository.js';
import { SegmentMembershipsRepository } from '../../store/segment-memberships.repository.js';
import { VersionsRepository } from '../../store/versions.repository.js';

/** One event as a client sends it. */
export interface IncomingEvent {
  eventId: string;
  customerId: string;
  name: string;
  /** When it happened (ISO 8601 or epoch ms). */
  eventTime: string | number | Date;
  properties?: Record<string, unknown>;
}

export interface IngestOutcome {
  eventId: string;
  /** `duplicate`: an event with this id was accepted before; nothing happens twice. */
  status: 'accepted' | 'duplicate';
}

export interface IngestionServiceDeps {
  db: DataSource;
  temporal: Client;
  enrollments: EnrollmentService;
  log?: (line: string) => void;
}

export class IngestionService {
  private readonly customers: CustomersRepository;
  private readonly events: EventsRepository;
  private readonly runs: EnrollmentsRepository;
  private readonly versions: VersionsRepository;
  private readonly memberships: SegmentMembershipsRepository;

  constructor(private readonly deps: IngestionServiceDeps) {
    this.customers = new CustomersRepository(deps.db);
    this.events = new EventsRepository(deps.db);
    this.runs = new EnrollmentsRepository(deps.db);
    this.versions = new VersionsRepository(deps.db);
    this.memberships = new SegmentMembershipsRepository(deps.db);
  }

  /** Stores a batch (all or nothing) and dispatches the events that are new. */
  async ingest(events: IncomingEvent[]): Promise<IngestOutcome[]> {
    const { db } = this.deps;
    const stored: StoredEvent[] = await db.transaction(async (tx) => {
      await this.customers.ensureAllKnown(events.map((e) => e.customerId), tx);
      return this.events.insertNew(
        events.map((e) => ({
          eventId: e.eventId,
          customerId: e.customerId,
          name: e.name,
          eventTime: new Date(e.eventTime).toISOString(),
          properties: e.properties ?? {},
        })),
        tx,
      );
    });
    const fresh = new Set(stored.map((e) => e.event_id));
    for (const event of stored) await this.dispatch(event);
    return events.map((e) => ({ eventId: e.eventId, status: fresh.has(e.eventId) ? 'accepted' : 'duplicate' }));
  }

  /** Creates or updates a customer's traits (merged), then re-checks segment triggers. */
  async upsertCustomer(customerId: string, traits: Record<string, unknown>): Promise<void> {
    await this.customers.mergeTraits(customerId, traits);
    await this.checkSegmentTriggers(customerId);
  }

  /** Finishes dispatching events accepted more than `olderThanMs` ago whose dispatch never completed. */
  async dispatchPending(olderThanMs: number, limit = 1000): Promise<number> {
    const rows = await this.events.undispatchedOlderThan(olderThanMs, limit);
    for (const row of rows) await this.dispatch(row);
    return rows.length;
  }

  private async dispatch(row: StoredEvent): Promise<void> {
    const event: CustomerEvent = {
      eventId: row.event_id,
      name: row.name,
      eventTime: row.event_time.getTime(),
      properties: row.properties,
    };
    await this.signalLiveRuns(row.customer_id, event);
    await this.enrollByEvent(row.customer_id, event);
    await this.checkSegmentTriggers(row.customer_id);
    await this.events.markDispatched(row.id);
  }

  private async signalLiveRuns(customerId: string, event: CustomerEvent): Promise<void> {
    const runs = await this.runs.liveWatching(customerId, event.name);
    for (const run of runs) {
      try {
        // A pending run's workflow may not exist yet (its start was deferred): start it with the event.
        if (run.status === 'pending') await this.deps.enrollments.signalPending(run.id, event);
        else await this.deps.temporal.workflow.getHandle(run.id).signal(customerEventSignal, event);
      } catch (err) {
        // The run ended between the query and the signal: nothing left to tell it.
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      }
    }
  }

  private async enrollByEvent(customerId: string, event: CustomerEvent): Promise<void> {
    const versions = await this.versions.activeOnEvent(event.name);
    for (const version of versions) {
      const trigger = version.plan.trigger;
      if (trigger.kind !== 'event' || !matchesFilters(event.properties, trigger.where)) continue;
      const result = await this.deps.enrollments.enroll({
        versionId: version.id,
        customerId,
        triggerKey: `event:${event.eventId}`,
        entry: { kind: 'event', event, payload: event.properties },
      });
      if (result.enrolled) this.deps.log?.(`enrolled ${customerId} into ${version.id} on ${event.name}`);
    }
  }

  /**
   * Enrolls the customer into segment-triggered journeys whose segment they have just entered. All
   * trigger segments are decided in one query; a segment that cannot be compiled (deleted, invalid)
   * is logged and skipped so that it never blocks ingestion.
   */
  private async checkSegmentTriggers(customerId: string): Promise<void> {
    const versions = await this.versions.activeOnSegment();
    if (versions.length === 0) return;
    const rules = await loadSegmentRules(this.deps.db, versions.map((v) => v.segment));
    const segments = [...new Set(versions.map((v) => v.segment))].filter((key) => {
      try {
        compileSegment({ segment: key }, { resolve: (k) => rules.get(k) });
        return true;
      } catch (err) {
        if (!(err instanceof EngineError)) throw err;
        this.deps.log?.(`segment trigger "${key}" skipped: ${err.code}: ${err.message}`);
        return false;
      }
    });
    const membership = await segmentMembership(this.deps.db, customerId, segments, { rules });
    for (const version of versions) {
      if (!(version.segment in membership)) continue;
      if (!membership[version.segment]) {
        await this.memberships.leave(version.segment, customerId);
        continue;
      }
      const enteredAt = await this.memberships.enter(version.segment, customerId);
      if (enteredAt === null) continue;
      await this.deps.enrollments.enroll({
        versionId: version.id,
        customerId,
        triggerKey: `segment:${version.segment}:${enteredAt.getTime()}`,
        entry: { kind: 'segment', segment: version.segment, payload: {} },
      });
    }
  }
}
