/**
 * Event ingestion: stores events idempotently by event id, then dispatches each one: signals the
 * customer's live runs that watch it, and enrolls the customer into journeys it triggers. The events
 * table is the outbox: dispatch is recorded (`dispatched_at`), a dispatcher claims an event before
 * dispatching it (`dispatch_claimed_until`, FOR UPDATE SKIP LOCKED), and what the request that stored
 * a batch could not dispatch within its budget (Temporal slow or gone) is dispatched by the outbox
 * loop (`dispatchOutbox`, run by the recovery sweeper) once Temporal answers.
 * Framework-free: the API builds it (api/events/ingestion.service.ts) with its outage status and its
 * dispatch policy (api/dependencies.ts) as ports.
 */
import type { DataSource } from 'typeorm';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { EngineError } from '../../engine/errors.js';
import { compileSegment } from '../../engine/segments/index.js';
import { eventPasses } from '../../engine/event-filter.js';
import type { CustomerEvent } from '../../engine/runtime.js';
import { loadSegmentRules, segmentMembership } from '../segments/membership.js';
import { customerEventSignal } from '../../engine/workflow-contract.js';
import type { DependencyMetrics } from '../../observability/metrics.js';
import type { EnrollmentService } from '../enrollment.js';
import { CustomersRepository } from '../../store/customers.repository.js';
import { EnrollmentsRepository } from '../../store/enrollments.repository.js';
import { EventsRepository, type StoredEvent } from '../../store/events.repository.js';
import { SegmentMembershipsRepository } from '../../store/segment-memberships.repository.js';
import { VersionsRepository } from '../../store/versions.repository.js';
import type { Logger } from '../../observability/logger.js';
import { isAnonymousProfileKey, stitchEvents } from '../identity/stitching.js';

/** A dependency whose outage ingestion waits out (the outbox keeps what it could not dispatch). */
export type IngestionDependency = 'database' | 'temporal';

/** Outages the caller knows of (the API's dependency monitor, api/dependency-monitor.ts). */
export interface OutageStatus {
  isDown(dependency: IngestionDependency): boolean;
  /** `err` said the dependency is unreachable. */
  reportFailure(dependency: IngestionDependency, err: unknown): void;
}

/**
 * How the caller bounds dispatch and tells an outage from any other failure (the API's policy:
 * api/dependencies.ts). Without one, calls are unbounded and every failure counts as "other".
 */
export interface DispatchPolicy {
  /** Runs `fn` with every Temporal call in it bounded by `ms`. */
  bounded<T>(temporal: Client, ms: number, fn: () => Promise<T>): Promise<T>;
  /** The dependency `err` says is unreachable, or null for any other error. */
  unavailableDependencyOf(err: unknown): IngestionDependency | null;
  /** The error for an enrollment recorded whose run did not start (Temporal stopped answering). */
  deferredStart(detail: string): Error;
}

const UNBOUNDED: DispatchPolicy = {
  bounded: (_temporal, _ms, fn) => fn(),
  unavailableDependencyOf: () => null,
  deferredStart: (detail) => new Error(detail),
};

/** One event as a client sends it: under a customer id, an anonymous id (a device id), or both (core/identity/stitching.ts). */
export interface IncomingEvent {
  eventId: string;
  customerId?: string;
  anonymousId?: string;
  name: string;
  /** When it happened (ISO 8601 or epoch ms). */
  eventTime: string | number | Date;
  properties?: Record<string, unknown>;
}

export interface IngestOutcome {
  eventId: string;
  /** `duplicate`: an event with this id was accepted before; nothing happens twice. */
  status: 'accepted' | 'duplicate';
  /**
   * `dispatched`: its journeys have it (runs signalled, enrollments recorded); `pending`: stored, and
   * the outbox dispatches it once Temporal answers.
   */
  dispatch: 'dispatched' | 'pending';
}

export interface IngestionServiceDeps {
  db: DataSource;
  temporal: Client;
  enrollments: EnrollmentService;
  /** Enrollments (info) and deferred dispatches or skipped triggers (warn); default: nowhere. */
  logger?: Pick<Logger, 'info' | 'warn'>;
  /** Outages this API instance knows of: no dispatch is tried in the request while Temporal is down. */
  status?: OutageStatus;
  metrics?: DependencyMetrics;
  /** Bounds and outage classification of dispatch; default: unbounded, no failure is an outage. */
  policy?: DispatchPolicy;
  /**
   * How long the call that stores a batch dispatches it before answering (the API with its outbox loop:
   * EVENT_DISPATCH_BUDGET_MS). Default: no limit, everything in the call, for callers that run no
   * outbox loop (benchmarks, tests, an API built without recovery).
   */
  dispatchBudgetMs?: number;
}

/** Where a dispatch runs: in the storing request, or in the outbox loop. */
type DispatchPath = 'request' | 'outbox';

