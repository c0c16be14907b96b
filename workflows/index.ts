/** The workflows the journey worker registers. */
export { journeyRun } from './journey-run.js';
