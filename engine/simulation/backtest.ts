/**
 * Backtests, pure: one stored customer replayed through a plan (the entry their stored events would
 * have triggered in the window, then the events they really had afterwards), and the figures many
 * such runs add up to. The simulation itself is engine/simulation/simulate.ts: the same interpreter
 * as production. Figures are plain counters, so pages computed apart merge by addition.
 */
import { eventPasses } from '../event-filter.js';
import type { ExecutionPlan } from '../plan.js';
import { reentryRefusal, type ReentryRefusal } from '../reentry.js';
import type { FrequencyCap } from '../policy.js';
import type { CustomerEvent, RunDefaults } from '../runtime.js';
import { runSimulation, type SimulationRun } from './simulate.js';
import type { SimulatedChannel } from './world.js';

const HOUR = 3_600_000;

/** What every customer of one backtest shares: the plan, the channels and policy, the window. */
export interface BacktestSpec {
  plan: ExecutionPlan;
  journeyId: string;
  /** `<journey>@<n>` or `<journey>@draft` (random splits hash it). */
  versionId: string;
  channels: Record<string, SimulatedChannel>;
  caps: Record<string, FrequencyCap>;
  defaults: RunDefaults;
  /** Entries count from `from` (inclusive) to `to` (exclusive), epoch ms. */
  from: number;
  to: number;
  /** How long each customer is followed after their entry. */
  horizonMs: number;
  /** No one is followed past this instant (when the backtest was asked for: later events do not exist yet). */
  runUntil: number;
}

/** One stored customer, as read for a backtest: every event the plan (and its trigger) reads, in time order. */
export interface StoredCustomer {
  id: string;
  traits: Record<string, unknown>;
  events: CustomerEvent[];
  /** Segment memberships the plan reads, decided at the entry. */
  segments: Record<string, boolean>;
  /** Marketing touches really sent before the entry, for frequency caps. */
  sentBefore: { action: string; at: number }[];
}

/** The customer's stored events in the window that the plan's trigger accepts, in time order: the entries they would have asked for. */
export function entryEventsOf(plan: ExecutionPlan, spec: Pick<BacktestSpec, 'from' | 'to'>, events: CustomerEvent[]): CustomerEvent[] {
  const trigger = plan.trigger;
  if (trigger.kind !== 'event') return [];
  const entries = events.filter((e) => e.name === trigger.event && e.eventTime >= spec.from && e.eventTime < spec.to && eventPasses(plan.planVersion, e, trigger.where));
  return entries.sort((a, b) => a.eventTime - b.eventTime);
}

/** The customer's first stored event in the window that the plan's trigger accepts; null when none would have triggered it. */
export function entryEventOf(plan: ExecutionPlan, spec: Pick<BacktestSpec, 'from' | 'to'>, events: CustomerEvent[]): CustomerEvent | null {
  return entryEventsOf(plan, spec, events)[0] ?? null;
}

/** One customer's replay: every run their triggers would have started, and the triggers re-entry refused, by reason. */
export interface CustomerReplay {
  runs: SimulationRun[];
  refused: Partial<Record<ReentryRefusal, number>>;
}

/**
 * Replays one customer: a run for each trigger in the window that the journey's re-entry policy lets
 * in (the first always), each with the events before its entry as stored history and those after it
 * (up to the horizon) arriving when they happened. A later run starts from the profile the earlier one
 * left (`update_traits`), and caps count the earlier runs' sends. Null when no stored event in the
 * window would have triggered the plan.
 */