/** A claim outlives the dispatch that made it by far; a claimer that crashed is taken over after it. */
const REQUEST_CLAIM_MS = 30_000;
const OUTBOX_CLAIM_MS = 120_000;
/** The outbox loop's budget per round: it stops taking new events after this. */
const OUTBOX_ROUND_MS = 30_000;

export class IngestionService {
  private readonly customers: CustomersRepository;
  private readonly events: EventsRepository;
  private readonly runs: EnrollmentsRepository;
  private readonly versions: VersionsRepository;
  private readonly memberships: SegmentMembershipsRepository;
  private readonly policy: DispatchPolicy;

  constructor(private readonly deps: IngestionServiceDeps) {
    this.policy = deps.policy ?? UNBOUNDED;
    this.customers = new CustomersRepository(deps.db);
    this.events = new EventsRepository(deps.db);
    this.runs = new EnrollmentsRepository(deps.db);
    this.versions = new VersionsRepository(deps.db);
    this.memberships = new SegmentMembershipsRepository(deps.db);
  }

  /**
   * Stores a batch (all or nothing), then dispatches its undispatched events for at most the dispatch
   * budget (none while Temporal is known to be down); the rest is left to the outbox.
   */
  async ingest(events: IncomingEvent[]): Promise<IngestOutcome[]> {
    const { db } = this.deps;
    const stored: StoredEvent[] = await db.transaction(async (tx) => {
      const { keys, customerIds } = await stitchEvents(tx, events);
      await this.customers.ensureAllKnown(customerIds, tx);
      return this.events.insertNew(
        events.map((e, i) => ({
          eventId: e.eventId,
          customerId: keys[i],
          name: e.name,
          eventTime: new Date(e.eventTime).toISOString(),
          properties: e.properties ?? {},
        })),
        tx,
      );
    });
    const fresh = new Set(stored.map((e) => e.event_id));
    const ids = events.map((e) => e.eventId);
    const budgetMs = this.deps.dispatchBudgetMs ?? Number.POSITIVE_INFINITY;
    // With an outbox loop behind it, the request does not wait for a Temporal known to be down.
    if (!Number.isFinite(budgetMs) || !this.deps.status?.isDown('temporal')) {
      const claimed = await this.events.claimUndispatched({ limit: ids.length, claimMs: REQUEST_CLAIM_MS, eventIds: ids });
      await this.dispatchClaimed(claimed, 'request', budgetMs);
    }
    const dispatched = await this.events.dispatchedAmong(ids);
    return events.map((e) => ({
      eventId: e.eventId,
      status: fresh.has(e.eventId) ? 'accepted' : 'duplicate',
      dispatch: dispatched.has(e.eventId) ? 'dispatched' : 'pending',
    }));
  }

  /**
   * One round of the outbox: claims up to `limit` undispatched events nobody holds and dispatches
   * them in arrival order, stopping at the first failure. Nothing while Temporal is known to be down.
   */
  async dispatchOutbox(limit = 200): Promise<number> {
    if (this.deps.status?.isDown('temporal')) return 0;
    const claimed = await this.events.claimUndispatched({ limit, claimMs: OUTBOX_CLAIM_MS });
    return this.dispatchClaimed(claimed, 'outbox', OUTBOX_ROUND_MS);
  }

  /** Creates or updates a customer's traits (merged), then re-checks segment triggers. */
  async upsertCustomer(customerId: string, traits: Record<string, unknown>): Promise<void> {
    await this.customers.mergeTraits(customerId, traits);
    await this.checkSegmentTriggers(customerId);
  }

  /** Re-checks the customer's segment triggers (after their events changed without an event of theirs: identity stitching). */
  async recheckSegments(customerId: string): Promise<void> {
    await this.checkSegmentTriggers(customerId);
  }

  /** Dispatches events accepted more than `olderThanMs` ago whose dispatch never completed (and nobody holds). */
  async dispatchPending(olderThanMs: number, limit = 1000): Promise<number> {
    const claimed = await this.events.claimUndispatched({ limit, claimMs: OUTBOX_CLAIM_MS, olderThanMs });
    return this.dispatchClaimed(claimed, 'outbox', OUTBOX_ROUND_MS);
  }

