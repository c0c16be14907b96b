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
import type { ExecutionPlan } from '../../engine/plan.js';
import type { CustomerEvent } from '../../engine/runtime.js';
import { loadSegmentRules, segmentMembership } from '../../activities/segments.js';
import { customerEventSignal } from '../../workflows/signals.js';
import type { EnrollmentService } from '../journeys/enrollment.service.js';

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

interface StoredEvent {
  id: string;
  event_id: string;
  customer_id: string;
  name: string;
  event_time: Date;
  properties: Record<string, unknown>;
}

export interface IngestionServiceDeps {
  db: DataSource;
  temporal: Client;
  enrollments: EnrollmentService;
  log?: (line: string) => void;
}

export class IngestionService {
  constructor(private readonly deps: IngestionServiceDeps) {}

  /** Stores a batch (all or nothing) and dispatches the events that are new. */
  async ingest(events: IncomingEvent[]): Promise<IngestOutcome[]> {
    const { db } = this.deps;
    const stored: StoredEvent[] = await db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO customers (id) SELECT DISTINCT unnest($1::text[]) ON CONFLICT (id) DO NOTHING`,
        [events.map((e) => e.customerId)],
      );
      return tx.query(
        `INSERT INTO events (event_id, customer_id, name, event_time, properties)
         SELECT e.event_id, e.customer_id, e.name, e.event_time, COALESCE(e.properties, '{}'::jsonb)
           FROM jsonb_to_recordset($1::jsonb) AS e(event_id text, customer_id text, name text, event_time timestamptz, properties jsonb)
         ON CONFLICT (event_id) DO NOTHING
         RETURNING id, event_id, customer_id, name, event_time, properties`,
        [
          JSON.stringify(
            events.map((e) => ({
              event_id: e.eventId,
              customer_id: e.customerId,
              name: e.name,
              event_time: new Date(e.eventTime).toISOString(),
              properties: e.properties ?? {},
            })),
          ),
        ],
      );
    });
    const fresh = new Set(stored.map((e) => e.event_id));
    for (const event of stored) await this.dispatch(event);
    return events.map((e) => ({ eventId: e.eventId, status: fresh.has(e.eventId) ? 'accepted' : 'duplicate' }));
  }

  /** Creates or updates a customer's traits (merged), then re-checks segment triggers. */
  async upsertCustomer(customerId: string, traits: Record<string, unknown>): Promise<void> {
    await this.deps.db.query(
      `INSERT INTO customers (id, traits) VALUES ($1, $2::jsonb)
       ON CONFLICT (id) DO UPDATE SET traits = customers.traits || $2::jsonb, updated_at = now()`,
      [customerId, JSON.stringify(traits)],
    );
    await this.checkSegmentTriggers(customerId);
  }

  /** Finishes dispatching events accepted more than `olderThanMs` ago whose dispatch never completed. */
  async dispatchPending(olderThanMs: number, limit = 1000): Promise<number> {
    const rows: StoredEvent[] = await this.deps.db.query(
      `SELECT id, event_id, customer_id, name, event_time, properties FROM events
        WHERE dispatched_at IS NULL AND received_at < now() - make_interval(secs => $1 / 1000.0)
        ORDER BY id LIMIT $2`,
      [olderThanMs, limit],
    );
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
    await this.deps.db.query(`UPDATE events SET dispatched_at = now() WHERE id = $1`, [row.id]);
  }

  private async signalLiveRuns(customerId: string, event: CustomerEvent): Promise<void> {
    const runs: { id: string; status: string }[] = await this.deps.db.query(
      `SELECT id, status FROM enrollments WHERE customer_id = $1 AND status IN ('pending', 'active') AND $2 = ANY(watched_events)`,
      [customerId, event.name],
    );
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
    const versions: { id: string; plan: ExecutionPlan }[] = await this.deps.db.query(
      `SELECT id, plan FROM journey_versions WHERE active AND trigger_kind = 'event' AND trigger_event = $1`,
      [event.name],
    );
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
    const versions: { id: string; segment: string }[] = await this.deps.db.query(
      `SELECT id, trigger_segment AS segment FROM journey_versions WHERE active AND trigger_kind = 'segment'`,
    );
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
        await this.deps.db.query(`DELETE FROM segment_memberships WHERE segment_key = $1 AND customer_id = $2`, [version.segment, customerId]);
        continue;
      }
      const entered: { entered_at: Date }[] = await this.deps.db.query(
        `INSERT INTO segment_memberships (segment_key, customer_id) VALUES ($1, $2)
         ON CONFLICT DO NOTHING RETURNING entered_at`,
        [version.segment, customerId],
      );
      if (entered.length === 0) continue;
      await this.deps.enrollments.enroll({
        versionId: version.id,
        customerId,
        triggerKey: `segment:${version.segment}:${entered[0].entered_at.getTime()}`,
        entry: { kind: 'segment', segment: version.segment, payload: {} },
      });
    }
  }
}
