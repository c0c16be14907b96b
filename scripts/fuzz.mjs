#!/usr/bin/env node
// `npm run fuzz`: the contract fuzz test (test/contract/fuzz.api.test.ts) alone, with larger bounds
// than the pass `npm test` runs: schemathesis against a started instance, every check, every phase.
// Bounds: JE_FUZZ_MAX_EXAMPLES (default here 100 per operation), JE_FUZZ_MAX_TIME (default 1800 s),
// JE_FUZZ_SEED (default: random, printed). Extra arguments go to Jest.

import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from './lib/temporal-binaries.mjs';

const env = {
  ...process.env,
  JE_TEST_SKIP_STATIC: '1',
  JE_FUZZ: '1',
  JE_FUZZ_MAX_EXAMPLES: process.env.JE_FUZZ_MAX_EXAMPLES ?? '100',
  JE_FUZZ_MAX_TIME: process.env.JE_FUZZ_MAX_TIME ?? '1800',
};
console.log(`fuzz: max ${env.JE_FUZZ_MAX_EXAMPLES} examples per operation, at most ${env.JE_FUZZ_MAX_TIME} s`);
const res = spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'scripts', 'test.mjs'), 'test/contract/fuzz.api.test.ts', ...process.argv.slice(2)], {
  cwd: PROJECT_ROOT,
  env,
  stdio: 'inherit',
});
process.exit(res.status ?? 1);
