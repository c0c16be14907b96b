/**
 * Journey statistics assembled from grouped SQL rows: totals, per node, per branch, per random-split
 * arm and per local day. Pure: PostgreSQL does the counting (monitoring.service.ts), this module only
 * arranges counts under the plan's nodes and fills the days of the series.
 */
import { isBranchingKind, stepPorts, type ExecutionPlan, type PlanStep, type PlanStepKind } from '../../engine/plan.js';

import type { EndingRow, StatsRows } from '../../store/journey-stats.repository.js';
import { addSends, noSends, sendOutcomes, type SendOutcomes } from './send-outcomes.js';
import type { ConversionAfterEnd } from './conversions-after-end.js';

export type { SendOutcomes } from './send-outcomes.js';

/** The grouped rows come from the store (store/journey-stats.repository.ts). */
export type { ArmEndingRow, CurrentRow, EndingRow, EnteredRow, FlowRow, SendRow, StatsRows } from '../../store/journey-stats.repository.js';

/** A published version whose plan describes the nodes. */
export interface VersionPlan {
  version: number;
  plan: ExecutionPlan;
}

/** A node as a UI draws it: kind, label and where each port leads. */
export interface NodeInfo {
  nodeId: string;
  kind: PlanStepKind;
  label: string | null;
  /** Port -> next node id (`next` for single-exit nodes; none for exits). */
  next: Record<string, string>;
  /** Arms of a random split, in plan order. */
  arms?: { key: string; weight: number; control: boolean }[];
}

/** How an ending was counted: status (`completed`, `converted`, `exited`, `failed`) and reason. */
export interface ExitCount {
  status: string;
  reason: string | null;
  count: number;
}

export interface NodeStats extends NodeInfo {
  /** Enrollments that reached the node. */
  passed: number;
  /** Active runs waiting here now. */
  waiting: number;
  /** Active runs here now that are not waiting (executing, or between a wait's end and their next report). */
  inProgress: number;
  /** Decisions per port, for branching nodes; null for the others. */
  branches: Record<string, number> | null;
  /** What became of the node's touches, for action nodes that reach customers; null for the others. */
  messages: SendOutcomes | null;
}

export interface ArmStats {
  key: string;
  weight: number;
  control: boolean;
  entered: number;
  /** Runs that reached the goal, those converted after they ended included. */
  converted: number;
  /** Of `converted`: runs whose goal event came after they ended, within the conversion window. */
  convertedAfterEnd: number;
  conversionRate: number | null;
  exits: ExitCount[];
  /** The touches of runs that took this arm, all action nodes together. */
  messages: SendOutcomes;
}

export interface SeriesDay {
  /** Local calendar day, YYYY-MM-DD. */
  date: string;
  entered: number;
  converted: number;
  convertedAfterEnd: number;
  exits: ExitCount[];
  /** Only nodes with activity that day (`messages` for action nodes that touched customers that day). */
  nodes: Record<string, { passed: number; branches?: Record<string, number>; messages?: SendOutcomes }>;
  /** The touches asked for that day, all action nodes together. */
  messages: SendOutcomes;
  /** Random split -> arm -> entered / converted that day; only arms with activity. */
  arms: Record<string, Record<string, { entered: number; converted: number }>>;
}

export interface StatsReport {
  totals: {
    entered: number;
    /** Runs that reached the goal, those converted after they ended (conversion window) included. */
    converted: number;
    /** Of `converted`: runs whose goal event came after they ended, within the conversion window. */
    convertedAfterEnd: number;
    conversionRate: number | null;
    exits: ExitCount[];
    pending: number;
    waiting: number;
    inProgress: number;
    messages: SendOutcomes;
  };
  nodes: NodeStats[];
  randomSplits: { nodeId: string; label: string | null; arms: ArmStats[] }[];
  series: SeriesDay[];
}

/** `converted / entered`, 4 decimals; null when nobody entered. */
export function conversionRate(converted: number, entered: number): number | null {
  return entered > 0 ? Math.round((converted / entered) * 10_000) / 10_000 : null;
}

/** Every calendar day from `from` to `to` inclusive (YYYY-MM-DD); empty when `to` is before `from`. */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let ms = Date.parse(`${from}T00:00:00Z`); ms <= Date.parse(`${to}T00:00:00Z`); ms += 86_400_000) {
    days.push(new Date(ms).toISOString().slice(0, 10));
  }
  return days;
}

function nextOf(step: PlanStep): Record<string, string> {
  if (step.kind === 'exit') return {};
  const next: Record<string, string> = typeof step.next === 'string' ? { next: step.next } : step.next;
  return Object.fromEntries(stepPorts(step).map((port) => [port, next[port]]));
}

