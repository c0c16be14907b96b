/**

 * Recovery sweeps: starts enrollments whose workflow start was lost or deferred (Temporal was down),
 * runs the event outbox (dispatches stored events no request dispatched), and starts the workflow of
 * durable operations whose start was lost. Runs on intervals when the runtime options ask for it;
 * never throws. A sweep that finds a dependency unreachable reports it to the monitor (one warning
 * per outage) instead of logging an error per tick, and sweeps wait while the monitor says the
 * dependency they need is down.
 */
import { Inject, Injectable, Optional, type BeforeApplicationShutdown, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Client } from '@temporalio/client';
import { DurableOperations } from '../core/operations.js';
import { IngestionService } from './events/ingestion.service.js';
import { EnrollmentService } from '../core/enrollment.js';
import { errorFields } from '../observability/logger.js';
import { unavailableDependencyOf, withTemporalDeadline } from './dependencies.js';
import { DEPENDENCY_STATUS } from './dependencies.module.js';
import type { DependencyStatus } from './dependency-monitor.js';
import { RUNTIME_OPTIONS, TEMPORAL_CLIENT, type RuntimeOptions } from './runtime.js';

/** A sweep's Temporal calls together give up after this (a dead frontend would otherwise hold each start ~20 s). */
const SWEEP_TEMPORAL_BUDGET_MS = 10_000;

export interface SweepCounts {
  started: number;
  dispatched: number;
  /** Operations (journey exits, one-off segment runs) whose workflow was started by the sweep. */
  resumed: number;
}

@Injectable()
export class RecoverySweeper implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private timers: NodeJS.Timeout[] = [];
  private inFlight: Promise<SweepCounts> | null = null;
  private outboxInFlight: Promise<number> | null = null;

  constructor(
    @Inject(RUNTIME_OPTIONS) private readonly options: RuntimeOptions,
    private readonly enrollments: EnrollmentService,
    private readonly ingestion: IngestionService,
    private readonly operations: DurableOperations,
    @Optional() @Inject(DEPENDENCY_STATUS) private readonly status?: DependencyStatus,
    @Optional() @Inject(TEMPORAL_CLIENT) private readonly temporal?: Client,
  ) {}

  onApplicationBootstrap(): void {
    const recovery = this.options.recovery;
    if (!recovery) return;
    this.timers.push(setInterval(() => void this.sweep(), recovery.intervalMs));
    this.timers.push(setInterval(() => void this.runOutbox(), recovery.outboxIntervalMs ?? 1_000));
  }

  /** One round of the event outbox; overlapping ticks join the round in progress. */
  runOutbox(): Promise<number> {
    this.outboxInFlight ??= this.outboxOnce().finally(() => (this.outboxInFlight = null));
    return this.outboxInFlight;
  }

  private async outboxOnce(): Promise<number> {
    if (this.status?.isDown('database') || this.status?.isDown('temporal')) return 0;
    try {
      const n = await this.ingestion.dispatchOutbox();
      if (n > 0) this.options.logger.info('outbox: events dispatched', { dispatched: n });
      return n;
    } catch (err) {
      this.failed('outbox: dispatching stored events failed', err);
      return 0;
    }
  }

  /** One sweep of both kinds of unfinished work; a failure of one is logged and does not stop the other. */
  sweep(): Promise<SweepCounts> {
    // An overlapping tick joins the sweep in progress instead of doubling the load.
    this.inFlight ??= this.sweepOnce().finally(() => (this.inFlight = null));
    return this.inFlight;
  }

  private async sweepOnce(): Promise<SweepCounts> {
    const olderThanMs = this.options.recovery?.olderThanMs ?? 30_000;
    const counts: SweepCounts = { started: 0, dispatched: 0, resumed: 0 };
    if (this.status?.isDown('database') || this.status?.isDown('temporal')) return counts;
    try {
      const start = () => this.enrollments.startPending(olderThanMs);
      counts.started = await (this.temporal ? withTemporalDeadline(this.temporal, SWEEP_TEMPORAL_BUDGET_MS, start) : start());
      if (counts.started > 0) this.options.logger.info('recovery: pending enrollments started', { started: counts.started });
    } catch (err) {
      this.failed('recovery: starting pending enrollments failed', err);
    }
    try {
      counts.resumed = await this.operations.resumeStalled(olderThanMs);
      if (counts.resumed > 0) this.options.logger.info('recovery: stalled operations started', { resumed: counts.resumed });
    } catch (err) {
      this.failed('recovery: resuming stalled operations failed', err);
    }
    // The outbox loop dispatches events as soon as it can; this catches what it was not running for.
    counts.dispatched = await this.runOutbox();
    return counts;
  }

  /** An unreachable dependency goes to the monitor (one warning per outage); anything else is logged. */
  private failed(what: string, err: unknown): void {
    const dependency = unavailableDependencyOf(err);
    if (dependency && this.status) this.status.reportFailure(dependency, err);
    else this.options.logger.error(what, errorFields(err));
  }

  async beforeApplicationShutdown(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    await this.inFlight;
    await this.outboxInFlight;
  }

  /** Runs after the HTTP server has closed: the caller's connections can be released now. */
  async onApplicationShutdown(): Promise<void> {
    await this.options.onShutdown?.();
  }
}
