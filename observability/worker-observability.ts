/** The worker's metrics and health server, wired to a running Worker (see worker/main.ts). */
import type { Worker } from '@temporalio/worker';
import { createLogger, errorFields, type Logger } from './logger.js';
import { startMetricsServer, type MetricsServer, type Readiness } from './metrics-server.js';
import { createWorkerMetrics, type WorkerMetrics } from './metrics.js';
import { loadObservabilitySettings } from './settings.js';
import { installWorkerLogging } from './temporal-logging.js';

/** Ready means the worker is RUNNING: polling its task queue. */
export function workerReadiness(worker: Pick<Worker, 'getState'>): Readiness {
  const state = worker.getState();
  return state === 'RUNNING' ? { ready: true } : { ready: false, reason: `worker state is ${state}` };
}

/** A Temporal probe that has not answered by then counts as down. */
const TEMPORAL_PROBE_TIMEOUT_MS = 2_000;

/** The part of the worker's NativeConnection the readiness probe uses. */
export interface TemporalProbeConnection {
  withDeadline<T>(deadline: number, fn: () => Promise<T>): Promise<T>;
  workflowService: { getSystemInfo(request: object): Promise<unknown> };
}

/**
 * Ready means RUNNING and the Temporal frontend answering: a worker whose server is gone stays
 * RUNNING (the SDK keeps retrying its polls), but it does no work.
 */
export async function workerReadinessWithTemporal(worker: Pick<Worker, 'getState'>, connection: TemporalProbeConnection): Promise<Readiness> {
  const state = workerReadiness(worker);
  try {
    await connection.withDeadline(Date.now() + TEMPORAL_PROBE_TIMEOUT_MS, () => connection.workflowService.getSystemInfo({}));
  } catch (err) {
    const reason = `temporal: ${errorFields(err).error}`;
    return { ready: false, reason: state.ready ? reason : `${state.reason}; ${reason}`, checks: { temporal: 'down' } };
  }
  return { ...state, checks: { temporal: 'up' } };
}

/**
 * Serves the worker's metrics and health on `port` (null: disabled). A port already in use is
 * logged and skipped: the worker's work matters more than its metrics.
 */
export async function serveWorkerMetrics(opts: {
  port: number | null;
  host?: string;
  metrics: WorkerMetrics;
  worker: Pick<Worker, 'getState'>;
  /** When given, readiness also asks Temporal (see workerReadinessWithTemporal). */
  connection?: TemporalProbeConnection;
  logger: Logger;
}): Promise<MetricsServer | null> {
  if (opts.port === null) return null;
  try {
    const server = await startMetricsServer({
      port: opts.port,
      host: opts.host,
      registry: opts.metrics.registry,
      ready: () => (opts.connection ? workerReadinessWithTemporal(opts.worker, opts.connection) : workerReadiness(opts.worker)),
      logger: opts.logger,
    });
    opts.logger.info('worker: metrics and health served', { port: server.port, host: opts.host ?? '127.0.0.1' });
    return server;
  } catch (err) {
    opts.logger.error('worker: metrics server not started (set JE_WORKER_METRICS_PORT, 0 disables it)', { ...errorFields(err), port: opts.port });
    return null;
  }
}

/** Everything worker/main.ts needs for observability, set up in the order the Temporal Runtime requires. */
export interface WorkerObservability {
  logger: Logger;
  metrics: WorkerMetrics;
  /** Starts the metrics and health server for `worker` (JE_WORKER_METRICS_PORT); readiness asks Temporal through `connection`. */
  serve(worker: Pick<Worker, 'getState'>, connection?: TemporalProbeConnection): Promise<void>;
  close(): Promise<void>;
}

/**
 * JSON logs for our lines and the SDK's (installs the Temporal Runtime: call it before the first
 * NativeConnection), plus the worker's metrics registry.
 */
export function setUpWorkerObservability(env: Record<string, string | undefined> = process.env): WorkerObservability {
  const settings = loadObservabilitySettings(env);
  const logger = createLogger({ service: 'worker', level: settings.logLevel });
  installWorkerLogging(logger);
  const metrics = createWorkerMetrics();
  let server: MetricsServer | null = null;
  return {
    logger,
    metrics,
    async serve(worker, connection) {
      server = await serveWorkerMetrics({ port: settings.workerMetricsPort, host: env.HOST || '127.0.0.1', metrics, worker, connection, logger });
    },
    async close() {
      await server?.close();
    },
  };
}
