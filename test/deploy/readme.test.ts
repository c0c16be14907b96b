/**
 * The README says what really happens: the quickstart's timing (the reminder after the window plus
 * the late-event grace, checked by simulating examples/quickstart.json with the default grace), the
 * overlap of the walk-through with the quickstart (both start on `registered`), and the test
 * summary line in the form scripts/test.mjs prints.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { CATALOGUE } from '../../config/catalogue.js';
import { BUILTIN_ACTIONS } from '../../engine/actions.js';
import { compileCanvas } from '../../engine/compile.js';
import type { ExecutionPlan } from '../../engine/plan.js';
import { simulate } from '../../engine/simulation/simulate.js';
import { simulatedChannels } from '../../engine/simulation/world.js';
import { repoRoot } from '../support/compose.js';

const read = (file: string) => fs.readFileSync(path.join(repoRoot, file), 'utf8');
const readme = read('README.md');
const MINUTE = 60_000;

function plan(example: string): ExecutionPlan {
  const compiled = compileCanvas(JSON.parse(read(`examples/${example}.json`)));
  if (!compiled.ok) throw new Error(`${example} does not compile`);
  return compiled.plan;
}

describe('README', () => {
  it('gives the quickstart reminder time the engine really takes: the 10-minute window plus the default late-event grace', () => {
    const grace = CATALOGUE.lateEventGraceMs.read(undefined);
    const start = Date.parse('2026-03-02T02:00:00Z');
    const result = simulate({
      plan: plan('quickstart'),
      journeyId: 'quickstart',
      versionId: 'quickstart@1',
      customer: { id: 'c-1', traits: { first_name: 'Mei', phone: '+8613800000001' }, events: [], segments: {} },
      script: [],
      start,
      horizonMs: 60 * MINUTE,
      channels: simulatedChannels(Object.entries(BUILTIN_ACTIONS).map(([action, spec]) => ({ action, spec, kind: 'touch' as const }))),
      policy: { caps: {}, sentBefore: [] },
      defaults: { timeZone: 'Asia/Shanghai', lateEventGraceMs: grace, maxHistoryEvents: 10_000 },
    });
    const reminder = result.messages.find((m) => m.nodeId === 'sms_reminder');
    const minutes = (Date.parse(reminder!.at) - start) / MINUTE;
    expect(minutes).toBe(15);
    expect(readme).toContain(`the\nreminder comes **${minutes} minutes** after registration, not 10`);
    expect(readme).toContain(`(\`JE_LATE_EVENT_GRACE\`, default \`${CATALOGUE.lateEventGraceMs.default}\`)`);
    expect(readme).not.toMatch(/then up to 10\s+minutes for `account_opened`/);
  });

  it('says that the walk-through\'s `registered` event also enrolls the customer in the quickstart journey', () => {
    const quickstart = plan('quickstart').trigger;
    const onboarding = plan('onboarding').trigger;
    expect([quickstart.kind, onboarding.kind]).toEqual(['event', 'event']);
    const shared = quickstart.kind === 'event' && onboarding.kind === 'event' && quickstart.event === onboarding.event;
    expect(shared).toBe(true);
    expect(readme).toContain('event of step 2 then enrolls c-1001 in **both** journeys');
  });

  it('shows the test summary line in the form scripts/test.mjs prints it, without a stale count', () => {
    expect(read('scripts/test.mjs')).toContain('console.log(`jest: ${passed} passed, ${failed} failed, ${skipped} skipped`);');
    expect(readme).toContain('`jest: <passed> passed, <failed> failed, <skipped> skipped`');
    expect(readme).not.toMatch(/jest: \d+ passed/);
  });
});
