/**
 * The API's entry point: `node dist/api/main.js` (development:
 * `node --import @swc-node/register/esm-register api/main.ts`). Needs DATABASE_URL and
 * TEMPORAL_ADDRESS; listens on PORT (3000) at HOST (127.0.0.1); runs the event outbox every second and
 * sweeps deferred run starts every 5 s.
 */
import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@temporalio/client';
import { ConfigError, describeConfig, loadConfig, temporalConnectionOptions } from '../config/index.js';
import { createLogger, errorFields } from '../observability/logger.js';
import { createDataSource } from '../store/data-source.js';
import { checkRunSearchAttributes } from '../core/run-search-attributes.js';
import { createApp } from './app.factory.js';
import { connectApiTemporal } from './dependencies.js';

async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.databaseUrl) throw new ConfigError('DATABASE_URL', 'required by the API, e.g. postgres://user@127.0.0.1:5432/journeys');
  if (!config.temporalAddress) throw new ConfigError('TEMPORAL_ADDRESS', 'required by the API, e.g. 127.0.0.1:7233');
  const host = config.host;
  const logger = createLogger({ service: 'api', level: config.logLevel });
  logger.info(`api: ${describeConfig(config)}`);

  // Built beside the API by `npm run build` / `npm start` (dist/console next to dist/api).
  const builtConsole = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'console');
  const consoleDir = fs.existsSync(path.join(builtConsole, '.vite', 'manifest.json')) ? builtConsole : undefined;
  const db = createDataSource(config.databaseUrl, { applicationName: `${config.dbApplicationName}-api` });
  await db.initialize();
  const connection = await connectApiTemporal(temporalConnectionOptions(config)).catch(async (err) => {
    await db.destroy();
    throw err;
  });
  // Every run starts with CustomerId/JourneyId/JourneyVersion: stop now, naming the command to run, rather than fail each start.
  const check = await (config.temporalSearchAttributes ? checkRunSearchAttributes(connection, config.temporalNamespace) : Promise.resolve({ unchecked: undefined })).catch(async (err) => {
    await connection.close();
    await db.destroy();
    throw err;
  });
  if (check.unchecked) logger.warn(`api: could not list the namespace's search attributes (${check.unchecked}); runs fail to start if CustomerId, JourneyId or JourneyVersion is not registered`);
  const temporal = new Client({ connection, namespace: config.temporalNamespace });

  const app = await createApp({
    db,
    temporal,
    taskQueue: config.taskQueue,
    defaults: {
      timeZone: config.defaultTimeZone,
      lateEventGraceMs: config.lateEventGraceMs,
      maxHistoryEvents: config.maxHistoryEvents,
      searchAttributes: config.temporalSearchAttributes,
      globalHoldoutPercent: config.globalHoldoutPercent,
    },
    logger,
    // Deferred run starts are retried 5 s after their enrollment; stored events are dispatched every second.
    recovery: { intervalMs: 5_000, olderThanMs: 5_000, outboxIntervalMs: 1_000 },
    ...(config.adminApiKey ? { adminApiKey: config.adminApiKey } : {}),
    fourEyesPublishing: config.fourEyesPublishing,
    segmentPreviewTimeoutMs: config.segmentPreviewTimeoutMs,
    ...(consoleDir ? { consoleDir } : {}),
    channelSettings: config,
    // Twilio's status and inbound webhooks exist only with a Twilio account and a public origin to sign against.
    ...(config.twilioAuthToken && config.publicBaseUrl
      ? { messaging: { twilioAuthToken: config.twilioAuthToken, publicBaseUrl: config.publicBaseUrl } }
      : {}),
    onShutdown: async () => {
      await connection.close();
      await db.destroy();
      logger.info('api: stopped');
    },
  });
  app.enableShutdownHooks(['SIGINT', 'SIGTERM']);
  await app.listen(config.port, host);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.info(`api: listening on http://${host.includes(':') ? `[${host}]` : host}:${port} (task queue "${config.taskQueue}")`);
}

main().catch((err) => {
  createLogger({ service: 'api' }).error(`api: ${err instanceof Error ? err.message : String(err)}`, errorFields(err));
  process.exit(1);
});
