/**
 * Writes dist/workflow-bundle.js from the compiled dist/workflows/index.js (run after
 * `tsc -p tsconfig.build.json`; npm start's build step and the Dockerfile do both):
 *
 *   node --import @swc-node/register/esm-register scripts/bundle-workflows.ts [projectRoot]
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { COMPILED_WORKFLOWS_ENTRY, WORKFLOW_BUNDLE_FILE, writeWorkflowBundle } from './lib/workflow-bundle.js';

const root = path.resolve(process.argv[2] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..'));
const outFile = path.join(root, WORKFLOW_BUNDLE_FILE);
const started = Date.now();
try {
  const bytes = await writeWorkflowBundle({ workflowsPath: path.join(root, COMPILED_WORKFLOWS_ENTRY), outFile });
  console.log(`bundle-workflows: wrote ${path.relative(process.cwd(), outFile) || outFile} (${Math.round(bytes / 1024)} KiB) in ${Date.now() - started} ms`);
} catch (err) {
  console.error(`bundle-workflows: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
