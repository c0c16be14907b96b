/**
 * Backtests: a draft or version replayed over the stored customers its trigger would have taken in a
 * past window, each through the simulator on the events they really had afterwards. `request` checks
 * and records the job, then starts the `journeyBacktest` workflow (its id is the backtest id; core/operations.ts), which
 * pages through the population with BacktestRunner (core/simulation/backtest-runner.ts). Nothing is
 * sent, and the live enrollment tables are only read (for the live figures beside the simulated ones).
 * Framework-free: the API constructs it with its database and Temporal client.
 */
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { DataSource } from 'typeorm';
import type { ActionSpec } from '../../engine/actions.js';
import { compileCanvas } from '../../engine/compile.js';
import type { FrequencyCap } from '../../engine/policy.js';
import type { Logger } from '../../observability/logger.js';
import type { RunDefaults } from '../../engine/runtime.js';
import { summarizeFigures, type BacktestFigures, type BacktestSpec, type FigureSummary } from '../../engine/simulation/backtest.js';
import type { SimulatedChannel } from '../../engine/simulation/world.js';
import { BacktestsRepository, type BacktestRow } from '../../store/backtests.repository.js';
import { SegmentsRepository } from '../../store/segments.repository.js';
import { notFound, unprocessable } from '../errors.js';
import { BACKTEST_BATCH, DurableOperations } from '../operations.js';
import { canvasOfSource, sourceNotFoundMessage, type JourneySource } from './journey-source.js';

/** What to backtest. */
export interface BacktestCommand {
  journeyId: string;
  source: JourneySource;
  /** Entries from `from` (inclusive) to `to` (exclusive), epoch ms. */
  from: number;
  to: number;
  /** How long each customer is followed after their entry. */
  horizonMs: number;
  /** At most this many customers, taken in a stable pseudo-random order; null: all. */
  sample: number | null;
  /** Only current members of this segment; null: everyone. */
  segment: string | null;
  requestedBy: string;
}

/** What the stored spec carries to the runner: everything it needs to replay, fixed at the request (the window and run-until are columns). */
export type BacktestSpecJson = Pick<BacktestSpec, 'versionId' | 'channels' | 'caps' | 'defaults' | 'horizonMs'> & { plan: unknown };

/** A backtest as the API shows it. */
export interface BacktestView {
  id: string;
  journeyId: string;
  source: string;
  status: BacktestRow['status'];
  window: { from: string; to: string };
  /** Nobody is followed past this instant (the request time). */
  runUntil: string;
  horizonMs: number;
  sample: number | null;
  segment: string | null;
  /** processed: customers replayed so far; total: customers taken (null until counted). */
  progress: { processed: number; total: number | null };
  figures: (BacktestFigures & { summary: FigureSummary }) | null;
  /** The journey's real runs that entered in the same window, when there were any. */
  live: Record<string, unknown> | null;
  error: string | null;
  createdBy: string;
  createdAt: string;
  finishedAt: string | null;
}

export interface BacktestsDeps {
  db: DataSource;
  temporal: Client;
  taskQueue: string;
  actions: Record<string, ActionSpec>;
  channels: Record<string, SimulatedChannel>;
  caps: Record<string, FrequencyCap>;
  defaults: RunDefaults;
  now?: () => number;
  /** Customers per page; default BACKTEST_BATCH. */
  batchSize?: number;
  /** Told when a workflow start is deferred to the recovery sweep. */
  logger?: Pick<Logger, 'warn'>;
}

export class Backtests {
  private readonly backtests: BacktestsRepository;

  constructor(private readonly deps: BacktestsDeps) {
    this.backtests = new BacktestsRepository(deps.db);
  }

