/** What the operations module is given: the metrics and the stuck-run thresholds. */
import type { RuntimeMetrics } from '../../observability/metrics.js';
import type { StuckThresholds } from '../../observability/stuck-runs.js';

/** The {@link OperationsOptions} of this API instance. */
export const OPERATIONS_OPTIONS = Symbol('OPERATIONS_OPTIONS');

export interface OperationsOptions {
  metrics: RuntimeMetrics;
  /** Defaults of the stuck-runs query and of `je_stuck_runs`. */
  stuck: StuckThresholds;
}
