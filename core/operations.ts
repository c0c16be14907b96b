/**
 * Durable bulk work: a request records what is to be done and answers at once (202 and an operation
 * id); a Temporal workflow does it, page by page, recording progress; `GET /v1/operations/:id` reads
 * it. Three kinds: a stop's exit of every live run (`journeyExit`, an `operations` row), a one-off
 * segment run (`segmentEntry`, a `segment_runs` row) and a backtest (`journeyBacktest`, a `backtests`
 * row, read by `GET /v1/journeys/:id/backtests/:backtestId`). The row is written first, so a crash before the
 * workflow starts loses nothing: `resumeStalled` starts the workflow of any running row that has not
 * moved for a while. Workflow ids are the row ids and never reused, so a workflow is never run twice.
 * Framework-free: the API constructs it with its database and Temporal client.
 */
import { randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { DataSource } from 'typeorm';
import type { BacktestInput, JourneyBacktestWorkflow, JourneyExitInput, JourneyExitWorkflow, SegmentEntryInput, SegmentEntryWorkflow } from '../engine/workflow-contract.js';
import type { RunDefaults } from '../engine/runtime.js';
import { BacktestsRepository } from '../store/backtests.repository.js';
import { OperationsRepository } from '../store/operations.repository.js';
import type { Queryable } from '../store/queryable.js';
import { SegmentRunsRepository } from '../store/segment-runs.repository.js';

export interface DurableOperationsDeps {
  db: DataSource;
  temporal: Client;
  taskQueue: string;
  defaults: RunDefaults;
}

/** A journey exit to record: who asked, and what each run records. */
export interface JourneyExitRequest {
  journeyId: string;
  reason: string;
  requestedBy: string;
  createdBy: string;
}

/** Customers replayed per page of a backtest. */
export const BACKTEST_BATCH = 1000;

/** Live runs asked to exit per page. */
export const JOURNEY_EXIT_BATCH = 50;

/** Running rows checked per sweep. */
const RESUME_LIMIT = 100;

export class DurableOperations {
  private readonly operations: OperationsRepository;
  private readonly segmentRuns: SegmentRunsRepository;
  private readonly backtests: BacktestsRepository;

  constructor(private readonly deps: DurableOperationsDeps) {
    this.operations = new OperationsRepository(deps.db);
    this.segmentRuns = new SegmentRunsRepository(deps.db);
    this.backtests = new BacktestsRepository(deps.db);
  }

  /** Records a journey exit (in the caller's transaction, with the stop it belongs to); returns its operation id. */
  async recordJourneyExit(req: JourneyExitRequest, tx: Queryable): Promise<string> {
    const id = `journey-exit:${req.journeyId}:${randomUUID()}`;
    await this.operations.insert(
      { id, kind: 'journey_exit', journeyId: req.journeyId, detail: { reason: req.reason, requestedBy: req.requestedBy }, createdBy: req.createdBy },
      tx,
    );
    return id;
  }

  /** Starts the workflow of a recorded journey exit; one already started (or finished) is left alone. True when it started now. */
  async startJourneyExit(operationId: string, journeyId: string, reason: string, requestedBy: string): Promise<boolean> {
    const input: JourneyExitInput = { journeyId, reason, requestedBy, defaults: this.deps.defaults, batchSize: JOURNEY_EXIT_BATCH };
    return this.startOnce<JourneyExitWorkflow>('journeyExit', operationId, input);
  }

  /** Starts the workflow of a recorded one-off segment run; one already started (or finished) is left alone. True when it started now. */
  async startSegmentRun(runId: string, input: SegmentEntryInput): Promise<boolean> {
    return this.startOnce<SegmentEntryWorkflow>('segmentEntry', runId, input);
  }

  /** Starts the workflow of a recorded backtest; one already started (or finished) is left alone. True when it started now. */
  async startBacktest(backtestId: string, batchSize = BACKTEST_BATCH): Promise<boolean> {
    const input: BacktestInput = { batchSize };
    return this.startOnce<JourneyBacktestWorkflow>('journeyBacktest', backtestId, input);
  }

  /**
   * Starts the workflow of every running operation, one-off segment run and backtest that has not moved for
   * `olderThanMs` (its start was lost to a crash); returns how many were started now.
   */
  async resumeStalled(olderThanMs: number): Promise<number> {
    let started = 0;
    for (const op of await this.operations.runningStalledFor(olderThanMs, RESUME_LIMIT)) {
      const { reason, requestedBy } = op.detail as { reason: string; requestedBy: string };
      if (await this.startJourneyExit(op.id, op.journey_id, reason, requestedBy)) started++;
    }
    for (const run of await this.segmentRuns.oneOffRunningStalledFor(olderThanMs, RESUME_LIMIT)) {
      const input: SegmentEntryInput = {
        journeyId: run.journey_id,
        segment: run.segment_key,
        batchSize: run.batch_size,
        ratePerSecond: run.rate_per_second,
        scheduleId: null,
        defaults: this.deps.defaults,
      };
      if (await this.startSegmentRun(run.id, input)) started++;
    }
    for (const backtest of await this.backtests.runningStalledFor(olderThanMs, RESUME_LIMIT)) {
      if (await this.startBacktest(backtest.id)) started++;
    }
    return started;
  }

  /**
   * Starts workflow `type` under the id of its row; the id is never reused, so "already started"
   * (running or finished) is not an error. True when it started now.
   */
  private async startOnce<W extends (input: never) => Promise<unknown>>(type: string, workflowId: string, input: Parameters<W>[0]): Promise<boolean> {
    try {
      await this.deps.temporal.workflow.start(type, { taskQueue: this.deps.taskQueue, workflowId, args: [input], workflowIdReusePolicy: 'REJECT_DUPLICATE' });
      return true;
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return false;
      throw err;
    }
  }
}
