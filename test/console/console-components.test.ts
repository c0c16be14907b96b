/**
 * The console's component tests (Vitest + Testing Library in jsdom: graph mapping, ELK layout, error
 * pinning, the forms generated from the canvas schema, the draft edits) run by `npm test`: Vitest
 * runs them once and each of its tests becomes a Jest test here, so the suite stays one command.
 */
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..', '..');
const report = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'je-vitest-')), 'report.json');
const run = spawnSync(process.execPath, [path.join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--reporter=json', `--outputFile=${report}`], {
  cwd: path.join(root, 'console'),
  encoding: 'utf8',
  env: { ...process.env, NODE_OPTIONS: '' },
});

interface VitestReport {
  testResults: { name: string; message?: string; assertionResults: { fullName: string; status: string; failureMessages: string[] }[] }[];
}
const results: VitestReport = fs.existsSync(report) ? JSON.parse(fs.readFileSync(report, 'utf8')) : { testResults: [] };

describe('console components (vitest)', () => {
  it('vitest ran and found the component tests', () => {
    expect({ status: run.status, output: run.status === 0 ? '' : `${run.stdout}${run.stderr}`.slice(-4000) }).toEqual({ status: 0, output: '' });
    expect(results.testResults.length).toBeGreaterThanOrEqual(5);
  });
  for (const file of results.testResults) {
    for (const t of file.assertionResults) {
      it(`${path.relative(root, file.name)} › ${t.fullName}`, () => {
        expect({ status: t.status, failures: t.failureMessages }).toEqual({ status: 'passed', failures: [] });
      });
    }
  }
});
