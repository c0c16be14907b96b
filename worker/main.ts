/**
 * The worker's own entry point: `node dist/worker/main.js`. Reads DATABASE_URL and TEMPORAL_ADDRESS
 * (both required here; the run command supplies embedded ones), then polls the task queue until
 * SIGINT/SIGTERM.
 */
import { NativeConnection } from '@temporalio/worker';
import { describeConfig, loadConfig, temporalConnectionOptions } from '../config/index.js';
import { createLogger, errorFields } from '../observability/logger.js';
import { setUpWorkerObservability } from '../observability/worker-observability.js';
import { startOutboundRetryLoop } from '../activities/channels/crm-task/index.js';
import { buildChannels, checkSendPolicy, closeChannels, defaultChannelDescriptors } from '../activities/channels/registry.js';
import { createDataSource } from '../store/data-source.js';
import { checkRunSearchAttributes } from '../core/run-search-attributes.js';
import { createJourneyWorker } from './worker.js';

async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.databaseUrl) throw new Error('DATABASE_URL: required by the worker (npm start sets it for you)');
  if (!config.temporalAddress) throw new Error('TEMPORAL_ADDRESS: required by the worker (npm start sets it for you)');
  const observability = setUpWorkerObservability(); // before the first connection: installs the Temporal Runtime's JSON logger
  observability.logger.info(`worker: ${describeConfig(config)}`);
  const db = createDataSource(config.databaseUrl, { applicationName: `${config.dbApplicationName}-worker` });
  await db.initialize();
  const connection = await NativeConnection.connect(temporalConnectionOptions(config));
  // Segment entries start runs from this worker: refuse to poll when they could not start (names the command to run).
  const check = config.temporalSearchAttributes ? await checkRunSearchAttributes(connection, config.temporalNamespace) : {};
  if (check.unchecked) observability.logger.warn(`worker: could not list the namespace's search attributes (${check.unchecked}); runs fail to start if CustomerId, JourneyId or JourneyVersion is not registered`);
  const descriptors = defaultChannelDescriptors();
  checkSendPolicy(descriptors, config);
  const channels = buildChannels(descriptors, { db, settings: config });
  const worker = await createJourneyWorker({
    connection,
    namespace: config.temporalNamespace,
    taskQueue: config.taskQueue,
    db,
    channels,
    policy: { caps: config.frequencyCaps, rateLimits: config.sendRateLimits },
    logger: observability.logger,
    metrics: observability.metrics,
  });
  await observability.serve(worker, connection);
  observability.logger.info(`worker: polling task queue "${config.taskQueue}" on ${config.temporalAddress} (namespace ${config.temporalNamespace})`);
  // Copies of CRM tasks the external CRM has not acknowledged are posted again every minute. Every
  // worker runs the loop; each task is claimed (FOR UPDATE SKIP LOCKED and a lease), so only one posts it.
  const crmWebhookUrl = config.crmWebhookUrl;
  const crmRetry = crmWebhookUrl
    ? startOutboundRetryLoop(db, {
        outboundUrl: crmWebhookUrl,
        onError: (err) => observability.logger.warn('worker: CRM task re-delivery failed', errorFields(err)),
      })
    : undefined;
  await worker.run();
  await crmRetry?.stop();
  await observability.close();
  await closeChannels(channels);
  await connection.close();
  await db.destroy();
}

main().catch((err) => {
  createLogger({ service: 'worker' }).error(`worker: ${err instanceof Error ? err.message : String(err)}`, errorFields(err));
  process.exit(1);
});
