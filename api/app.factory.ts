/**
 * Builds the Nest application from dependencies the caller constructed (main.ts, or a test with its
 * own database and Temporal client), with the JSON body limit and the error shape set up.
 */
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Client } from '@temporalio/client';
import type { DataSource } from 'typeorm';
import type { ChannelDescriptor } from '../core/channels/descriptor.js';
import type { ChannelSettings } from '../core/channels/descriptor.js';
import { defaultChannelDescriptors } from '../activities/channels/registry.js';
import type { RunDefaults } from '../engine/runtime.js';
import { createLogger, type Logger } from '../observability/logger.js';
import { createRuntimeMetrics } from '../observability/metrics.js';
import { NestJsonLogger } from '../observability/nest-logger.js';
import { loadObservabilitySettings } from '../observability/settings.js';
import { DEFAULT_STUCK_THRESHOLDS, type StuckThresholds } from '../observability/stuck-runs.js';
import { AppModule } from './app.module.js';
import { DependenciesModule } from './dependencies.module.js';
import { DependencyMonitor } from './dependency-monitor.js';
import { ApiKeysService } from '../core/access/api-keys.js';
import { ErrorFilter } from './http/error.filter.js';
import { JourneysOptionsModule } from './journeys/journeys.options.js';
import { serveOpenApi } from './http/openapi.js';
import { methodNotAllowed } from './http/methods.js';
import { StringSafetyInterceptor } from './http/string-safety.js';
import { ContractInterceptor } from './http/contract.js';
import { DEFAULT_BODY_LIMIT_BYTES } from './http/endpoint.js';
import { describeChannels } from './journeys/action-schemas.js';
import { isProviderWebhookForm, type MessagingOptions } from './messaging/messaging.options.js';
import type { RecoveryOptions } from './runtime.js';
import { DEFAULT_SEGMENT_PREVIEW_TIMEOUT_MS } from '../core/segments/segments.js';

/** Largest JSON body any route accepts; each route may state less (`@Endpoint({ maxBodyBytes })`, checked by the ContractInterceptor). */
export const JSON_BODY_LIMIT = DEFAULT_BODY_LIMIT_BYTES;

export interface AppDependencies {
  db: DataSource;
  temporal: Client;
  taskQueue: string;
  defaults: RunDefaults;
  /** Sweep pending enrollments and undispatched events periodically; default: off. */
  recovery?: RecoveryOptions;
  /** Runs once at shutdown, after the HTTP server has closed. */
  onShutdown?: () => Promise<void>;
  /** Structured logs (Nest's own, errors, sweeps); default: JSON lines on stdout, warnings and errors only. */
  logger?: Logger;
  /** Stuck-run thresholds (API defaults and `je_stuck_runs`); default: 5 min grace and pending, JE_STUCK_AFTER without progress. */
  stuck?: StuckThresholds;
  /** Twilio's inbound-SMS webhook (STOP/START); also serves Twilio's delivery reports when `channelSettings` are not given. Default: not served. */
  messaging?: MessagingOptions;
  /** The channel registry canvases are validated and documented against; default: defaultChannelDescriptors(), as the worker's. */
  channels?: readonly ChannelDescriptor[];
  /** Provider settings the channels' delivery-report routes check signatures with (the engine configuration); default: none. */
  channelSettings?: ChannelSettings;
  /** An admin API key to install at start-up (JE_ADMIN_API_KEY), so a fresh system can be administered. */
  adminApiKey?: string;
  /** Four-eyes publishing (JE_FOUR_EYES_PUBLISHING): a publish waits for another key's approval; default: off. */
  fourEyesPublishing?: boolean;
  /** Statement timeout of segment previews (JE_SEGMENT_PREVIEW_TIMEOUT); default: 30 s. */
  segmentPreviewTimeoutMs?: number;
  /** JE_MAX_EVENT_FUTURE_SKEW as ms (tests on a time-skipping clock raise it); default: the configuration's. */
  maxEventFutureSkewMs?: number;
  /** The built web console (dist/console) to serve at /console; default: none. */
  consoleDir?: string;
}

/** Where the web console is served (same origin as the API). */
export const CONSOLE_PATH = '/console';

/** Creates (and initializes) the app; call `listen` to serve, or hand `getHttpServer()` to supertest. */
export async function createApp(deps: AppDependencies): Promise<NestExpressApplication> {
  const logger = deps.logger ?? createLogger({ service: 'api', level: 'warn' });
  const stuck = deps.stuck ?? { ...DEFAULT_STUCK_THRESHOLDS, noProgressMs: loadObservabilitySettings().stuckAfterMs };
  if (deps.adminApiKey) await new ApiKeysService(deps.db).installBootstrapKey(deps.adminApiKey);
  const metrics = createRuntimeMetrics({ db: deps.db, stuck, logger });
  const monitor = new DependencyMonitor({ probes: DependencyMonitor.probesOf(deps.db, deps.temporal), logger, metrics: metrics.dependencies });
  const root = AppModule.forRoot(
    deps.db,
    deps.temporal,
    {
      taskQueue: deps.taskQueue,
      defaults: deps.defaults,
      logger,
      recovery: deps.recovery ?? null,
      onShutdown: deps.onShutdown ?? null,
      segmentPreviewTimeoutMs: deps.segmentPreviewTimeoutMs ?? DEFAULT_SEGMENT_PREVIEW_TIMEOUT_MS,
      ...(deps.maxEventFutureSkewMs !== undefined ? { maxEventFutureSkewMs: deps.maxEventFutureSkewMs } : {}),
    },
    { metrics, stuck },
    { descriptors: deps.channels ?? defaultChannelDescriptors(), settings: channelSettingsOf(deps) },
    deps.messaging ?? null,
  );
  const module = {
    ...root,
    imports: [
      ...(root.imports ?? []),
      JourneysOptionsModule.forRoot({ fourEyesPublishing: deps.fourEyesPublishing ?? false }),
      DependenciesModule.forRoot(monitor, metrics.dependencies),
    ],
  };
  // Nest's own lines go through the JSON logger; its startup chatter is at debug level.
  const app = await NestFactory.create<NestExpressApplication>(module, { bodyParser: false, logger: new NestJsonLogger(logger) });
  app.useBodyParser('json', { limit: JSON_BODY_LIMIT });
  // Twilio posts forms; every other route stays JSON-only.
  app.useBodyParser('urlencoded', { extended: false, limit: '64kb', type: isProviderWebhookForm });
  // The console's static files: outside Nest's routing, so no API key is asked for them (the console asks for one).
  if (deps.consoleDir) app.useStaticAssets(deps.consoleDir, { prefix: CONSOLE_PATH, index: 'index.html', fallthrough: true });
  app.useGlobalInterceptors(new StringSafetyInterceptor(), new ContractInterceptor());
  app.useGlobalFilters(new ErrorFilter(logger, { monitor, metrics: metrics.dependencies }));
  const document = serveOpenApi(app, (doc) => describeChannels(doc, deps.channels ?? defaultChannelDescriptors()));
  app.use(methodNotAllowed(document));
  await app.init();
  return app;
}

/** The channels' provider settings; Twilio's messaging options stand for them when none are given. */
function channelSettingsOf(deps: AppDependencies): ChannelSettings {
  if (deps.channelSettings) return deps.channelSettings;
  return deps.messaging ? { twilioAuthToken: deps.messaging.twilioAuthToken, publicBaseUrl: deps.messaging.publicBaseUrl } : {};
}
