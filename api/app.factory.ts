/**
 * Builds the Nest application from dependencies the caller constructed (main.ts, or a test with its
 * own database and Temporal client), with the JSON body limit and the error shape set up.
 */
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Client } from '@temporalio/client';
import type { DataSource } from 'typeorm';
import type { RunDefaults } from '../engine/runtime.js';
import { AppModule } from './app.module.js';
import { ErrorFilter } from './http/error.filter.js';
import type { RecoveryOptions } from './runtime.js';

/** Largest JSON body accepted (a full 500-event batch with typical properties fits easily). */
export const JSON_BODY_LIMIT = '1mb';

export interface AppDependencies {
  db: DataSource;
  temporal: Client;
  taskQueue: string;
  defaults: RunDefaults;
  /** Informational log lines; default: none. */
  log?: (line: string) => void;
  /** Sweep pending enrollments and undispatched events periodically; default: off. */
  recovery?: RecoveryOptions;
  /** Runs once at shutdown, after the HTTP server has closed. */
  onShutdown?: () => Promise<void>;
}

/** Creates (and initializes) the app; call `listen` to serve, or hand `getHttpServer()` to supertest. */
export async function createApp(deps: AppDependencies): Promise<NestExpressApplication> {
  const module = AppModule.forRoot(deps.db, deps.temporal, {
    taskQueue: deps.taskQueue,
    defaults: deps.defaults,
    log: deps.log ?? (() => {}),
    recovery: deps.recovery ?? null,
    onShutdown: deps.onShutdown ?? null,
  });
  // Nest's own startup chatter is off; errors and warnings still reach stderr.
  const app = await NestFactory.create<NestExpressApplication>(module, { bodyParser: false, logger: ['error', 'warn'] });
  app.useBodyParser('json', { limit: JSON_BODY_LIMIT });
  app.useGlobalFilters(new ErrorFilter());
  await app.init();
  return app;
}
