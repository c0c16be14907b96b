/** What a plan can read about a customer: the event names and segments its conditions, waits, goal and exits name. */
import type { Condition } from '../conditions.js';
import { factNeeds } from '../evaluate.js';
import type { ExecutionPlan, PlanCondition } from '../plan.js';
import { referencedSegments, ruleEventNeeds, type JourneyCondition } from '../segments/index.js';

export interface PlanNeeds {
  eventNames: string[];
  segments: string[];
}

function conditionsOf(plan: ExecutionPlan): PlanCondition[] {
  const fromNodes = Object.values(plan.nodes).flatMap((step) =>
    step.kind === 'condition' ? [step.condition] : step.kind === 'multi_split' ? step.cases.map((c) => c.condition) : [],
  );
  return [...fromNodes, ...plan.exitCriteria.flatMap((c) => (c.kind === 'condition' ? [c.condition] : []))];
}

/** The facts to load for simulating a real customer through `plan`. */
export function planNeeds(plan: ExecutionPlan): PlanNeeds {
  const conditions = conditionsOf(plan);
  const names = new Set(plan.watchedEvents);
  const segments = new Set<string>();
  if (plan.planVersion === 1) {
    const needs = factNeeds(conditions as Condition[]);
    for (const q of needs.events) names.add(q.event);
    for (const key of needs.segments) segments.add(key);
  } else {
    for (const rule of conditions as JourneyCondition[]) {
      for (const need of ruleEventNeeds(rule)) names.add(need.name);
      for (const key of referencedSegments(rule)) segments.add(key);
    }
  }
  return { eventNames: [...names].sort(), segments: [...segments].sort() };
}
