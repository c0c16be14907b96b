/**
 * Compiles the project to dist/ with `tsc -p tsconfig.build.json`, then writes the prebuilt workflow
 * bundle dist/workflow-bundle.js (scripts/bundle-workflows.ts), unless dist/ is newer than every
 * input (the folders listed in tsconfig.build.json, the tsconfig files and package-lock.json).
 * Then the web console: `vite build` of console/ into dist/console (served by the API at /console).
 * The Dockerfile's build stage runs the same steps.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** Written after every successful build; its mtime is "when dist/ was last built". */
const STAMP = '.build-stamp';
/** Always produced by a build, whatever the caller requires (loaded by worker/worker.ts). */
export const WORKFLOW_BUNDLE = path.join('dist', 'workflow-bundle.js');
/** The built console's manifest (its presence tells the API to serve dist/console). */
export const CONSOLE_MANIFEST = path.join('dist', 'console', '.vite', 'manifest.json');

interface BuildConfig {
  include?: string[];
}

function newestInput(root: string): { file: string; mtimeMs: number } | undefined {
  let newest: { file: string; mtimeMs: number } | undefined;
  const consider = (file: string) => {
    const st = fs.statSync(file, { throwIfNoEntry: false });
    if (st && (!newest || st.mtimeMs > newest.mtimeMs)) newest = { file, mtimeMs: st.mtimeMs };
  };
  const walk = (dir: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    // A deleted or renamed file changes its folder's mtime.
    consider(dir);
    for (const e of entries) {
      if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else if (/\.(ts|tsx|mts|cts|json|html|css)$/.test(e.name) && !/\.test\.tsx?$/.test(e.name)) consider(full);
    }
  };
  const config = JSON.parse(fs.readFileSync(path.join(root, 'tsconfig.build.json'), 'utf8')) as BuildConfig;
  for (const include of [...(config.include ?? []), 'console']) walk(path.join(root, include));
  for (const f of ['tsconfig.json', 'tsconfig.build.json', 'package-lock.json', 'package.json']) consider(path.join(root, f));
  return newest;
}

/** Why dist/ must be rebuilt, or undefined when it is up to date. */
export function buildReason(root: string, requiredOutputs: string[]): string | undefined {
  const dist = path.join(root, 'dist');
  const stamp = fs.statSync(path.join(dist, STAMP), { throwIfNoEntry: false });
  if (!stamp) return 'dist/ has not been built by start yet';
  for (const out of [...requiredOutputs, WORKFLOW_BUNDLE, CONSOLE_MANIFEST]) {
    if (!fs.existsSync(path.resolve(root, out))) return `${out} is missing`;
  }
  const newest = newestInput(root);
  if (newest && newest.mtimeMs > stamp.mtimeMs) return `${path.relative(root, newest.file)} changed since the last build`;
  return undefined;
}

/** Held while a build runs, so that two starts at once (parallel tests) never build over each other. */
const LOCK = path.join('dist', '.build-lock');
/** A lock older than this is left over by a killed build. */
const STALE_LOCK_MS = 15 * 60_000;

function takeLock(root: string, log: (m: string) => void): boolean {
  const lock = path.join(root, LOCK);
  fs.mkdirSync(path.dirname(lock), { recursive: true });
  try {
    fs.mkdirSync(lock);
    return true;
  } catch {
    const st = fs.statSync(lock, { throwIfNoEntry: false });
    if (st && Date.now() - st.mtimeMs > STALE_LOCK_MS) {
      log(`removing a stale build lock (${LOCK})`);
      fs.rmSync(lock, { recursive: true, force: true });
    }
    return false;
  }
}

/** Builds when needed; throws with the compiler's output when tsc fails. */
export function ensureBuilt(root: string, requiredOutputs: string[], log: (m: string) => void): void {
  let waited = false;
  while (!takeLock(root, log)) {
    if (!waited) log(`another build is running (${LOCK}); waiting for it`);
    waited = true;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
  }
  try {
    buildLocked(root, requiredOutputs, log, waited);
  } finally {
    fs.rmSync(path.join(root, LOCK), { recursive: true, force: true });
  }
}

function buildLocked(root: string, requiredOutputs: string[], log: (m: string) => void, afterAnotherBuild: boolean): void {
  const forced = process.env.JE_START_FORCE_BUILD === '1' && !afterAnotherBuild;
  const reason = forced ? 'JE_START_FORCE_BUILD=1' : buildReason(root, requiredOutputs);
  if (!reason) {
    log('dist/ is up to date, skipping the build');
    return;
  }
  log(`building (${reason}): tsc -p tsconfig.build.json, then the workflow bundle and the console`);
  const started = Date.now();
  // Stamp the time the build STARTED: a file saved during the build makes the next start rebuild.
  const startedAt = new Date();
  const res = spawnSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], {
    cwd: root,
    encoding: 'utf8',
  });
  if (res.error) throw new Error(`could not run tsc: ${res.error.message}`);
  if (res.status !== 0) {
    const output = `${res.stdout ?? ''}${res.stderr ?? ''}`.trimEnd();
    throw new Error(`the build failed (tsc exited with ${res.status ?? res.signal}):\n${output}`);
  }
  log('bundling the workflows: scripts/bundle-workflows.ts -> dist/workflow-bundle.js');
  const bundle = spawnSync(process.execPath, ['--import', '@swc-node/register/esm-register', path.join(root, 'scripts', 'bundle-workflows.ts'), root], {
    cwd: root,
    encoding: 'utf8',
  });
  if (bundle.error) throw new Error(`could not run the workflow bundler: ${bundle.error.message}`);
  if (bundle.status !== 0) {
    const output = `${bundle.stdout ?? ''}${bundle.stderr ?? ''}`.trimEnd();
    throw new Error(`bundling the workflows failed (exit ${bundle.status ?? bundle.signal}):\n${output}`);
  }
  log('building the web console: vite build console/ -> dist/console');
  const web = spawnSync(process.execPath, [path.join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', path.join(root, 'console', 'vite.config.ts')], {
    cwd: root,
    encoding: 'utf8',
  });
  if (web.error) throw new Error(`could not run vite: ${web.error.message}`);
  if (web.status !== 0) {
    const output = `${web.stdout ?? ''}${web.stderr ?? ''}`.trimEnd();
    throw new Error(`building the console failed (exit ${web.status ?? web.signal}):\n${output}`);
  }
  for (const out of [...requiredOutputs, WORKFLOW_BUNDLE, CONSOLE_MANIFEST]) {
    if (!fs.existsSync(path.resolve(root, out))) throw new Error(`the build succeeded but ${out} was not produced`);
  }
  const stampFile = path.join(root, 'dist', STAMP);
  fs.writeFileSync(stampFile, `built by scripts/start.ts at ${startedAt.toISOString()}\n`);
  fs.utimesSync(stampFile, startedAt, startedAt);
  log(`build done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
