/**
 * Determinism guard: histories recorded from real runs of the interpreter (workflows/histories/)
 * must replay against the current workflow code. A change that would break runs in flight fails
 * here; put it behind `patched()` instead. Re-record with `RECORD_HISTORIES=1 npm test -- workflows/`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { ROOT } from '../test/support/runs.js';
import { WORKFLOWS_PATH } from '../worker/worker.js';
import { bundleWorkflows } from '../scripts/lib/workflow-bundle.js';

const DIR = path.join(ROOT, 'workflows', 'histories');
const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();

describe('recorded histories replay without non-determinism', () => {
  it('has fixtures covering waits, decisions, actions, signals, continue-as-new, and both sides of each patch', () => {
    expect(files).toEqual(expect.arrayContaining(['continue-as-new.json', 'onboarding-dropout.json', 'onboarding-goal.json', 'starts-with-event-wait.json', 'starts-with-wait-unpatched.json', 'starts-with-wait.json']));
  });

  it.each(files)('%s', async (file) => {
    const history = historyFromJSON(JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8')));
    expect(history.events?.length).toBeGreaterThan(10);
    const workflowBundle = await bundle();
    // Throws DeterminismViolationError (or the workflow's own failure) when replay diverges.
    await Worker.runReplayHistory({ workflowBundle, replayName: file }, history, file.replace(/\.json$/, ''));
  });
});

let cached: ReturnType<typeof bundleWorkflows> | undefined;
function bundle() {
  cached ??= bundleWorkflows(WORKFLOWS_PATH);
  return cached;
}
