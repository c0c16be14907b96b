/**
 * The Temporal SDK's logs as JSON lines: an adapter from the SDK's Logger interface to ours, and
 * `installWorkerLogging`, which installs it as the Runtime's logger with the Rust core's logs
 * forwarded to it (otherwise the core prints plain text on its own).
 */
import type { LogLevel as TemporalLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import { makeTelemetryFilterString, Runtime } from '@temporalio/worker';
import type { LogLevel, Logger } from './logger.js';

const LEVELS: Record<TemporalLevel, LogLevel> = { TRACE: 'debug', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' };

/** Our logger behind the SDK's Logger interface (what `DefaultLogger` implements). SDK metadata become fields. */
export function temporalLogger(logger: Logger): TemporalLogger {
  const log = (level: TemporalLevel, message: string, meta?: LogMetadata) => {
    const ours = LEVELS[level] ?? 'info';
    // Symbol keys (the SDK's LogTimestamp) are dropped by Object.entries.
    if (logger.enabled(ours)) logger[ours](message, meta ? Object.fromEntries(Object.entries(meta)) : undefined);
  };
  return {
    log,
    trace: (message, meta) => log('TRACE', message, meta),
    debug: (message, meta) => log('DEBUG', message, meta),
    info: (message, meta) => log('INFO', message, meta),
    warn: (message, meta) => log('WARN', message, meta),
    error: (message, meta) => log('ERROR', message, meta),
  };
}

/**
 * Installs the SDK Runtime with `logger`. Must run before anything creates the Runtime (the first
 * NativeConnection or Worker does); throws if one exists already.
 */
export function installWorkerLogging(logger: Logger): void {
  Runtime.install({
    logger: temporalLogger(logger),
    telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'WARN', other: 'ERROR' }), forward: {} } },
  });
}