export function backtestCustomer(spec: BacktestSpec, customer: StoredCustomer): CustomerReplay | null {
  const entries = entryEventsOf(spec.plan, spec, customer.events);
  if (entries.length === 0) return null;
  const replay: CustomerReplay = { runs: [], refused: {} };
  let traits = customer.traits;
  for (const entry of entries) {
    const previous = replay.runs[replay.runs.length - 1];
    if (previous) {
      const refusal = reentryRefusal(spec.plan.reentry, previous.status === 'horizon' ? null : previous.now, entry.eventTime);
      if (refusal) {
        replay.refused[refusal] = (replay.refused[refusal] ?? 0) + 1;
        continue;
      }
    }
    const earlierSends = replay.runs.flatMap((r) => r.messages.filter((m) => m.category === 'marketing' && m.status === 'sent').map((m) => ({ action: m.action, at: m.at })));
    const run = replayEntry(spec, { ...customer, traits }, entry, earlierSends);
    traits = run.traits;
    replay.runs.push(run);
  }
  return replay;
}

/** One run: entered at `entry`, followed to the horizon or the time the backtest was asked for. */
function replayEntry(spec: BacktestSpec, customer: StoredCustomer, entry: CustomerEvent, earlierSends: { action: string; at: number }[]): SimulationRun {
  const start = entry.eventTime;
  const end = Math.min(start + spec.horizonMs, spec.runUntil);
  const history = [];
  const script = [];
  for (const e of customer.events) {
    if (e.eventId === entry.eventId) continue;
    if (e.eventTime <= start) history.push({ ...e, arrivedAt: e.eventTime });
    else if (e.eventTime <= end) script.push({ name: e.name, at: e.eventTime, eventTime: e.eventTime, properties: e.properties });
  }
  script.sort((a, b) => a.at - b.at);
  return runSimulation({
    plan: spec.plan,
    journeyId: spec.journeyId,
    versionId: spec.versionId,
    customer: { id: customer.id, traits: customer.traits, events: history, segments: customer.segments },
    script,
    entry: entry.properties,
    start,
    horizonMs: Math.max(1, end - start),
    channels: spec.channels,
    policy: { caps: spec.caps, sentBefore: [...customer.sentBefore.filter((s) => s.at < start), ...earlierSends] },
    defaults: spec.defaults,
  });
}

/** Counters by key. */
export type Counts = Record<string, number>;

/** What a backtest reports; every field a sum, so pages merge by addition. */
export interface BacktestFigures {
  /** Customers taken (candidates with a trigger-named event in the window). */
  customers: number;
  /** Runs entered: customers whose stored events would have triggered the journey (the trigger's filters hold), and each re-entry the journey's policy allowed. */
  entered: number;
  /** Of `entered`, the runs after a customer's first (re-entries). */
  reentered: number;
  /** Later triggers that re-entry refused, by reason: already_enrolled (still in the journey), reentry_not_allowed (`once`), cooldown. */
  refused: Counts;
  /** Times each node was entered. */
  nodes: Counts;
  /** Times each edge was taken, keyed `from->to`. */
  edges: Counts;
  /** Per decision node, how many went out of each port. */
  branches: Record<string, Counts>;
  /** Goal reached, and time to goal in whole hours after the entry (a histogram). */
  goal: { reached: number; hoursToGoal: Counts };
  /** Touches per channel (action) by outcome: sent, suppressed, failed. */
  messages: Record<string, Counts>;
  /** Touches held back, by reason code (no_consent, frequency_cap). */
  suppressions: Counts;
  /** How runs ended, by status then reason; `horizon` counts those still in the journey when followed no further. */
  ended: Record<string, Counts>;
}

export function emptyFigures(): BacktestFigures {
  return { customers: 0, entered: 0, reentered: 0, refused: {}, nodes: {}, edges: {}, branches: {}, goal: { reached: 0, hoursToGoal: {} }, messages: {}, suppressions: {}, ended: {} };
}

const bump = (counts: Counts, key: string, by = 1) => {
  counts[key] = (counts[key] ?? 0) + by;
};

/** Adds one customer's replay (null: taken but not triggered) to `figures`, in place. */
export function addToFigures(figures: BacktestFigures, replay: CustomerReplay | null): void {
  figures.customers++;
  if (!replay) return;
  replay.runs.forEach((run, i) => {
    if (i > 0) figures.reentered++;
    addRun(figures, run);
  });
  for (const [reason, n] of Object.entries(replay.refused)) bump(figures.refused, reason, n);
}

