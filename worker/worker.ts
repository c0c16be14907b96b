/** Builds the journey worker: the interpreter workflow plus activities wired to PostgreSQL and the channels. */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { DataSource } from 'typeorm';
import { createActivities } from '../activities/index.js';
import type { SendPolicy } from '../activities/actions.js';
import type { ActionChannel } from '../core/channels/channel.js';
import { createLogger, type Logger } from '../observability/logger.js';
import type { WorkerMetrics } from '../observability/metrics.js';

/** Absolute path of the workflows entry: the .ts source under Jest, the compiled .js under dist/. */
export const WORKFLOWS_PATH = [
  fileURLToPath(new URL('../workflows/index.js', import.meta.url)),
  fileURLToPath(new URL('../workflows/index.ts', import.meta.url)),
].find((file) => fs.existsSync(file))!;

/**
 * The prebuilt workflow bundle (`dist/workflow-bundle.js`, written by scripts/bundle-workflows.ts
 * after tsc) when this module runs compiled from dist/, the bundle exists, and it is at least as new
 * as every compiled workflow and engine file it was made from. Otherwise undefined, and the worker
 * bundles the workflows itself at start (always so under Jest, which runs the .ts sources).
 */
export function prebuiltWorkflowBundle(moduleUrl: string = import.meta.url): { codePath: string } | { stale: string } | undefined {
  const moduleFile = fileURLToPath(moduleUrl);
  if (!moduleFile.endsWith('.js')) return undefined;
  const distDir = path.dirname(path.dirname(moduleFile));
  const codePath = path.join(distDir, 'workflow-bundle.js');
  const bundle = fs.statSync(codePath, { throwIfNoEntry: false });
  if (!bundle) return undefined;
  for (const dir of ['workflows', 'engine']) {
    const entries = fs.existsSync(path.join(distDir, dir)) ? fs.readdirSync(path.join(distDir, dir), { recursive: true, encoding: 'utf8' }) : [];
    for (const entry of entries) {
      if (!entry.endsWith('.js')) continue;
      const file = path.join(distDir, dir, entry);
      if (fs.statSync(file).mtimeMs > bundle.mtimeMs) return { stale: `${codePath} is older than ${file}` };
    }
  }
  return { codePath };
}

export interface JourneyWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  db: DataSource;
  channels?: ActionChannel[];
  /**
   * A pre-built bundle (tests bundle once per file). Otherwise dist/workflow-bundle.js when running
   * from dist/ (see {@link prebuiltWorkflowBundle}), else the workflows are bundled at start.
   */
  workflowBundle?: WorkerOptions['workflowBundle'];
  identity?: string;
  /** Lines about runs from the activities; default: none. */
  logger?: Logger;
  /** Activity and provider metrics; default: none. */
  metrics?: WorkerMetrics;
  /** Frequency caps and send-rate limits (consent is always checked). */
  policy?: SendPolicy;
}

export async function createJourneyWorker(opts: JourneyWorkerOptions): Promise<Worker> {
  let workflowBundle = opts.workflowBundle;
  if (!workflowBundle) {
    const prebuilt = prebuiltWorkflowBundle();
    if (prebuilt && 'stale' in prebuilt) (opts.logger ?? createLogger({ service: 'worker' })).warn(`worker: not using the prebuilt workflow bundle (${prebuilt.stale}); bundling at start`);
    else if (prebuilt) workflowBundle = prebuilt;
  }
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    activities: createActivities({ db: opts.db, channels: opts.channels, logger: opts.logger, metrics: opts.metrics, policy: opts.policy }),
    ...(workflowBundle ? { workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    ...(opts.identity ? { identity: opts.identity } : {}),
  });
}
