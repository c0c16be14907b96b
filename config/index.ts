/**
 * Configuration, read once from the environment and validated at start-up. A bad value fails with a
 * message naming the variable.
 */
import { parseDuration } from '../engine/duration.js';
import { isValidTimeZone } from '../engine/time.js';

export interface EngineConfig {
  /** PostgreSQL URL; unset means "start an embedded PostgreSQL" (run command and tests only). */
  databaseUrl: string | null;
  /** Temporal frontend host:port; unset means "start a local dev server" (run command and tests only). */
  temporalAddress: string | null;
  temporalNamespace: string;
  taskQueue: string;
  /** Zone for customers without a `timeZone` trait and journeys without `settings.timeZone`. */
  defaultTimeZone: string;
  /** How long a wait-for-event keeps listening after its window for events timestamped inside it. */
  lateEventGraceMs: number;
  /** Continue-as-new threshold for long-lived runs. */
  maxHistoryEvents: number;
  /** HTTP port of the API. */
  port: number;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(name, `must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

/** Reads and validates the engine's configuration. */
export function loadConfig(env: Env = process.env): EngineConfig {
  const defaultTimeZone = env.JE_DEFAULT_TIME_ZONE || 'Asia/Shanghai';
  if (!isValidTimeZone(defaultTimeZone)) {
    throw new ConfigError('JE_DEFAULT_TIME_ZONE', `"${defaultTimeZone}" is not an IANA time zone such as Asia/Shanghai`);
  }
  let lateEventGraceMs: number;
  try {
    lateEventGraceMs = parseDuration(env.JE_LATE_EVENT_GRACE || 'PT5M');
  } catch (err) {
    throw new ConfigError('JE_LATE_EVENT_GRACE', (err as Error).message);
  }
  const databaseUrl = env.DATABASE_URL || null;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL', 'must be a postgres:// or postgresql:// URL');
  }
  return {
    databaseUrl,
    temporalAddress: env.TEMPORAL_ADDRESS || null,
    temporalNamespace: env.TEMPORAL_NAMESPACE || 'default',
    taskQueue: env.TEMPORAL_TASK_QUEUE || 'journeys',
    defaultTimeZone,
    lateEventGraceMs,
    maxHistoryEvents: integer(env, 'JE_MAX_HISTORY_EVENTS', 10_000, 100, 50_000),
    port: integer(env, 'PORT', 3000, 0, 65_535),
  };
}
