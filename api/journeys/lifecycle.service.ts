/**
 * Pause, resume, stop and archive. Whether a journey accepts new customers lives in
 * `journey_versions.active`, which event, segment and API entry already read: only the active
 * version of an `active` journey has it set. Runs in flight are untouched, except by a stop with
 * `exit_now`, which asks every live run of the journey to exit with the stop's reason.
 */
import type { DataSource } from 'typeorm';
import type { AuditLog } from '../audit/audit-log.service.js';
import type { Principal } from '../auth/roles.js';
import { transition, type JourneyStatus } from './journey-states.js';
import { journeysIn, recordJourneyChange, requireJourney } from './journey-store.js';
import type { EnrollmentService } from './enrollment.service.js';
import { EnrollmentsRepository } from '../../store/enrollments.repository.js';
import { VersionsRepository } from '../../store/versions.repository.js';

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
  /** exit_now: runs asked to exit; failed: runs the request did not reach (retry the stop's exits per enrollment). */
  exitRequested: number;
  exitFailed: number;
}

/** Live runs are signalled this many at a time. */
const EXIT_BATCH = 50;

export class LifecycleService {
  private readonly runs: EnrollmentsRepository;
  private readonly versions: VersionsRepository;

  constructor(
    private readonly db: DataSource,
    private readonly enrollments: EnrollmentService,
    private readonly audit: AuditLog,
  ) {
    this.runs = new EnrollmentsRepository(db);
    this.versions = new VersionsRepository(db);
  }

  /** Moves the journey along `action` (409 `invalid_transition` from the wrong status) and records it. */
  async change(actor: Principal, journeyId: string, action: LifecycleAction, detail: Record<string, unknown> = {}): Promise<LifecycleOutcome> {
    return this.db.transaction(async (tx) => {
      const journey = await requireJourney(tx, journeyId);
      const status = transition(journeyId, journey.status, action);
      await journeysIn(tx).setStatus(journeyId, status, tx);
      // Only an active journey's active version admits new customers.
      await this.versions.admitOnly(journeyId, status === 'active', journey.active_version ?? -1, tx);
      const n = await this.runs.countLive(journeyId, tx);
      await recordJourneyChange(this.audit, tx, actor, `journey.${action}`, journeyId, { from: journey.status, to: status, liveRuns: n, ...detail });
      return { journeyId, status, previousStatus: journey.status, liveRuns: n };
    });
  }

  /**
   * Stops the journey: no new customers, ever. `finish` lets runs in flight go on to their end;
   * `exit_now` then signals every live run (pending ones too) to exit with `reason`, in batches.
   */
  async stop(actor: Principal, journeyId: string, mode: StopMode, reason: string): Promise<StopOutcome> {
    const changed = await this.change(actor, journeyId, 'stop', { mode, reason });
    const exits = mode === 'exit_now' ? await this.exitLiveRuns(journeyId, reason, `journey_stop:${actor.name}`) : { requested: 0, failed: 0 };
    return { ...changed, mode, exitRequested: exits.requested, exitFailed: exits.failed };
  }

  /** Signals every live run of the journey to exit; runs that end meanwhile are simply skipped. */
  private async exitLiveRuns(journeyId: string, reason: string, requestedBy: string): Promise<{ requested: number; failed: number }> {
    let requested = 0;
    let failed = 0;
    let after = '';
    for (;;) {
      const batch = await this.runs.liveIdsAfter(journeyId, after, EXIT_BATCH);
      if (batch.length === 0) break;
      const results = await Promise.allSettled(batch.map((id) => this.enrollments.requestExit(id, reason, requestedBy)));
      requested += results.filter((r) => r.status === 'fulfilled').length;
      failed += results.filter((r) => r.status === 'rejected').length;
      after = batch[batch.length - 1];
    }
    return { requested, failed };
  }
}