function addRun(figures: BacktestFigures, result: SimulationRun): void {
  figures.entered++;
  result.path.forEach((nodeId, i) => {
    bump(figures.nodes, nodeId);
    if (i > 0) bump(figures.edges, `${result.path[i - 1]}->${nodeId}`);
  });
  for (const step of result.steps) {
    if (step.kind === 'decision' && step.nodeId && typeof step.detail.port === 'string') bump((figures.branches[step.nodeId] ??= {}), step.detail.port);
  }
  for (const m of result.messages) {
    bump((figures.messages[m.action] ??= {}), m.status);
    if (m.status === 'suppressed' && m.reason) bump(figures.suppressions, m.reason.code);
  }
  bump((figures.ended[result.status] ??= {}), result.reason);
  if (result.status === 'converted') {
    figures.goal.reached++;
    const ended = result.steps.find((s) => s.kind === 'ended');
    const hours = Math.floor(((ended?.at ?? result.start) - result.start) / HOUR);
    bump(figures.goal.hoursToGoal, String(hours));
  }
}

/** `a + b`, neither changed. */
export function mergeFigures(a: BacktestFigures, b: BacktestFigures): BacktestFigures {
  const add = (x: Counts, y: Counts) => {
    const out = { ...x };
    for (const [k, v] of Object.entries(y)) bump(out, k, v);
    return out;
  };
  const addNested = (x: Record<string, Counts>, y: Record<string, Counts>) => {
    const out: Record<string, Counts> = { ...x };
    for (const [k, v] of Object.entries(y)) out[k] = add(out[k] ?? {}, v);
    return out;
  };
  return {
    customers: a.customers + b.customers,
    entered: a.entered + b.entered,
    // Figures stored before re-entries were replayed have neither field.
    reentered: (a.reentered ?? 0) + (b.reentered ?? 0),
    refused: add(a.refused ?? {}, b.refused ?? {}),
    nodes: add(a.nodes, b.nodes),
    edges: add(a.edges, b.edges),
    branches: addNested(a.branches, b.branches),
    goal: { reached: a.goal.reached + b.goal.reached, hoursToGoal: add(a.goal.hoursToGoal, b.goal.hoursToGoal) },
    messages: addNested(a.messages, b.messages),
    suppressions: add(a.suppressions, b.suppressions),
    ended: addNested(a.ended, b.ended),
  };
}

/** Derived reading aids: each branch's share of its decision, goal conversion rate and time-to-goal percentiles (hours). */
export interface FigureSummary {
  branchShares: Record<string, Record<string, number>>;
  conversionRate: number | null;
  hoursToGoal: { p50: number; p90: number; max: number } | null;
}

export function summarizeFigures(f: BacktestFigures): FigureSummary {
  const branchShares = Object.fromEntries(
    Object.entries(f.branches).map(([node, ports]) => {
      const total = Object.values(ports).reduce((s, n) => s + n, 0);
      return [node, Object.fromEntries(Object.entries(ports).map(([port, n]) => [port, round(n / total)]))];
    }),
  );
  const hours = Object.entries(f.goal.hoursToGoal)
    .map(([h, n]) => [Number(h), n] as const)
    .sort((a, b) => a[0] - b[0]);
  const percentile = (p: number) => {
    const rank = Math.ceil(p * f.goal.reached);
    let seen = 0;
    for (const [h, n] of hours) if ((seen += n) >= rank) return h;
    return hours[hours.length - 1][0];
  };
  return {
    branchShares,
    conversionRate: f.entered === 0 ? null : round(f.goal.reached / f.entered),
    hoursToGoal: f.goal.reached === 0 ? null : { p50: percentile(0.5), p90: percentile(0.9), max: hours[hours.length - 1][0] },
  };
}

const round = (x: number) => Math.round(x * 10_000) / 10_000;