/** The plan's steps in topological order from the start node (a step after all steps leading to it), ports in canvas order. */
export function stepsInOrder(plan: ExecutionPlan): PlanStep[] {
  const steps = Object.values(plan.nodes);
  const incoming = new Map<string, number>();
  for (const step of steps) for (const to of Object.values(nextOf(step))) incoming.set(to, (incoming.get(to) ?? 0) + 1);
  const ordered: PlanStep[] = [];
  const queue = [plan.startNodeId];
  while (queue.length > 0) {
    const step = plan.nodes[queue.shift()!];
    if (!step) continue;
    ordered.push(step);
    for (const to of Object.values(nextOf(step))) {
      const left = (incoming.get(to) ?? 0) - 1;
      incoming.set(to, left);
      if (left === 0) queue.push(to);
    }
  }
  const reached = new Set(ordered);
  return [...ordered, ...steps.filter((s) => !reached.has(s))];
}

/** The nodes of the given versions, newest version first; a node id keeps the shape of its newest version. */
export function planNodes(versions: VersionPlan[]): NodeInfo[] {
  const nodes = new Map<string, NodeInfo>();
  for (const { plan } of [...versions].sort((a, b) => b.version - a.version)) {
    for (const step of stepsInOrder(plan)) {
      if (nodes.has(step.id)) continue;
      const info: NodeInfo = { nodeId: step.id, kind: step.kind, label: step.label ?? null, next: nextOf(step) };
      if (step.kind === 'random_split') info.arms = step.arms.map((a) => ({ key: a.key, weight: a.weight, control: a.control }));
      nodes.set(step.id, info);
    }
  }
  return [...nodes.values()];
}

/** Adds `count` under `key`, creating it at 0. */
function bump<K>(map: Map<K, number>, key: K, count: number): void {
  map.set(key, (map.get(key) ?? 0) + count);
}

/** Exit counts merged by status and reason, largest first (ties by status, then reason). */
export function mergeExits(rows: Pick<EndingRow, 'status' | 'reason' | 'count'>[]): ExitCount[] {
  const merged = new Map<string, ExitCount>();
  for (const r of rows) {
    const key = JSON.stringify([r.status, r.reason]);
    const seen = merged.get(key);
    if (seen) seen.count += r.count;
    else merged.set(key, { status: r.status, reason: r.reason, count: r.count });
  }
  return [...merged.values()].sort(
    (a, b) => b.count - a.count || a.status.localeCompare(b.status) || (a.reason ?? '').localeCompare(b.reason ?? ''),
  );
}

const convertedIn = (rows: Pick<EndingRow, 'status' | 'count'>[]) =>
  rows.reduce((sum, r) => sum + (r.status === 'converted' ? r.count : 0), 0);


/**
 * Arranges the grouped rows under the nodes. The series runs from `range.from` to `range.to` (local
 * days, inclusive); a null bound becomes the first or last day with activity (or the other bound).
 * `afterEnd`: runs converted after they ended (conversions-after-end.ts), added to `converted`.
 */
