/** The workflows the journey worker registers. */
import type { JourneyExitWorkflow, JourneyRunWorkflow, SegmentEntryWorkflow } from '../engine/workflow-contract.js';
import { journeyExit } from './journey-exit.js';
import { journeyRun } from './journey-run.js';
import { segmentEntry } from './segment-entry.js';

export { journeyRun, segmentEntry, journeyExit };

/** Compile-time check: each workflow implements the engine's contract that core/ starts it by. */
const _contract: { journeyRun: JourneyRunWorkflow; journeyExit: JourneyExitWorkflow; segmentEntry: SegmentEntryWorkflow } = {
  journeyRun,
  journeyExit,
  segmentEntry,
};
void _contract;
