/** The real Nest app over the real runtime (PostgreSQL, Temporal dev server, in-process worker). */
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { createApp } from '../../api/app.factory.js';
import type { Canvas } from '../../engine/canvas.js';
import { FAST_DEFAULTS, startRuntime, type RuntimeHarness } from '../support/runtime-harness.js';

export interface ApiHarness {
  rt: RuntimeHarness;
  app: NestExpressApplication;
  /** A supertest agent on the app's HTTP server. */
  http: () => ReturnType<typeof request>;
  stop(): Promise<void>;
}

export async function startApi(name: string): Promise<ApiHarness> {
  const rt = await startRuntime(name);
  const app = await createApp({ db: rt.db, temporal: rt.client, taskQueue: rt.taskQueue, defaults: FAST_DEFAULTS });
  return {
    rt,
    app,
    http: () => request(app.getHttpServer()),
    async stop() {
      await app.close();
      await rt.stop();
    },
  };
}

export function canvas(name: string, nodes: Canvas['nodes'], edges: Canvas['edges'], extra: Partial<Canvas> = {}): Canvas {
  return { schemaVersion: 1, name, ...extra, nodes, edges };
}
