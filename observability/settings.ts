/** The three settings logging and metrics need, taken from the engine configuration (config/index.ts validates them). */
import { loadConfig } from '../config/index.js';
import type { LogLevel } from './logger.js';

export interface ObservabilitySettings {
  /** `JE_LOG_LEVEL`: lowest level written (debug, info, warn, error); default info. */
  logLevel: LogLevel;
  /** `JE_WORKER_METRICS_PORT`: the worker's metrics and health port; null when 0 (disabled). Default 9464. */
  workerMetricsPort: number | null;
  /** `JE_STUCK_AFTER`: an active run not waiting and without a step for this long is stuck (`no_progress`). Default PT1H. */
  stuckAfterMs: number;
}

type Env = Record<string, string | undefined>;

/** The observability view of the engine configuration (validated there, once). */
export function loadObservabilitySettings(env: Env = process.env): ObservabilitySettings {
  const config = loadConfig(env);
  return { logLevel: config.logLevel, workerMetricsPort: config.workerMetricsPort || null, stuckAfterMs: config.stuckAfterMs };
}
