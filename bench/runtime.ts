/**
 * What the benchmarks run against: the real journey worker (in-process, Twilio channel aimed at the
 * fake Twilio), a second worker for the plain baseline workflow, the Nest API on a free port, and the
 * services the benchmarks drive directly. Built on a PostgreSQL URL (already migrated) and a Temporal
 * address, so `bench/run.ts` (its own servers) and the smoke test (the test servers) share it.
 */
import { fileURLToPath } from 'node:url';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { DataSource } from 'typeorm';
import type { ChannelSettings } from '../core/channels/descriptor.js';
import { closeChannels, defaultChannels } from '../activities/channels/registry.js';
import { createApp } from '../api/app.factory.js';
import { ApiKeysService } from '../core/access/api-keys.js';
import { IngestionService } from '../api/events/ingestion.service.js';
import { EnrollmentService } from '../core/enrollment.js';
import { PublishingService } from '../core/journeys/publishing.js';
import type { RunDefaults } from '../engine/runtime.js';
import { freePort } from '../scripts/lib/temporal-dev-server.js';
import { createDataSource } from '../store/data-source.js';
import { startFakeTwilio, type FakeTwilio } from '../test/fakes/twilio-server.js';
import { createJourneyWorker, WORKFLOWS_PATH } from '../worker/worker.js';
import { createPlainActivities } from './plain-activities.js';
import { bundleWorkflows } from '../scripts/lib/workflow-bundle.js';

export const PLAIN_WORKFLOWS_PATH = fileURLToPath(new URL('./plain-workflow.ts', import.meta.url));
export const SMS_FROM = '+15005550006';
const DEFAULTS: RunDefaults = { timeZone: 'Asia/Shanghai', lateEventGraceMs: 500, maxHistoryEvents: 10_000 };

/** Everything a benchmark function needs. */
export interface BenchDeps {
  /** The API's pool (ingestion, publishing, the benchmarks' own queries). */
  db: DataSource;
  client: Client;
  /** Task queue of the journey worker (and of the API's enrollments). */
  taskQueue: string;
  /** Task queue of the plain baseline worker. */
  plainTaskQueue: string;
  ingestion: IngestionService;
  enrollments: EnrollmentService;
  publishing: PublishingService;
  fake: FakeTwilio;
  /** Origin of the Nest API, e.g. http://127.0.0.1:40123. */
  apiUrl: string;
  /** Headers of a JSON request to the API with an engineer's key (the role that ingests events). */
  apiHeaders: Record<string, string>;
  /** Unique per runtime: journey ids, customer ids and event ids start with it. */
  prefix: string;
}

export interface BenchRuntime extends BenchDeps {
  stop(): Promise<void>;
}

/**
 * `searchAttributes: false` for the time-skipping test server, which cannot register the runs'
 * search attributes (as JE_TEMPORAL_SEARCH_ATTRIBUTES=0); default true.
 */
export async function startBenchRuntime(opts: { databaseUrl: string; temporalAddress: string; name?: string; searchAttributes?: boolean }): Promise<BenchRuntime> {
  const defaults: RunDefaults = { ...DEFAULTS, searchAttributes: opts.searchAttributes ?? true };
  const name = opts.name ?? 'bench';
  const prefix = `${name}-${Date.now().toString(36)}`;
  const taskQueue = `${prefix}-journeys`;
  const plainTaskQueue = `${prefix}-plain`;
  // Two pools, as in production where the worker and the API are separate processes.
  const workerDb = createDataSource(opts.databaseUrl, { poolSize: 10, applicationName: `${name}-worker` });
  const db = createDataSource(opts.databaseUrl, { poolSize: 10, applicationName: `${name}-api` });
  const [fake, journeyBundle, plainBundle] = await Promise.all([
    startFakeTwilio(),
    bundleWorkflows(WORKFLOWS_PATH),
    bundleWorkflows(PLAIN_WORKFLOWS_PATH),
    workerDb.initialize(),
    db.initialize(),
  ]);
  const settings: ChannelSettings = {
    twilioAccountSid: fake.accountSid,
    twilioAuthToken: fake.authToken,
    twilioFrom: SMS_FROM,
    twilioMessagingServiceSid: null,
    twilioApiBaseUrl: fake.baseUrl,
    firebaseCredentials: null,
    publicBaseUrl: null,
    webhookSecret: null,
    crmWebhookUrl: null,
  };
  const channels = defaultChannels({ db: workerDb, settings });
  const sms = channels.find((c) => c.action === 'sms');
  if (!sms) throw new Error('bench: defaultChannels returned no sms channel');

  const connection = await Connection.connect({ address: opts.temporalAddress });
  const client = new Client({ connection });
  const nativeConnection = await NativeConnection.connect({ address: opts.temporalAddress });
  const worker = await createJourneyWorker({
    connection: nativeConnection,
    namespace: 'default',
    taskQueue,
    db: workerDb,
    channels,
    workflowBundle: journeyBundle,
  });
  const plainWorker = await Worker.create({
    connection: nativeConnection,
    namespace: 'default',
    taskQueue: plainTaskQueue,
    workflowBundle: plainBundle,
    activities: createPlainActivities(sms),
  });
  const workersDone = Promise.all([worker.run(), plainWorker.run()]);

  const app: NestExpressApplication = await createApp({ db, temporal: client, taskQueue, defaults });
  const port = await freePort();
  await app.listen(port, '127.0.0.1');
  const { key } = await new ApiKeysService(db).create(`bench ${prefix}`, 'engineer', null);

  const enrollments = new EnrollmentService({ db, temporal: client, taskQueue, defaults });
  return {
    db,
    client,
    taskQueue,
    plainTaskQueue,
    ingestion: new IngestionService({ db, temporal: client, enrollments }),
    enrollments,
    publishing: new PublishingService(db),
    fake,
    apiUrl: `http://127.0.0.1:${port}`,
    apiHeaders: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    prefix,
    async stop() {
      await app.close();
      worker.shutdown();
      plainWorker.shutdown();
      await workersDone;
      await nativeConnection.close();
      await connection.close();
      await closeChannels(channels);
      await fake.close();
      await workerDb.destroy();
      await db.destroy();
    },
  };
}
