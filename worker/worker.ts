/** Builds the journey worker: the interpreter workflow plus activities wired to PostgreSQL and the channels. */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { DataSource } from 'typeorm';
import { createActivities } from '../activities/index.js';
import type { ActionChannel } from '../activities/channels/channel.js';

/** Absolute path of the workflows entry: the .ts source under Jest, the compiled .js under dist/. */
export const WORKFLOWS_PATH = [
  fileURLToPath(new URL('../workflows/index.js', import.meta.url)),
  fileURLToPath(new URL('../workflows/index.ts', import.meta.url)),
].find((file) => fs.existsSync(file))!;

export interface JourneyWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  db: DataSource;
  channels?: ActionChannel[];
  /** A pre-built bundle (tests bundle once per file); otherwise the workflows are bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  identity?: string;
}

export async function createJourneyWorker(opts: JourneyWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    activities: createActivities({ db: opts.db, channels: opts.channels }),
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    ...(opts.identity ? { identity: opts.identity } : {}),
  });
}
