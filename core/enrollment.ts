/**
 * Enrollment: decides, in PostgreSQL, whether a customer may enter a journey (re-entry policy, one
 * live run, one enrollment per trigger) and starts the run's workflow under a deterministic id.
 * The database decides; Temporal's "already started" only confirms it.
 * Framework-free: the API (a Nest provider in api/journeys/journeys.module.ts) and the segment-entry
 * activities both construct it with their own database and Temporal client.
 */
import { reentryRefusal } from '../engine/reentry.js';
import type { DataSource } from 'typeorm';
import { WorkflowExecutionAlreadyStartedError, type Client, type SignalDefinition } from '@temporalio/client';
import type { CustomerEvent, EnrollmentEntry, JourneyRunInput, RunDefaults } from '../engine/runtime.js';
import { customerEventSignal, exitEnrollmentSignal, type JourneyRunWorkflow } from '../engine/workflow-contract.js';
import { eventPasses } from '../engine/event-filter.js';
import type { ExecutionPlan } from '../engine/plan.js';
import { inGlobalHoldout } from '../engine/random.js';
import { pgErrorCode } from '../store/data-source.js';
import { EnrollmentRefusalsRepository } from '../store/enrollment-refusals.repository.js';
import { EnrollmentsRepository, type EnrollmentToStart } from '../store/enrollments.repository.js';
import { VersionsRepository } from '../store/versions.repository.js';
import type { Logger } from '../observability/logger.js';
import { runSearchAttributes } from './run-search-attributes.js';
import { refusalRule, type RefusalFacts } from './customers/history-views.js';

export interface EnrollRequest {
  versionId: string;
  customerId: string;
  entry: EnrollmentEntry;
  /** Distinguishes concurrent runs of one customer in one journey (e.g. per order); default none. */
  entryKey?: string;
  /** Identifies the trigger (event id, API idempotency key): the same trigger never enrolls twice. */
  triggerKey?: string;
}

export type EnrollResult =
  /** `runStart: 'deferred'`: recorded, but Temporal did not take the start; the recovery sweep starts it. */
  | { enrolled: true; enrollmentId: string; runStart?: 'deferred' }
  | {
      enrolled: false;
      reason: 'journey_inactive' | 'already_enrolled' | 'reentry_not_allowed' | 'cooldown' | 'duplicate_trigger' | 'global_holdout' | 'entry_limit';
      enrollmentId?: string;
    };

export interface EnrollmentServiceDeps {
  db: DataSource;
  temporal: Client;
  taskQueue: string;
  defaults: RunDefaults;
  /** Where failures to start a run are reported (warn); default: nowhere. */
  logger?: Pick<Logger, 'info' | 'warn'>;
}

/** The workflow id of one enrollment: business key plus the customer's run number in that journey. */
export function enrollmentIdOf(journeyId: string, customerId: string, entryKey: string, seq: number): string {
  return `journey:${journeyId}:customer:${idPart(customerId)}${entryKey ? `:key:${idPart(entryKey)}` : ''}:run:${seq}`;
}

/**
 * A part of a run id, made unambiguous: `:` (the separator) and `%` (the escape) are percent-encoded,
 * so customer `x` with entry key `k` and customer `x:key:k` get different ids. Parts without either
 * character are unchanged, so ids of runs started before this rule (and every id of a plain customer
 * id) stay what they were.
 */
function idPart(part: string): string {
  return /[:%]/.test(part) ? part.replaceAll('%', '%25').replaceAll(':', '%3A') : part;
}

const UNIQUE_VIOLATION = '23505';

/** Refusals the customer's history records as "not enrolled" (a duplicate trigger is the same entry again, not a refusal). */
type RecordedRefusal = 'already_enrolled' | 'reentry_not_allowed' | 'cooldown' | 'journey_inactive' | 'global_holdout' | 'entry_limit';

/** A decision of the enrollment transaction: a refusal carries the facts its rule is explained with. */
type Decision = { enrolled: true; enrollmentId: string; enrolledAt: Date } | (Extract<EnrollResult, { enrolled: false }> & { facts?: RefusalFacts });

export class EnrollmentService {
  private readonly enrollments: EnrollmentsRepository;
  private readonly versions: VersionsRepository;
  private readonly refusals: EnrollmentRefusalsRepository;

  constructor(private readonly deps: EnrollmentServiceDeps) {
    this.enrollments = new EnrollmentsRepository(deps.db);
    this.versions = new VersionsRepository(deps.db);
    this.refusals = new EnrollmentRefusalsRepository(deps.db);
  }

  /**
   * Records "not enrolled" for each paused or stopped journey whose trigger `event` matches: such a
   * journey is never offered the event (only open versions are), yet support must see why nothing happened.
   */
  async refuseOnClosedJourneys(customerId: string, event: CustomerEvent): Promise<void> {
    for (const v of await this.versions.closedOnEvent(event.name)) {
      if (v.plan.trigger.kind !== 'event' || !eventPasses(v.plan.planVersion, event, v.plan.trigger.where)) continue;
      const { reason, rule } = refusalRule('journey_inactive', { journeyStatus: v.status });
      await this.refusals.record({
        customerId,
        journeyId: v.journey_id,
        versionId: v.id,
        reason,
        rule,
        enrollmentId: null,
        triggerKey: `event:${event.eventId}`,
        entry: { kind: 'event', event, payload: event.properties },
      });
    }
  }

