#!/usr/bin/env node
// The body of `npm test` (after scripts/setup.mjs): type-check (the project, then the console), lint, then Jest.
// Stops at the first failing step. Extra arguments go to Jest, e.g. `npm test -- engine/`.
// The last line printed is always the summary `jest: N passed, N failed, N skipped` when Jest ran.
//
// JE_TEST_SKIP_STATIC=1 skips tsc and eslint (quick iterations on tests).

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from './lib/temporal-binaries.mjs';

const RESULTS_FILE = path.join(PROJECT_ROOT, '.jest-results.json');
const bin = (rel) => path.join(PROJECT_ROOT, 'node_modules', rel);

function run(label, args, nodeOptions = []) {
  console.log(`\ntest: ${label}: node ${[...nodeOptions, ...args].map((a) => path.relative(PROJECT_ROOT, a) || a).join(' ')}`);
  const started = Date.now();
  const res = spawnSync(process.execPath, [...nodeOptions, ...args], { cwd: PROJECT_ROOT, stdio: 'inherit' });
  if (res.error) throw res.error;
  const code = res.status ?? 1;
  console.log(`test: ${label} ${code === 0 ? 'passed' : `FAILED (exit ${res.status ?? res.signal})`} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return code;
}

if (process.env.JE_TEST_SKIP_STATIC !== '1') {
  const tsc = run('typecheck', [bin('typescript/bin/tsc'), '--noEmit', '-p', 'tsconfig.json']);
  if (tsc !== 0) {
    console.log('test: stopped: the type-check failed, lint and jest were not run');
    process.exit(tsc);
  }
  const consoleTsc = run('console typecheck', [bin('typescript/bin/tsc'), '--noEmit', '-p', path.join('console', 'tsconfig.json')]);
  if (consoleTsc !== 0) {
    console.log('test: stopped: the console type-check failed (an API change? run `npm run console:api`), lint and jest were not run');
    process.exit(consoleTsc);
  }
  const eslint = run('lint', [bin('eslint/bin/eslint.js'), '.']);
  if (eslint !== 0) {
    console.log('test: stopped: lint failed, jest was not run');
    process.exit(eslint);
  }
}

const passThrough = process.argv.slice(2);
const choosesWorkers = passThrough.some((a) => /^(-i|--runInBand|--maxWorkers(=.*)?|-w)$/.test(a));
fs.rmSync(RESULTS_FILE, { force: true });
const jestCode = run(
  'jest',
  [
    bin('jest/bin/jest.js'),
    '--json',
    `--outputFile=${RESULTS_FILE}`,
    ...(choosesWorkers ? [] : ['--maxWorkers=2']),
    ...passThrough,
  ],
  ['--experimental-vm-modules', '--no-warnings=ExperimentalWarning'],
);

let results;
try {
  results = JSON.parse(fs.readFileSync(RESULTS_FILE, 'utf8'));
} catch {
  console.log(`test: jest wrote no results (${path.basename(RESULTS_FILE)}); it failed before running tests (see above)`);
  process.exit(jestCode === 0 ? 1 : jestCode);
}

const passed = results.numPassedTests ?? 0;
const skipped = (results.numPendingTests ?? 0) + (results.numTodoTests ?? 0);
// A test file that fails to load (syntax/import error) has no test results of its own; count each
// such file as one failed test so the summary never says "0 failed" for a failing run.
const brokenFiles = results.numRuntimeErrorTestSuites ?? 0;
const failed = (results.numFailedTests ?? 0) + brokenFiles;
if (brokenFiles > 0) console.log(`test: ${brokenFiles} test file(s) failed to run; each is counted as 1 failed test`);
if (jestCode !== 0 && failed === 0) console.log(`test: jest exited with ${jestCode} although no test failed (see above)`);
console.log(`jest: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(jestCode);
