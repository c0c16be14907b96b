/**
 * The contract between the workflows and those who start and signal them (core/, activities/): each
 * workflow's type and input, and the messages a running enrollment understands. workflows/ implement
 * it (workflows/index.ts checks that at compile time); core/ starts and signals by it, so neither
 * imports the other. Definitions only: defineSignal/defineQuery build plain descriptors.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { CustomerEvent, JourneyRunInput, JourneyRunResult, RunDefaults } from './runtime.js';

/** The `journeyRun` workflow: one customer's run through a journey version. */
export type JourneyRunWorkflow = (input: JourneyRunInput) => Promise<JourneyRunResult>;

/** The `journeyExit` workflow: a stop's exit of every live run, page by page. */
export type JourneyExitWorkflow = (input: JourneyExitInput) => Promise<DurableWorkResult>;

/** The `segmentEntry` workflow: a segment run enrolling every member, page by page. */
export type SegmentEntryWorkflow = (input: SegmentEntryInput) => Promise<DurableWorkResult>;

/** The `journeyBacktest` workflow: a backtest replaying the stored population, page by page. */
export type JourneyBacktestWorkflow = (input: BacktestInput) => Promise<DurableWorkResult>;

/** Outcome of a durable bulk workflow (its counts are in its row). */
export interface DurableWorkResult {
  status: 'completed' | 'failed';
  error?: string;
}


/** A customer event a run watches (goal, exit criteria, wait for event). */
export const customerEventSignal = defineSignal<[CustomerEvent]>('customerEvent');

/** Ends the run now with the given reason (support staff, journey stop). */
export const exitEnrollmentSignal = defineSignal<[{ reason: string; requestedBy?: string }]>('exitEnrollment');

/** Where the run is: current node, wait deadline and the path so far. */
export interface EnrollmentState {
  nodeId: string;
  waitingUntil: number | null;
  path: string[];
  ended: boolean;
}

export const enrollmentStateQuery = defineQuery<EnrollmentState>('enrollmentState');

/** Input of the `journeyExit` workflow; its workflow id is the operation id. */
export interface JourneyExitInput {
  journeyId: string;
  /** The exit reason every run records. */
  reason: string;
  /** Recorded on each run's exit step, e.g. `journey_stop:<key name>`. */
  requestedBy: string;
  /** Defaults of runs started to receive their exit (pending ones). */
  defaults: RunDefaults;
  /** Runs asked per activity call. */
  batchSize: number;
  /** Set when the workflow continues as new: the last enrollment id already handled. */
  continued?: { after: string };
}

/** One page of runs asked to exit. */
export interface JourneyExitBatchResult {
  asked: number;
  /** The last enrollment id of the page; null when no live run was left (the work is done). */
  last: string | null;
}

/** Input of the `segmentEntry` workflow (one-off or a schedule's action). */
export interface SegmentEntryInput {
  journeyId: string;
  /** The segment whose members are enrolled. */
  segment: string;
  /** Members enrolled per activity call. */
  batchSize: number;
  /** Upper bound on enrollment attempts per second (null: as fast as the worker goes). */
  ratePerSecond: number | null;
  /** The schedule that started the run, if any. */
  scheduleId: string | null;
  /** Defaults of the journey runs the segment run starts (the API's, as for any other entry). */
  defaults: RunDefaults;
  /** Set when the run continues as new: the last customer id already handled. */
  continued?: { after: string };
}

/** One page of members handled. */
export interface SegmentBatchResult {
  /** Members attempted in this page (enrolled + skipped). */
  processed: number;
  enrolled: number;
  skipped: number;
  /** The last customer id of the page; null when there were no more members (the run is done). */
  last: string | null;
}

/** Input of the `journeyBacktest` workflow; its workflow id is the backtest id (the `backtests` row holds the rest). */
export interface BacktestInput {
  /** Customers replayed per activity call. */
  batchSize: number;
  /** Set when the workflow continues as new: the last position already replayed. */
  continued?: { after: number };
}
