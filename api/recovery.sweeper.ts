/**
 * Recovery sweeps: starts enrollments whose workflow start was lost, finishes event dispatches a
 * crash interrupted and starts the workflow of durable operations whose start was lost. Runs on an interval when the runtime options ask for it; never throws.
 */
import { Inject, Injectable, Optional, type BeforeApplicationShutdown, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DurableOperations } from '../core/operations.js';
import { IngestionService } from './events/ingestion.service.js';
import { EnrollmentService } from './journeys/enrollment.service.js';
import { createLogger, errorFields, type Logger } from '../observability/logger.js';
import { API_LOGGER } from './operations/operations.tokens.js';
import { RUNTIME_OPTIONS, type RuntimeOptions } from './runtime.js';

export interface SweepCounts {
  started: number;
  dispatched: number;
  /** Operations (journey exits, one-off segment runs) whose workflow was started by the sweep. */
  resumed: number;
}

@Injectable()
export class RecoverySweeper implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<SweepCounts> | null = null;

  constructor(
    @Inject(RUNTIME_OPTIONS) private readonly options: RuntimeOptions,
    private readonly enrollments: EnrollmentService,
    private readonly ingestion: IngestionService,
    private readonly operations: DurableOperations,
    @Optional() @Inject(API_LOGGER) private readonly logger: Logger = createLogger({ service: 'api' }),
  ) {}

  onApplicationBootstrap(): void {
    const recovery = this.options.recovery;
    if (!recovery) return;
    this.timer = setInterval(() => void this.sweep(), recovery.intervalMs);
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
    try {
      counts.started = await this.enrollments.startPending(olderThanMs);
      if (counts.started > 0) this.options.log(`recovery: started ${counts.started} pending enrollment(s)`);
    } catch (err) {
      this.logger.error('recovery: starting pending enrollments failed', errorFields(err));
    }
    try {
      counts.dispatched = await this.ingestion.dispatchPending(olderThanMs);
      if (counts.dispatched > 0) this.options.log(`recovery: dispatched ${counts.dispatched} pending event(s)`);
    } catch (err) {
      this.logger.error('recovery: dispatching pending events failed', errorFields(err));
    }
    try {
      counts.resumed = await this.operations.resumeStalled(olderThanMs);
      if (counts.resumed > 0) this.options.log(`recovery: started ${counts.resumed} stalled operation(s)`);
    } catch (err) {
      this.logger.error('recovery: resuming stalled operations failed', errorFields(err));
    }
    return counts;
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.inFlight;
  }

  /** Runs after the HTTP server has closed: the caller's connections can be released now. */
  async onApplicationShutdown(): Promise<void> {
    await this.options.onShutdown?.();
  }
}
