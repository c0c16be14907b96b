/** The workflows the journey worker registers. */
import type { JourneyBacktestWorkflow, JourneyExitWorkflow, JourneyRunWorkflow, SegmentEntryWorkflow } from '../engine/workflow-contract.js';
import { journeyBacktest } from './backtest.js';
import { journeyExit } from './journey-exit.js';
import { journeyRun } from './journey-run.js';
import { segmentEntry } from './segment-entry.js';

export { journeyRun, segmentEntry, journeyExit, journeyBacktest };

/** Compile-time check: each workflow implements the engine's contract that core/ starts it by. */
const _contract: {
  journeyRun: JourneyRunWorkflow;
  journeyExit: JourneyExitWorkflow;
  segmentEntry: SegmentEntryWorkflow;
  journeyBacktest: JourneyBacktestWorkflow;
} = { journeyRun, journeyExit, segmentEntry, journeyBacktest };
void _contract;