  /**
   * Records "not enrolled" for a trigger a paused or stopped journey was offered but cannot admit (a
   * segment entry, an API call answered 409): the journey never decides it, support must still see it.
   */
  async refuseClosed(req: Omit<EnrollRequest, 'versionId'> & { journeyId: string; versionId: string | null; journeyStatus: string }): Promise<void> {
    const { reason, rule } = refusalRule('journey_inactive', { journeyStatus: req.journeyStatus });
    await this.refusals.record({
      customerId: req.customerId,
      journeyId: req.journeyId,
      versionId: req.versionId,
      reason,
      rule,
      enrollmentId: null,
      triggerKey: req.triggerKey ?? null,
      entry: req.entry,
    });
  }

  /** Records the refusal in the customer's history; a failure to record never fails the enrollment decision. */
  private async recordRefusal(req: EnrollRequest, journeyId: string, versionId: string, code: RecordedRefusal, facts: RefusalFacts): Promise<void> {
    if (code === 'journey_inactive') facts = { ...facts, journeyStatus: (await this.versions.activeOfJourney(journeyId))?.status };
    const { reason, rule } = refusalRule(code, facts);
    await this.refusals
      .record({
        customerId: req.customerId,
        journeyId,
        versionId,
        reason,
        rule,
        enrollmentId: facts.enrollmentId ?? null,
        triggerKey: req.triggerKey ?? null,
        entry: req.entry,
      })
      .catch((err: Error) => this.deps.logger?.warn('refusal not recorded', { customerId: req.customerId, versionId, error: err.message }));
  }

  /** Enrolls a customer into the given journey version, honouring its re-entry policy under concurrency. */
  async enroll(req: EnrollRequest): Promise<EnrollResult> {
    const { db } = this.deps;
    const version = await this.versions.forEntry(req.versionId);
    if (!version) return { enrolled: false, reason: 'journey_inactive' };
    if (!version.active) {
      await this.recordRefusal(req, version.journey_id, version.id, 'journey_inactive', {});
      return { enrolled: false, reason: 'journey_inactive' };
    }
    const holdout = this.deps.defaults.globalHoldoutPercent ?? 0;
    if (hasMarketingAction(version.plan) && inGlobalHoldout(req.customerId, holdout)) {
      await this.recordRefusal(req, version.journey_id, version.id, 'global_holdout', { holdoutPercent: holdout });
      return { enrolled: false, reason: 'global_holdout' };
    }
    const entryKey = req.entryKey ?? '';

    let enrollmentId: string;
    let enrolledAt: Date;
    try {
      const decided = await db.transaction(async (tx): Promise<Decision> => {
        // Share-lock the version. A pause or stop closes it with an UPDATE, which waits for this
        // enrollment to commit (and the stop's exit_now scan then finds it); an enrollment that comes
        // after the close waits for it and sees the version closed. Enrollments do not block each other.
        if (!(await this.versions.isOpenLocked(version.id, tx))) return { enrolled: false as const, reason: 'journey_inactive' as const, facts: {} };
        if (req.triggerKey) {
          const dup = await this.enrollments.idByTrigger(version.journey_id, req.triggerKey, tx);
          if (dup !== null) return { enrolled: false as const, reason: 'duplicate_trigger' as const, enrollmentId: dup };
        }
        const previous = await this.enrollments.lastRunOf(version.journey_id, req.customerId, entryKey, tx);
        if (previous) {
          const facts: RefusalFacts = { enrollmentId: previous.id };
          const running = previous.status === 'pending' || previous.status === 'active';
          // An ended run without an end time (rows from before ended_at was recorded) counts as long ended.
          const endedAt = running ? null : (previous.ended_at?.getTime() ?? 0);
          const reentry = version.plan.reentry;
          const refusal = reentryRefusal(reentry, endedAt, Date.now());
          if (refusal === 'cooldown' && reentry.policy === 'cooldown') {
            const cooldown = { ...facts, cooldownMs: reentry.cooldownMs, lastEndedAt: endedAt ?? 0 };
            return { enrolled: false as const, reason: refusal, enrollmentId: previous.id, facts: cooldown };
          }
          if (refusal !== null) return { enrolled: false as const, reason: refusal, enrollmentId: previous.id, facts };
        }
        const limit = version.plan.entryLimit;
        if (limit !== undefined && (await this.enrollments.lockedEntryCount(version.journey_id, limit, tx)) >= limit) {
          return { enrolled: false as const, reason: 'entry_limit' as const, facts: { entryLimit: limit } };
        }
        const seq = (previous?.seq ?? 0) + 1;
        const id = enrollmentIdOf(version.journey_id, req.customerId, entryKey, seq);
        const enrolledAt = await this.enrollments.insertPending(
          {
            id,
            journeyId: version.journey_id,
            versionId: version.id,
            customerId: req.customerId,
            entryKey,
            seq,
            triggerKey: req.triggerKey ?? null,
            entry: req.entry,
            watchedEvents: version.plan.watchedEvents,
          },
          tx,
        );
        return { enrolled: true as const, enrollmentId: id, enrolledAt };
      });
      if (!decided.enrolled) {
        const { facts, ...refused } = decided;
        if (facts && refused.reason !== 'duplicate_trigger') await this.recordRefusal(req, version.journey_id, version.id, refused.reason, facts);
        return refused;
      }
      enrollmentId = decided.enrollmentId;
      enrolledAt = decided.enrolledAt;
    } catch (err) {
      // A concurrent enrollment won the race: the unique indexes are the final word.
      if (pgErrorCode(err) === UNIQUE_VIOLATION) {
        const detail = String((err as { detail?: string; constraint?: string }).constraint ?? (err as Error).message);
        return { enrolled: false, reason: detail.includes('trigger') ? 'duplicate_trigger' : 'already_enrolled' };
      }
      throw err;
    }

    const started = await this.startRun({
      id: enrollmentId,
      journey_id: version.journey_id,
      version_id: version.id,
      version: version.version,
      customer_id: req.customerId,
      entry: req.entry,
      enrolled_at: enrolledAt,
      plan: version.plan,
    }).then(
      () => true,
      (err: Error) => {
        // The enrollment is recorded; startPending() retries the start, so nothing is lost.
        this.deps.logger?.warn('workflow start deferred', { enrollmentId, error: err.message });
        return false;
      },
    );
    return started ? { enrolled: true, enrollmentId } : { enrolled: true, enrollmentId, runStart: 'deferred' };
  }

