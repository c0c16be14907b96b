/**
 * Observability settings, read once from the environment and validated like config/index.ts (a bad
 * value fails with a ConfigError naming the variable). Kept apart from the engine configuration so
 * that logging and metrics can change without touching it.
 */
import { ConfigError } from '../config/index.js';
import { parseDuration } from '../engine/duration.js';
import { isLogLevel, type LogLevel } from './logger.js';

export interface ObservabilitySettings {
  /** `JE_LOG_LEVEL`: lowest level written (debug, info, warn, error); default info. */
  logLevel: LogLevel;
  /** `JE_WORKER_METRICS_PORT`: the worker's metrics and health port; null when 0 (disabled). Default 9464. */
  workerMetricsPort: number | null;
  /** `JE_STUCK_AFTER`: an active run not waiting and without a step for this long is stuck (`no_progress`). Default PT1H. */
  stuckAfterMs: number;
}

type Env = Record<string, string | undefined>;

export function loadObservabilitySettings(env: Env = process.env): ObservabilitySettings {
  const logLevel = (env.JE_LOG_LEVEL || 'info').toLowerCase();
  if (!isLogLevel(logLevel)) throw new ConfigError('JE_LOG_LEVEL', `must be debug, info, warn or error, got "${env.JE_LOG_LEVEL}"`);

  const rawPort = env.JE_WORKER_METRICS_PORT;
  let workerMetricsPort: number | null = 9464;
  if (rawPort !== undefined && rawPort !== '') {
    const port = Number(rawPort);
    if (!Number.isInteger(port) || port < 0 || port > 65_535) {
      throw new ConfigError('JE_WORKER_METRICS_PORT', `must be an integer from 0 (disabled) to 65535, got "${rawPort}"`);
    }
    workerMetricsPort = port === 0 ? null : port;
  }

  let stuckAfterMs: number;
  try {
    stuckAfterMs = parseDuration(env.JE_STUCK_AFTER || 'PT1H');
  } catch (err) {
    throw new ConfigError('JE_STUCK_AFTER', (err as Error).message);
  }
  if (stuckAfterMs <= 0) throw new ConfigError('JE_STUCK_AFTER', 'must be longer than zero');
  return { logLevel, workerMetricsPort, stuckAfterMs };
}
