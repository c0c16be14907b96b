/**
 * Compiles a validated canvas into the normalized ExecutionPlan the interpreter workflow runs:
 * durations in ms, defaults filled in, `next` maps built from edges. Pure; no I/O.
 */
import type { Canvas, CanvasNode, ExitCriterion } from './canvas.js';
import { parseDuration } from './duration.js';
import { parseQuietHours } from './policy.js';
import type { DocumentIssue } from './errors.js';
import type { ExecutionPlan, PlanExitCriterion, PlanReentry, PlanStep } from './plan.js';
import { parseTimeOfDay } from './time.js';
import { validateCanvas, type CompileOptions } from './validate.js';

export type { CompileOptions } from './validate.js';

/** The plan and non-blocking warnings, or every error found in the canvas. */
export type CompileResult =
  | { ok: true; plan: ExecutionPlan; warnings: DocumentIssue[] }
  | { ok: false; errors: DocumentIssue[] };

/** Validates `doc` and, when it is valid, compiles it into an ExecutionPlan. */
export function compileCanvas(doc: unknown, options: CompileOptions = {}): CompileResult {
  const errors = validateCanvas(doc, options);
  if (errors.length > 0) return { ok: false, errors };
  const canvas = doc as Canvas;

  const next = new Map<string, Record<string, string>>();
  for (const edge of canvas.edges) {
    const ports = next.get(edge.from) ?? {};
    ports[edge.port ?? 'next'] = edge.to;
    next.set(edge.from, ports);
  }
  const portsOf = (id: string): Record<string, string> => next.get(id) ?? {};

  const trigger = canvas.nodes.find((n) => n.type === 'trigger')!;
  const nodes: Record<string, PlanStep> = {};
  for (const node of canvas.nodes) {
    if (node.type !== 'trigger') nodes[node.id] = compileNode(node, portsOf(node.id));
  }

  const watched = new Set<string>();
  if (canvas.goal) watched.add(canvas.goal.event);
  for (const criterion of canvas.exitCriteria ?? []) if ('event' in criterion) watched.add(criterion.event);
  for (const node of canvas.nodes) if (node.type === 'wait_for_event') watched.add(node.event);

  const plan: ExecutionPlan = {
    planVersion: 1,
    name: canvas.name,
    trigger: trigger.trigger,
    startNodeId: portsOf(trigger.id).next,
    nodes,
    exitCriteria: (canvas.exitCriteria ?? []).map(compileExitCriterion),
    reentry: compileReentry(canvas),
    timeZone: canvas.settings?.timeZone ?? null,
    watchedEvents: [...watched].sort(),
  };
  if (canvas.goal) plan.goal = { event: canvas.goal.event, where: canvas.goal.where ?? [] };
  const quiet = Object.entries(canvas.settings?.quietHours ?? {});
  if (quiet.length > 0) plan.quietHours = Object.fromEntries(quiet.map(([action, window]) => [action, parseQuietHours(window)]));
  return { ok: true, plan, warnings: warningsFor(canvas) };
}

function compileNode(node: Exclude<CanvasNode, { type: 'trigger' }>, next: Record<string, string>): PlanStep {
  const base = { id: node.id, ...(node.label !== undefined ? { label: node.label } : {}) };
  switch (node.type) {
    case 'wait': {
      const spread = node.spread !== undefined ? { spreadMs: parseDuration(node.spread) } : {};
      if ('duration' in node) return { ...base, kind: 'wait_duration', durationMs: parseDuration(node.duration), ...spread, next: next.next };
      if ('until' in node) return { ...base, kind: 'wait_until', until: node.until, ...spread, next: next.next };
      return {
        ...base,
        kind: 'wait_time_of_day',
        ...parseTimeOfDay(node.timeOfDay),
        weekdays: node.weekdays ?? [],
        timeZone: node.timeZone ?? null,
        ...spread,
        next: next.next,
      };
    }
    case 'wait_for_event':
      return {
        ...base,
        kind: 'wait_for_event',
        event: node.event,
        where: node.where ?? [],
        timeoutMs: parseDuration(node.timeout),
        since: node.since ?? 'node',
        next: { matched: next.matched, timed_out: next.timed_out },
      };
    case 'condition':
      return { ...base, kind: 'condition', condition: node.condition, next: { yes: next.yes, no: next.no } };
    case 'multi_split':
      return {
        ...base,
        kind: 'multi_split',
        cases: node.cases.map((c) => ({ key: c.key, condition: c.condition })),
        next: { ...next },
      };
    case 'random_split':
      return {
        ...base,
        kind: 'random_split',
        arms: node.arms.map((a) => ({ key: a.key, weight: a.weight, control: a.control ?? false })),
        next: { ...next },
      };
    case 'action':
      return {
        ...base,
        kind: 'action',
        action: node.action,
        category: node.category ?? 'marketing',
        params: node.params,
        onFailure: node.onFailure ?? 'continue',
        next: next.next,
      };
    case 'exit':
      return { ...base, kind: 'exit', reason: node.reason ?? 'completed' };
  }
}

function compileExitCriterion(criterion: ExitCriterion): PlanExitCriterion {
  if ('event' in criterion) {
    return { id: criterion.id, kind: 'event', event: criterion.event, where: criterion.where ?? [], reason: criterion.reason };
  }
  return { id: criterion.id, kind: 'condition', condition: criterion.condition, reason: criterion.reason };
}

function compileReentry(canvas: Canvas): PlanReentry {
  const reentry = canvas.settings?.reentry ?? { policy: 'once' };
  return reentry.policy === 'cooldown' ? { policy: 'cooldown', cooldownMs: parseDuration(reentry.cooldown) } : { policy: reentry.policy };
}

/** Legal but probably unintended constructs. */
function warningsFor(canvas: Canvas): DocumentIssue[] {
  const warnings: DocumentIssue[] = [];
  canvas.nodes.forEach((node, i) => {
    if (node.type !== 'random_split') return;
    if (node.arms.length === 1) {
      warnings.push({
        code: 'single_arm_split',
        message: `Node "${node.id}": a random split with one arm sends everyone the same way`,
        path: `$.nodes[${i}].arms`,
      });
    }
    node.arms.forEach((arm, j) => {
      if (arm.weight === 0) {
        warnings.push({ code: 'zero_weight_arm', message: `Node "${node.id}": arm "${arm.key}" has weight 0 and gets nobody`, path: `$.nodes[${i}].arms[${j}].weight` });
      }
    });
  });
  return warnings;
}