  /**
   * Starts the workflows of enrollments still pending after `olderThanMs` (a crash between insert and
   * start), at most `limit` (500); only one journey's with `journeyId`.
   */
  async startPending(olderThanMs: number, options: { limit?: number; journeyId?: string } = {}): Promise<number> {
    const rows = await this.enrollments.pendingOlderThan(olderThanMs, options.limit ?? 500, options.journeyId ?? null);
    let started = 0;
    for (const row of rows) {
      try {
        await this.startRun(row);
        started++;
      } catch (err) {
        this.deps.logger?.warn('workflow start failed again', { enrollmentId: row.id, error: (err as Error).message });
      }
    }
    return started;
  }

  /**
   * Signals `event` to a pending enrollment, starting its workflow first when it does not exist yet
   * (signal-with-start), so an event that arrives before a deferred start is not lost.
   */
  async signalPending(enrollmentId: string, event: CustomerEvent): Promise<void> {
    await this.signalStarting(enrollmentId, customerEventSignal, [event]);
  }

  /**
   * Asks a live run to exit now with `reason`; a pending run's workflow is started first, so the run
   * records the exit itself (status `exited`, the reason) either way. A run that has ended is left alone.
   */
  async requestExit(enrollmentId: string, reason: string, requestedBy: string): Promise<void> {
    await this.signalStarting(enrollmentId, exitEnrollmentSignal, [{ reason, requestedBy }]);
  }

  private async signalStarting<A>(enrollmentId: string, signal: SignalDefinition<[A]>, signalArgs: [A]): Promise<void> {
    const row = await this.enrollments.toStart(enrollmentId);
    if (!row) return;
    await this.deps.temporal.workflow.signalWithStart<JourneyRunWorkflow, [A]>('journeyRun', {
      taskQueue: this.deps.taskQueue,
      workflowId: enrollmentId,
      args: [this.runInput(row)],
      ...this.searchAttributesOf(row),
      signal,
      signalArgs,
      // An enrollment id names one run: a run that has already ended is never started again.
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    }).catch((err) => {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    });
  }

  /** The run's Temporal search attributes (core/run-search-attributes.ts), unless switched off (JE_TEMPORAL_SEARCH_ATTRIBUTES=0). */
  private searchAttributesOf(row: EnrollmentToStart) {
    if (this.deps.defaults.searchAttributes === false) return {};
    return { typedSearchAttributes: runSearchAttributes({ customerId: row.customer_id, journeyId: row.journey_id, version: Number(row.version) }) };
  }

  private runInput(row: EnrollmentToStart): JourneyRunInput {
    return {
      enrollmentId: row.id,
      journeyId: row.journey_id,
      versionId: row.version_id,
      customerId: row.customer_id,
      plan: row.plan,
      entry: row.entry,
      enrolledAt: row.enrolled_at.getTime(),
      defaults: this.deps.defaults,
    };
  }

  private async startRun(row: EnrollmentToStart): Promise<void> {
    const input = this.runInput(row);
    try {
      await this.deps.temporal.workflow.start<JourneyRunWorkflow>('journeyRun', {
        taskQueue: this.deps.taskQueue,
        workflowId: row.id,
        args: [input],
        ...this.searchAttributesOf(row),
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  }
}

/** Whether the plan touches customers for marketing (the global holdout spares purely transactional journeys). */
function hasMarketingAction(plan: ExecutionPlan): boolean {
  return Object.values(plan.nodes).some((step) => step.kind === 'action' && step.category === 'marketing');
}
