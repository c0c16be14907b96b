/**
 * The prebuilt workflow bundle: `dist/workflow-bundle.js`, bundled once at build time from the
 * COMPILED workflows (`dist/workflows/index.js`), so that a worker started from dist/ loads it with
 * `workflowBundle: { codePath }` instead of running webpack at every start (see worker/worker.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';

/** Where the bundle goes, relative to the project root (next to dist/worker/). */
export const WORKFLOW_BUNDLE_FILE = path.join('dist', 'workflow-bundle.js');
/** The compiled workflows entry it is built from, relative to the project root. */
export const COMPILED_WORKFLOWS_ENTRY = path.join('dist', 'workflows', 'index.js');

export interface WriteWorkflowBundleOptions {
  /** Absolute path of the workflows entry (the compiled one for releases; tests may pass the source). */
  workflowsPath: string;
  /** File to write; written to a temporary name first and renamed, so a reader never sees half a bundle. */
  outFile: string;
}

/** The bundler's log: silent, except errors (to stderr). */
const bundlerLogger = {
  log() {},
  trace() {},
  debug() {},
  info() {},
  warn() {},
  error(message: string) {
    console.error(message);
  },
};

/** Bundles the workflows at `workflowsPath` (webpack), without the bundler's chatter. */
export function bundleWorkflows(workflowsPath: string): ReturnType<typeof bundleWorkflowCode> {
  return bundleWorkflowCode({ workflowsPath, logger: bundlerLogger });
}

/** Bundles the workflows and writes the bundle; returns its size in bytes. */
export async function writeWorkflowBundle(opts: WriteWorkflowBundleOptions): Promise<number> {
  if (!fs.existsSync(opts.workflowsPath)) throw new Error(`workflows entry ${opts.workflowsPath} does not exist (build dist/ first)`);
  const { code } = await bundleWorkflows(opts.workflowsPath);
  fs.mkdirSync(path.dirname(opts.outFile), { recursive: true });
  const tmp = `${opts.outFile}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, code);
  fs.renameSync(tmp, opts.outFile);
  return Buffer.byteLength(code);
}
