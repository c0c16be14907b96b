/** The workflows the journey worker registers. */
export { journeyRun } from './journey-run.js';
export { segmentEntry } from './segment-entry.js';
export { journeyExit } from './journey-exit.js';
export { journeyBacktest } from './backtest.js';
