/** Helpers for starting interpreter runs in tests. */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileCanvas } from '../../engine/compile.js';
import type { ExecutionPlan } from '../../engine/plan.js';
import type { EnrollmentEntry, JourneyRunInput, RunDefaults } from '../../engine/runtime.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Compiles a canvas or fails the test with the compiler's errors. */
export function planOf(canvas: unknown): ExecutionPlan {
  const compiled = compileCanvas(canvas);
  if (!compiled.ok) throw new Error(`canvas does not compile: ${JSON.stringify(compiled.errors, null, 2)}`);
  return compiled.plan;
}

/** Loads and compiles an example canvas from examples/. */
export function examplePlan(name: string): ExecutionPlan {
  return planOf(JSON.parse(fs.readFileSync(path.join(ROOT, 'examples', `${name}.json`), 'utf8')));
}

export const TEST_DEFAULTS: RunDefaults = {
  timeZone: 'Asia/Shanghai',
  lateEventGraceMs: 5 * 60_000,
  maxHistoryEvents: 10_000,
  // The time-skipping test server cannot register custom search attributes (no operator service):
  // runs there start without CustomerId/JourneyId/JourneyVersion, as with JE_TEMPORAL_SEARCH_ATTRIBUTES=0.
  searchAttributes: false,
};

let counter = 0;

/** A run input for `customerId` (unique enrollment id per call). */
export function runInput(
  plan: ExecutionPlan,
  customerId: string,
  entry: EnrollmentEntry,
  enrolledAt: number,
  overrides: Partial<JourneyRunInput> = {},
): JourneyRunInput {
  counter++;
  return {
    enrollmentId: `test:${customerId}:${counter}`,
    journeyId: 'test-journey',
    versionId: 'test-journey@1',
    customerId,
    plan,
    entry,
    enrolledAt,
    defaults: TEST_DEFAULTS,
    ...overrides,
  };
}