  /**
   * Dispatches claimed events in order until the budget is spent or one fails (a later event of the
   * same customer must not overtake it); every Temporal call is bounded by the budget. The claims of
   * what was not dispatched are given back. Returns how many were dispatched.
   */
  private async dispatchClaimed(claimed: StoredEvent[], path: DispatchPath, budgetMs: number): Promise<number> {
    const until = Date.now() + budgetMs;
    let done = 0;
    let held = 0;
    try {
      for (const row of claimed) {
        const left = until - Date.now();
        if (left <= 0) break;
        await (Number.isFinite(left) ? this.policy.bounded(this.deps.temporal, left, () => this.dispatch(row)) : this.dispatch(row));
        await this.events.markDispatched(row.id);
        done++;
      }
    } catch (err) {
      const reason = this.policy.unavailableDependencyOf(err) ?? 'other';
      this.deps.metrics?.eventDispatchFailures.inc({ reason });
      if (reason === 'other') {
        this.deps.logger?.warn('event dispatch failed, left in the outbox', { eventId: claimed[done].event_id, error: (err as Error).message });
        // Keep its claim: it is retried when the claim lapses, and does not hold up the events behind it.
        held = 1;
      } else this.deps.status?.reportFailure(reason, err);
    } finally {
      if (done > 0) this.deps.metrics?.eventsDispatched.inc({ path }, done);
      // If this fails too (the database is gone), the claims lapse by themselves.
      await this.events.releaseClaims(claimed.slice(done + held).map((r) => r.id)).catch(() => undefined);
    }
    return done;
  }

  private async dispatch(row: StoredEvent): Promise<void> {
    // An unlinked anonymous id's event reaches no journey (docs/identity.md): it counts once linked.
    if (isAnonymousProfileKey(row.customer_id)) return;
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
    await this.deps.enrollments.refuseOnClosedJourneys(customerId, event);
    const versions = await this.versions.activeOnEvent(event.name);
    for (const version of versions) {
      const trigger = version.plan.trigger;
      if (trigger.kind !== 'event' || !eventPasses(version.plan.planVersion, event, trigger.where)) continue;
      const result = await this.deps.enrollments.enroll({
        versionId: version.id,
        customerId,
        triggerKey: `event:${event.eventId}`,
        entry: { kind: 'event', event, payload: event.properties },
      });
      // Recorded, but its run did not start: the event stays in the outbox until Temporal answers (its
      // retry finds the enrollment by trigger key; the recovery sweep starts the run).
      if (result.enrolled && result.runStart === 'deferred') {
        throw this.policy.deferredStart(`the run of ${result.enrollmentId} did not start`);
      }
      if (result.enrolled) this.deps.logger?.info('enrolled', { customerId, versionId: version.id, event: event.name });
    }
  }

  /**
   * Enrolls the customer into segment-triggered journeys whose segment they have just entered. All
   * trigger segments are decided in one query; a segment that cannot be compiled (deleted, invalid)
   * is logged and skipped so that it never blocks ingestion.
   */
  private async checkSegmentTriggers(customerId: string): Promise<void> {
    // Paused and stopped journeys are offered the entry too: they refuse it, recorded in the history.
    const versions: SegmentTriggered[] = [
      ...(await this.versions.activeOnSegment()).map((v) => ({ ...v, closed: null })),
      ...(await this.versions.closedOnSegment()).map((v) => ({ ...v, closed: { journeyId: v.journey_id, status: v.status } })),
    ];
    if (versions.length === 0) return;
    const rules = await loadSegmentRules(this.deps.db, versions.map((v) => v.segment));
    const segments = [...new Set(versions.map((v) => v.segment))].filter((key) => {
      try {
        compileSegment({ segment: key }, { resolve: (k) => rules.get(k) });
        return true;
      } catch (err) {
        if (!(err instanceof EngineError)) throw err;
        this.deps.logger?.warn('segment trigger skipped', { segment: key, code: err.code, error: err.message });
        return false;
      }
    });
    const membership = await segmentMembership(this.deps.db, customerId, segments, { rules });
    // Membership is per segment, shared by every journey it triggers: enter (or leave) it once, then
    // offer the entry to each of them (entering it is one trigger, whatever number of journeys use it).
    for (const [segment, triggered] of groupBySegment(versions)) {
      if (!(segment in membership)) continue;
      if (!membership[segment]) {
        await this.memberships.leave(segment, customerId);
        continue;
      }
      const enteredAt = await this.memberships.enter(segment, customerId);
      if (enteredAt === null) continue;
      const trigger = { customerId, triggerKey: `segment:${segment}:${enteredAt.getTime()}`, entry: { kind: 'segment' as const, segment, payload: {} } };
      for (const version of triggered) {
        const { closed } = version;
        if (closed) await this.deps.enrollments.refuseClosed({ ...trigger, journeyId: closed.journeyId, versionId: version.id, journeyStatus: closed.status });
        else await this.deps.enrollments.enroll({ ...trigger, versionId: version.id });
      }
    }
  }
}

/** A version triggered by entering `segment`; `closed` when its journey is paused or stopped (it refuses the entry). */
interface SegmentTriggered {
  id: string;
  segment: string;
  closed: { journeyId: string; status: string } | null;
}

/** The versions triggered by each segment, in the order the segments first appear. */
function groupBySegment<V extends { segment: string }>(versions: V[]): Map<string, V[]> {
  const groups = new Map<string, V[]>();
  for (const v of versions) groups.set(v.segment, [...(groups.get(v.segment) ?? []), v]);
  return groups;
}
