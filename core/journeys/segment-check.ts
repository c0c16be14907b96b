/**
 * A publish-time check the compiler cannot make alone: every segment a journey names (its segment
 * trigger, its conditions, splits and exit criteria) must exist, or the journey would publish and
 * silently enrol (or match) nobody.
 */
import type { DocumentIssue } from '../../engine/errors.js';
import type { ExecutionPlan } from '../../engine/plan.js';
import { planNeeds } from '../../engine/simulation/needs.js';
import type { Queryable } from '../../store/queryable.js';
import { SegmentsRepository } from '../../store/segments.repository.js';

/** The segments `plan` names, trigger included. */
function segmentsOf(plan: ExecutionPlan): string[] {
  const keys = new Set(planNeeds(plan).segments);
  if (plan.trigger.kind === 'segment') keys.add(plan.trigger.segment);
  return [...keys].sort();
}

/** An `unknown_segment` issue per segment the plan names that does not exist, at the first canvas node naming it. */
export async function unknownSegmentIssues(db: Queryable, canvas: unknown, plan: ExecutionPlan): Promise<DocumentIssue[]> {
  const keys = segmentsOf(plan);
  if (keys.length === 0) return [];
  const known = new Set((await new SegmentsRepository(db).definitionsOf(keys, db)).map((s) => s.key));
  const nodes = (canvas as { nodes?: unknown[] }).nodes ?? [];
  return keys
    .filter((key) => !known.has(key))
    .map((key) => {
      const at = nodes.findIndex((node) => JSON.stringify(node).includes(JSON.stringify({ segment: key }).slice(1, -1)));
      return {
        code: 'unknown_segment',
        message: `There is no segment "${key}": create it (POST /v1/segments) or fix the key; a journey naming it would match nobody`,
        path: at >= 0 ? `$.nodes[${at}]` : '$',
      };
    });
}