export function buildStats(
  nodes: NodeInfo[],
  rows: StatsRows,
  range: { from: string | null; to: string | null },
  afterEnd: ConversionAfterEnd[] = [],
): StatsReport {
  const known = new Map(nodes.map((n) => [n.nodeId, n]));
  const passed = new Map<string, number>();
  const branches = new Map<string, Map<string, number>>();
  for (const r of rows.flow) {
    if (r.port === null) {
      bump(passed, r.nodeId, r.count);
      continue;
    }
    let ports = branches.get(r.nodeId);
    if (!ports) branches.set(r.nodeId, (ports = new Map()));
    bump(ports, r.port, r.count);
  }
  const waiting = new Map<string | null, number>();
  const inProgress = new Map<string | null, number>();
  let pending = 0;
  for (const r of rows.current) {
    if (r.status === 'pending') pending += r.count;
    else bump(r.waiting ? waiting : inProgress, r.nodeId, r.count);
  }

  const nodeStats: NodeStats[] = nodes.map((n) => {
    let counts: Record<string, number> | null = null;
    if (isBranchingKind(n.kind)) {
      counts = Object.fromEntries(Object.keys(n.next).map((port) => [port, 0]));
      for (const [port, count] of branches.get(n.nodeId) ?? []) counts[port] = (counts[port] ?? 0) + count;
    }
    return {
      ...n,
      passed: passed.get(n.nodeId) ?? 0,
      waiting: waiting.get(n.nodeId) ?? 0,
      inProgress: inProgress.get(n.nodeId) ?? 0,
      branches: counts,
      messages: n.kind === 'action' ? sendOutcomes(rows.sends, (r) => r.nodeId === n.nodeId) : null,
    };
  });

  const randomSplits = nodes
    .filter((n) => n.kind === 'random_split')
    .map((n) => ({
      nodeId: n.nodeId,
      label: n.label,
      arms: (n.arms ?? []).map((arm): ArmStats => {
        const endings = rows.armEndings.filter((r) => r.nodeId === n.nodeId && r.arm === arm.key);
        const entered = branches.get(n.nodeId)?.get(arm.key) ?? 0;
        const late = afterEnd.filter((c) => c.arms.some((a) => a.nodeId === n.nodeId && a.arm === arm.key)).length;
        const converted = convertedIn(endings) + late;
        const messages = sendOutcomes(rows.armSends, (r) => r.splitNodeId === n.nodeId && r.arm === arm.key);
        const exits = mergeExits(endings);
        return { ...arm, entered, converted, convertedAfterEnd: late, conversionRate: conversionRate(converted, entered), exits, messages };
      }),
    }));

  const entered = rows.entered.reduce((sum, r) => sum + r.count, 0);
  const converted = convertedIn(rows.endings) + afterEnd.length;
  return {
    totals: {
      entered,
      converted,
      convertedAfterEnd: afterEnd.length,
      conversionRate: conversionRate(converted, entered),
      exits: mergeExits(rows.endings),
      pending,
      waiting: sumValues(waiting),
      inProgress: sumValues(inProgress),
      messages: sendOutcomes(rows.sends),
    },
    nodes: nodeStats,
    randomSplits,
    series: buildSeries(rows, known, range, afterEnd),
  };
}

function sumValues(map: Map<unknown, number>): number {
  return [...map.values()].reduce((a, b) => a + b, 0);
}

/** One entry per local day of the range, zeros included; per-node and per-arm maps hold only activity. */
export function buildSeries(
  rows: Pick<StatsRows, 'entered' | 'endings' | 'flow' | 'armEndings'> & Partial<Pick<StatsRows, 'sends'>>,
  nodes: Map<string, NodeInfo>,
  range: { from: string | null; to: string | null },
  afterEnd: ConversionAfterEnd[] = [],
): SeriesDay[] {
  const sends = rows.sends ?? [];
  const active = [...rows.entered, ...rows.endings, ...rows.flow, ...rows.armEndings, ...sends, ...afterEnd].map((r) => r.day).sort();
  const from = range.from ?? active[0] ?? range.to;
  const to = range.to ?? active[active.length - 1] ?? range.from;
  if (from === undefined || to === undefined) return [];
  const days = new Map<string, SeriesDay>(
    daysBetween(from, to).map((date) => [date, { date, entered: 0, converted: 0, convertedAfterEnd: 0, exits: [], nodes: {}, arms: {}, messages: noSends() }]),
  );
  for (const r of rows.entered) {
    const day = days.get(r.day);
    if (day) day.entered += r.count;
  }
  for (const [date, endings] of groupBy(rows.endings, (r) => r.day)) {
    const day = days.get(date);
    if (!day) continue;
    day.exits = mergeExits(endings);
    day.converted = convertedIn(endings);
  }
  for (const r of rows.flow) {
    const day = days.get(r.day);
    if (!day) continue;
    const node = (day.nodes[r.nodeId] ??= { passed: 0 });
    if (r.port === null) {
      node.passed += r.count;
      continue;
    }
    node.branches = { ...node.branches, [r.port]: (node.branches?.[r.port] ?? 0) + r.count };
    if (nodes.get(r.nodeId)?.kind === 'random_split') arm(day, r.nodeId, r.port).entered += r.count;
  }
  for (const r of rows.armEndings) {
    const day = days.get(r.day);
    if (day && r.status === 'converted') arm(day, r.nodeId, r.arm).converted += r.count;
  }
  for (const c of afterEnd) {
    const day = days.get(c.day);
    if (!day) continue;
    day.converted++;
    day.convertedAfterEnd++;
    for (const a of c.arms) arm(day, a.nodeId, a.arm).converted++;
  }
  for (const r of sends) {
    const day = days.get(r.day);
    if (!day) continue;
    addSends(day.messages, r);
    addSends((day.nodes[r.nodeId] ??= { passed: 0 }).messages ??= noSends(), r);
  }
  return [...days.values()];
}

function arm(day: SeriesDay, nodeId: string, key: string): { entered: number; converted: number } {
  const arms = (day.arms[nodeId] ??= {});
  return (arms[key] ??= { entered: 0, converted: 0 });
}

function groupBy<T>(items: T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}