  /**
   * Checks the journey, records the backtest and starts its workflow; answers at once. When the start
   * fails (Temporal away), the recorded backtest is still the answer: the recovery sweep starts it
   * (DurableOperations.resumeStalled), so a client that retried would only create a second one.
   */
  async request(command: BacktestCommand): Promise<BacktestView> {
    const spec = await this.specOf(command);
    await this.checkSegment(command.segment);
    const id = `backtest:${command.journeyId}:${randomUUID()}`;
    const runUntil = Math.min((this.deps.now ?? Date.now)(), command.to + command.horizonMs);
    await this.backtests.insert({
      id,
      journeyId: command.journeyId,
      source: spec.versionId,
      from: new Date(command.from),
      to: new Date(command.to),
      runUntil: new Date(runUntil),
      sample: command.sample,
      segment: command.segment,
      spec: spec as unknown as Record<string, unknown>,
      createdBy: command.requestedBy,
    });
    // The row is written first: if the start is lost (a crash, Temporal away), the recovery sweep starts it (DurableOperations.resumeStalled).
    const { db, temporal, taskQueue, defaults } = this.deps;
    await new DurableOperations({ db, temporal, taskQueue, defaults }).startBacktest(id, this.deps.batchSize ?? BACKTEST_BATCH).catch((err: unknown) => {
      this.deps.logger?.warn('backtest start deferred to the recovery sweep', { backtestId: id, error: err instanceof Error ? err.message : String(err) });
    });
    return this.view(command.journeyId, id);
  }

  /** The backtest with its progress and figures so far. */
  async view(journeyId: string, id: string): Promise<BacktestView> {
    const row = await this.backtests.byId(id);
    if (!row || row.journey_id !== journeyId) throw notFound('backtest_not_found', `Journey "${journeyId}" has no backtest "${id}"`);
    return toView(row);
  }

  /** Stops a running backtest at its next page; the figures so far stay. */
  async cancel(journeyId: string, id: string): Promise<BacktestView> {
    await this.view(journeyId, id);
    await this.backtests.cancel(id);
    return this.view(journeyId, id);
  }

  private async specOf(command: BacktestCommand): Promise<BacktestSpecJson> {
    const canvas = await canvasOfSource(this.deps.db, command.journeyId, command.source);
    if ('reason' in canvas) throw notFound(canvas.reason, sourceNotFoundMessage(canvas.reason, command.journeyId));
    const compiled = compileCanvas(canvas.document, { actions: this.deps.actions });
    if (!compiled.ok) throw unprocessable('invalid_canvas', `The canvas has ${compiled.errors.length} problem(s); it cannot be backtested`, { issues: compiled.errors });
    if (compiled.plan.trigger.kind !== 'event') {
      throw unprocessable('backtest_needs_event_trigger', `A backtest replays stored events: journey "${command.journeyId}" is entered by ${compiled.plan.trigger.kind}, not by an event`);
    }
    const { channels, caps, defaults } = this.deps;
    return { plan: compiled.plan, versionId: canvas.versionId, channels, caps, defaults, horizonMs: command.horizonMs };
  }

  private async checkSegment(segment: string | null): Promise<void> {
    if (segment !== null && !(await new SegmentsRepository(this.deps.db).exists(segment))) throw notFound('segment_not_found', `No segment "${segment}"`);
  }
}

function toView(r: BacktestRow): BacktestView {
  const figures = r.figures as BacktestFigures | null;
  return {
    id: r.id,
    journeyId: r.journey_id,
    source: r.source,
    status: r.status,
    window: { from: r.window_from.toISOString(), to: r.window_to.toISOString() },
    runUntil: r.run_until.toISOString(),
    horizonMs: (r.spec as unknown as BacktestSpecJson).horizonMs,
    sample: r.sample,
    segment: r.segment,
    progress: { processed: r.processed, total: r.total },
    figures: figures ? { ...figures, summary: summarizeFigures(figures) } : null,
    live: r.live,
    error: r.error,
    createdBy: r.created_by,
    createdAt: r.created_at.toISOString(),
    finishedAt: r.finished_at?.toISOString() ?? null,
  };
}
