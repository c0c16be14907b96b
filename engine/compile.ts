/**
 * Compiles a validated canvas into the normalized ExecutionPlan the interpreter workflow runs:
 * durations in ms, defaults filled in, `next` maps built from edges. Pure; no I/O.
 */
import { BUILTIN_ACTIONS } from './actions.js';
import type { Canvas, CanvasNode, ExitCriterion } from './canvas.js';
import { parseDuration } from './duration.js';
import { parseQuietHours } from './policy.js';
import type { DocumentIssue } from './errors.js';
import { PLAN_VERSION, type ExecutionPlan, type PlanExitCriterion, type PlanReentry, type PlanStep } from './plan.js';
import { upgradeCanvas } from './canvas-upgrade.js';
import { kindOf } from './nodes/index.js';
import { validateCanvas, type CompileOptions } from './validate.js';

export type { CompileOptions } from './validate.js';

/** The plan and non-blocking warnings, or every error found in the canvas. */
export type CompileResult =
  | { ok: true; plan: ExecutionPlan; warnings: DocumentIssue[] }
  | { ok: false; errors: DocumentIssue[] };

/** Validates `doc` and, when it is valid, compiles it into an ExecutionPlan. */
export function compileCanvas(doc: unknown, options: CompileOptions = {}): CompileResult {
  // Format 1 is upgraded once here; validateCanvas finds format 2 and reads it as it is.
  const upgraded = upgradeCanvas(doc);
  const errors = validateCanvas(upgraded, options);
  if (errors.length > 0) return { ok: false, errors };
  const canvas = upgraded as Canvas;

  const next = new Map<string, Record<string, string>>();
  for (const edge of canvas.edges) {
    const ports = next.get(edge.from) ?? {};
    ports[edge.port ?? 'next'] = edge.to;
    next.set(edge.from, ports);
  }
  const portsOf = (id: string): Record<string, string> => next.get(id) ?? {};

  const trigger = canvas.nodes.find((n) => n.type === 'trigger')!;
  const actions = options.actions ?? BUILTIN_ACTIONS;
  const nodes: Record<string, PlanStep> = {};
  for (const node of canvas.nodes) {
    if (node.type === 'trigger') continue;
    const step = compileNode(node, portsOf(node.id));
    // An action node without a category takes its action's default (marketing unless the channel says otherwise).
    if (step.kind === 'action' && node.type === 'action' && node.category === undefined) {
      step.category = actions[node.action]?.defaultCategory ?? 'marketing';
    }
    nodes[node.id] = step;
  }

  const watched = new Set<string>();
  if (canvas.goal) watched.add(canvas.goal.event);
  for (const criterion of canvas.exitCriteria ?? []) if ('event' in criterion) watched.add(criterion.event);
  for (const node of canvas.nodes) for (const event of kindOf(node).watchedEvents?.(node) ?? []) watched.add(event);

  const plan: ExecutionPlan = {
    planVersion: PLAN_VERSION,
    name: canvas.name,
    trigger: trigger.trigger,
    startNodeId: portsOf(trigger.id).next,
    nodes,
    exitCriteria: (canvas.exitCriteria ?? []).map(compileExitCriterion),
    reentry: compileReentry(canvas),
    timeZone: canvas.settings?.timeZone ?? null,
    watchedEvents: [...watched].sort(),
  };
  if (canvas.settings?.entryLimit !== undefined) plan.entryLimit = canvas.settings.entryLimit;
  if (canvas.goal) {
    plan.goal = { event: canvas.goal.event, where: canvas.goal.where ?? [] };
    if (canvas.settings?.conversionWindow) plan.goal.conversionWindowMs = parseDuration(canvas.settings.conversionWindow);
  }
  const quiet = Object.entries(canvas.settings?.quietHours ?? {});
  if (quiet.length > 0) plan.quietHours = Object.fromEntries(quiet.map(([action, window]) => [action, parseQuietHours(window)]));
  return { ok: true, plan, warnings: warningsFor(canvas) };
}

function compileNode(node: CanvasNode, next: Record<string, string>): PlanStep {
  const base = { id: node.id, ...(node.label !== undefined ? { label: node.label } : {}) };
  const compile = kindOf(node).compile;
  if (!compile) throw new Error(`node "${node.id}" of type ${node.type} is not a step`);
  return compile(node, next, base);
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

/** Legal but probably unintended constructs, as each node's kind sees them. */
function warningsFor(canvas: Canvas): DocumentIssue[] {
  return canvas.nodes.flatMap((node, i) => kindOf(node).warnings?.(node, `$.nodes[${i}]`) ?? []);
}
