/** The real Nest app over the real runtime (PostgreSQL, Temporal dev server, in-process worker). */
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { createApp, type AppDependencies } from '../../api/app.factory.js';
import type { Role } from '../../core/access/roles.js';
import type { Canvas } from '../../engine/canvas.js';
import { createRoleKeys, keyedAgent, type RoleKeys } from '../support/api-keys.js';
import { FAST_DEFAULTS, startRuntime, type RuntimeHarness, type RuntimeHarnessOptions } from '../support/runtime-harness.js';

export interface ApiHarness {
  rt: RuntimeHarness;
  app: NestExpressApplication;
  /** A supertest agent on the app's HTTP server, sending an admin key. */
  http: () => ReturnType<typeof request.agent>;
  /** A supertest agent sending a key of `role`. */
  as: (role: Role) => ReturnType<typeof request.agent>;
  /** A supertest request without any key. */
  anonymous: () => ReturnType<typeof request>;
  keys: RoleKeys;
  stop(): Promise<void>;
}

/** Starts the runtime and the app; `options` adds to (or overrides) the app's dependencies, `runtime` configures the worker. */
export async function startApi(name: string, options: Partial<AppDependencies> = {}, runtime: RuntimeHarnessOptions = {}): Promise<ApiHarness> {
  const rt = await startRuntime(name, runtime);
  const app = await createApp({ db: rt.db, temporal: rt.client, taskQueue: rt.taskQueue, defaults: FAST_DEFAULTS, ...options });
  const keys = await createRoleKeys(rt.db, name);
  const as = (role: Role) => keyedAgent(app.getHttpServer(), keys[role]);
  return {
    rt,
    app,
    http: () => as('admin'),
    as,
    anonymous: () => request(app.getHttpServer()),
    keys,
    async stop() {
      await app.close();
      await rt.stop();
    },
  };
}

export function canvas(name: string, nodes: Canvas['nodes'], edges: Canvas['edges'], extra: Partial<Canvas> = {}): Canvas {
  return { schemaVersion: 2, name, ...extra, nodes, edges };
}
