/**
 * The real runtime for integration tests: PostgreSQL (migrated by global setup), the shared Temporal
 * dev server, an in-process worker with the real activities on its own task queue, and the services.
 */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import type { DataSource } from 'typeorm';
import type { SendPolicy } from '../../activities/actions.js';
import type { ActionChannel } from '../../core/channels/channel.js';
import { actionSpecsOf, type ChannelDescriptor } from '../../core/channels/descriptor.js';
import type { ChannelSettings } from '../../core/channels/descriptor.js';
import { buildChannels } from '../../activities/channels/registry.js';
import type { RunDefaults } from '../../engine/runtime.js';
import type { Logger } from '../../observability/logger.js';
import type { WorkerMetrics } from '../../observability/metrics.js';
import { IngestionService } from '../../api/events/ingestion.service.js';
import { EnrollmentService } from '../../core/enrollment.js';
import { PublishingService } from '../../core/journeys/publishing.js';
import { createDataSource } from '../../store/data-source.js';
import { createJourneyWorker, WORKFLOWS_PATH } from '../../worker/worker.js';
import { testDatabaseUrl, testTemporalAddress } from './env.js';
import { bundleWorkflows } from '../../scripts/lib/workflow-bundle.js';

export const FAST_DEFAULTS: RunDefaults = { timeZone: 'Asia/Shanghai', lateEventGraceMs: 500, maxHistoryEvents: 10_000 };

export interface RuntimeHarness {
  db: DataSource;
  client: Client;
  taskQueue: string;
  /** The in-process worker, or null when the test runs its own worker processes. */
  worker: Worker | null;
  enrollments: EnrollmentService;
  ingestion: IngestionService;
  publishing: PublishingService;
  stop(): Promise<void>;
}

/** What the runtime is built from; `descriptors` (+ `settings`) builds the worker's channels and the publishing checks as the worker and API do. */
export interface RuntimeHarnessOptions {
  channels?: ActionChannel[];
  descriptors?: readonly ChannelDescriptor[];
  settings?: ChannelSettings;
  policy?: SendPolicy;
  worker?: boolean;
  logger?: Logger;
  metrics?: WorkerMetrics;
}

export async function startRuntime(name: string, opts: RuntimeHarnessOptions = {}): Promise<RuntimeHarness> {
  const db = createDataSource(testDatabaseUrl(), { poolSize: 5, applicationName: `test-${name}` });
  await db.initialize();
  const channels = opts.channels ?? (opts.descriptors ? buildChannels(opts.descriptors, { db, settings: opts.settings }) : undefined);
  const connection = await Connection.connect({ address: testTemporalAddress() });
  const client = new Client({ connection });
  const taskQueue = `test-${name}-${process.pid}-${Date.now()}`;
  const nativeConnection = opts.worker === false ? null : await NativeConnection.connect({ address: testTemporalAddress() });
  const worker = nativeConnection
    ? await createJourneyWorker({
        connection: nativeConnection,
        namespace: 'default',
        taskQueue,
        db,
        channels,
        policy: opts.policy,
        logger: opts.logger,
        metrics: opts.metrics,
        workflowBundle: await bundleWorkflows(WORKFLOWS_PATH),
      })
    : null;
  const running = worker ? worker.run() : Promise.resolve();
  const enrollments = new EnrollmentService({ db, temporal: client, taskQueue, defaults: FAST_DEFAULTS });
  const ingestion = new IngestionService({ db, temporal: client, enrollments });
  const publishing = new PublishingService(db, opts.descriptors ? actionSpecsOf(opts.descriptors) : undefined);
  return {
    db,
    client,
    taskQueue,
    worker,
    enrollments,
    ingestion,
    publishing,
    async stop() {
      worker?.shutdown();
      await running;
      await nativeConnection?.close();
      await connection.close();
      await db.destroy();
    },
  };
}

/** Polls `probe` until it returns a truthy value or `timeoutMs` passes (then throws with `what`). */
export async function eventually<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The ended enrollments of a journey, once all `count` of them have ended. */
export async function endedEnrollments(db: DataSource, journeyId: string, count: number, timeoutMs = 30_000) {
  return eventually(`${count} ended enrollments of ${journeyId}`, async () => {
    const rows: { id: string; customer_id: string; status: string; exit_reason: string; seq: number }[] = await db.query(
      `SELECT id, customer_id, status, exit_reason, seq FROM enrollments WHERE journey_id = $1 AND ended_at IS NOT NULL ORDER BY customer_id, seq`,
      [journeyId],
    );
    return rows.length >= count ? rows : null;
  }, timeoutMs);
}
