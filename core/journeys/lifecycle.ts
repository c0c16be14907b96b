/**
 * Pause, resume, stop and archive. Whether a journey accepts new customers lives in
 * `journey_versions.active`, which event, segment and API entry already read: only the active
 * version of an `active` journey has it set. Runs in flight are untouched, except by a stop with
 * `exit_now`, which records a durable operation (core/operations.ts) in the stop's transaction: the
 * `journeyExit` workflow then asks every live run of the journey to exit with the stop's reason,
 * outside the request.
 */
import type { DataSource, EntityManager } from 'typeorm';
import type { DurableOperations } from '../operations.js';
import type { AuditLog } from '../access/audit-log.js';
import type { Principal } from '../access/roles.js';
import { transition, type JourneyStatus } from './journey-states.js';
import { journeysIn, recordJourneyChange, requireJourney } from './journey-store.js';
import { EnrollmentsRepository } from '../../store/enrollments.repository.js';
import { VersionsRepository } from '../../store/versions.repository.js';
import type { Logger } from '../../observability/logger.js';

export type LifecycleAction = 'pause' | 'resume' | 'stop' | 'archive';
export type StopMode = 'finish' | 'exit_now';

export interface LifecycleOutcome {
  journeyId: string;
  status: JourneyStatus;
  previousStatus: JourneyStatus;
  /** Live runs (pending or active) when the change committed. */
  liveRuns: number;
}

export interface StopOutcome extends LifecycleOutcome {
  mode: StopMode;
  /** exit_now: the operation that exits the live runs (`GET /v1/operations/:id`); null for finish. */
  operationId: string | null;
}

export class LifecycleService {
  private readonly runs: EnrollmentsRepository;
  private readonly versions: VersionsRepository;

  constructor(
    private readonly db: DataSource,
    private readonly operations: DurableOperations,
    private readonly audit: AuditLog,
    private readonly logger?: Pick<Logger, 'warn'>,
  ) {
    this.runs = new EnrollmentsRepository(db);
    this.versions = new VersionsRepository(db);
  }

  /** Moves the journey along `action` (409 `invalid_transition` from the wrong status) and records it. */
  async change(
    actor: Principal,
    journeyId: string,
    action: LifecycleAction,
    detail: Record<string, unknown> = {},
    alsoInTransaction?: (tx: EntityManager) => Promise<void>,
  ): Promise<LifecycleOutcome> {
    return this.db.transaction(async (tx) => {
      const journey = await requireJourney(tx, journeyId);
      const status = transition(journeyId, journey.status, action);
      await journeysIn(tx).setStatus(journeyId, status, tx);
      // Only an active journey's active version admits new customers.
      await this.versions.admitOnly(journeyId, status === 'active', journey.active_version ?? -1, tx);
      const n = await this.runs.countLive(journeyId, tx);
      await recordJourneyChange(this.audit, tx, actor, `journey.${action}`, journeyId, { from: journey.status, to: status, liveRuns: n, ...detail });
      await alsoInTransaction?.(tx);
      return { journeyId, status, previousStatus: journey.status, liveRuns: n };
    });
  }

  /**
   * Stops the journey: no new customers, ever. `finish` lets runs in flight go on to their end;
   * `exit_now` also records an operation, with the stop, that asks every live run (pending ones too)
   * to exit with `reason`, and starts its workflow. A lost start is picked up by the recovery sweep.
   */
  async stop(actor: Principal, journeyId: string, mode: StopMode, reason: string): Promise<StopOutcome> {
    const requestedBy = `journey_stop:${actor.name}`;
    let operationId: string | null = null;
    const changed = await this.change(actor, journeyId, 'stop', { mode, reason }, async (tx) => {
      if (mode === 'exit_now') operationId = await this.operations.recordJourneyExit({ journeyId, reason, requestedBy, createdBy: actor.name }, tx);
    });
    if (operationId !== null) {
      try {
        await this.operations.startJourneyExit(operationId, journeyId, reason, requestedBy);
      } catch (err) {
        // The stop and its operation are committed: the recovery sweep starts the workflow later.
        this.logger?.warn('starting the exit operation failed, left to the recovery sweep', { journeyId, operationId, error: (err as Error).message });
      }
    }
    return { ...changed, mode, operationId };
  }
}
