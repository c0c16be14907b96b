/**
 * The OpenAPI document is the contract: schemathesis (from PyPI, .tools/schemathesis-venv) fuzzes
 * the real app from its own served document with every check (`--checks all`) and every phase,
 * the stateful one included, sending an admin key. Zero failures, or this test fails with them.
 *
 * Part of `npm test` as a bounded pass (JE_FUZZ_MAX_EXAMPLES default 2 per operation, JE_FUZZ_MAX_TIME
 * default 180 s of fuzzing); `npm run fuzz` runs it longer (docs/api.md, "The contract, fuzzed").
 * JE_FUZZ=0 skips it (a machine without Python 3); schemathesis is installed on first use.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { ensureSchemathesis } from '../../scripts/lib/schemathesis.mjs';
import { startApi, type ApiHarness } from '../api/api-harness.js';
import { ROOT } from '../support/runs.js';
import { createScratchDatabase, type ScratchDatabase } from '../support/scratch-database.js';
import { createDataSource } from '../../store/data-source.js';

let api: ApiHarness;
let base: string;

/** The journey the read-only routes are fuzzed on (schemathesis.toml fixes their journeyId to it). */
const FUZZ_JOURNEY = 'fuzz-onboarding';

let scratch: ScratchDatabase | undefined;

/**
 * The API under fuzz gets a database of its own: what the fuzzer creates (journeys that may trigger
 * on any event name, segments over every customer, keys) must not reach the rows of the test files
 * that run beside it in `npm test`.
 */
async function startOnScratchDatabase(): Promise<ApiHarness> {
  scratch = await createScratchDatabase('je_contract_fuzz');
  const migrations = createDataSource(scratch.url, { poolSize: 1 });
  await migrations.initialize();
  await migrations.runMigrations();
  await migrations.destroy();
  const shared = process.env.JE_TEST_DATABASE_URL;
  process.env.JE_TEST_DATABASE_URL = scratch.url;
  try {
    return await startApi('contract-fuzz');
  } finally {
    process.env.JE_TEST_DATABASE_URL = shared;
  }
}

beforeAll(async () => {
  if (process.env.JE_FUZZ === '0') return;
  api = await startOnScratchDatabase();
  const onboarding = JSON.parse(fs.readFileSync(`${ROOT}/examples/onboarding.json`, 'utf8'));
  await api.as('marketer').put(`/v1/journeys/${FUZZ_JOURNEY}/publish`).send(onboarding).expect(201);
  await api.app.listen(0, '127.0.0.1');
  base = `http://127.0.0.1:${(api.app.getHttpServer().address() as AddressInfo).port}`;
});
afterAll(async () => {
  await api?.stop();
  await scratch?.drop();
});

const num = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);

/** Runs schemathesis, echoing its output live (progress), and answers its exit code and output. */
function schemathesis(args: string[]): Promise<{ code: number; output: string }> {
  const exe = ensureSchemathesis({ log: (m) => process.stdout.write(`fuzz: ${m}\n`) });
  process.stdout.write(`fuzz: schemathesis ${args.map((a) => (a.startsWith('Authorization') ? 'Authorization: Bearer ***' : a)).join(' ')}\n`);
  return new Promise((resolve, reject) => {
    const child = spawn(exe, args, { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const echo = (chunk: Buffer) => {
      output += chunk.toString();
      process.stdout.write(chunk);
    };
    child.stdout.on('data', echo);
    child.stderr.on('data', echo);
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

const fuzz = process.env.JE_FUZZ === '0' ? it.skip : it;

fuzz('finds zero failures with every check and phase, stateful included', async () => {
  const maxExamples = num('JE_FUZZ_MAX_EXAMPLES', 2);
  const maxTime = num('JE_FUZZ_MAX_TIME', 180);
  const { code, output } = await schemathesis([
    '--config-file',
    new URL('./schemathesis.toml', import.meta.url).pathname,
    'run',
    `${base}/docs/openapi.json`,
    '--url',
    base,
    '--checks',
    'all',
    // Every phase (examples, coverage, fuzzing, stateful) runs by default; schemathesis.toml turns
    // one off for one operation, which a --phases option would override.
    '--max-examples',
    String(maxExamples),
    '--max-time',
    String(maxTime),
    '--workers',
    '1',
    '--seed',
    String(num('JE_FUZZ_SEED', Date.now() % 100_000)),
    '--suppress-health-check',
    'all',
    '--request-timeout',
    '20',
    '--header',
    `Authorization: Bearer ${api.keys.admin}`,
    // More schemathesis options, e.g. `--include-path-regex simulate --report har --report-dir /tmp/st`.
    ...(process.env.JE_FUZZ_ARGS?.split(' ').filter(Boolean) ?? []),
  ]);
  // schemathesis exits 0 only when no check failed and no request errored.
  expect({ code, summary: output.split('\n').filter((l) => /fail|error/i.test(l)).slice(-20) }).toEqual({ code: 0, summary: expect.any(Array) });
}, 900_000);
