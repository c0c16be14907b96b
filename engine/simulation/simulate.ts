/**
 * Simulates one customer through a compiled plan on a virtual clock: the interpreter's own state
 * machine (engine/interpreter.ts) driven by engine/virtual-run.ts over a {@link SimulationWorld},
 * so the path is the one production would take for the same facts. Pure: nothing is sent or stored.
 */
import type { ExecutionPlan } from '../plan.js';
import type { EnrollmentEntry, JourneyRunInput, RunDefaults, StepRecord } from '../runtime.js';
import { runOnVirtualClock, type ScriptedArrival } from '../virtual-run.js';
import { SimulationWorld, type SimulatedChannel, type SimulatedCustomer, type SimulatedEvent, type SimulatedMessage, type SimulatedPolicy } from './world.js';

/** A scripted event: when it arrives, when it happened, what it carries. */
export interface ScriptedEvent {
  name: string;
  /** Arrival (epoch ms): when the run is signalled and lookups can see it. */
  at: number;
  /** When it happened (epoch ms); decides wait-for-event windows. */
  eventTime: number;
  properties: Record<string, unknown>;
}

export interface SimulationInput {
  plan: ExecutionPlan;
  journeyId: string;
  /** `<journey>@<n>` for a version, `<journey>@draft` for the draft (random splits hash it). */
  versionId: string;
  customer: SimulatedCustomer;
  script: ScriptedEvent[];
  /** Properties of the trigger event, or the API payload. */
  entry?: Record<string, unknown>;
  start: number;
  horizonMs: number;
  channels: Record<string, SimulatedChannel>;
  policy: SimulatedPolicy;
  defaults: RunDefaults;
}

/** One line of the simulated path, in virtual time. */
export type TimelineEntry =
  | { at: string; type: 'enrolled'; entry: string }
  | { at: string; type: 'event'; name: string; eventTime: string; properties: Record<string, unknown> }
  | { at: string; type: 'node'; nodeId: string; kind: string; label: string | null }
  | { at: string; type: 'wait'; nodeId: string; until: string; detail: Record<string, unknown> }
  | { at: string; type: 'wait_ended'; nodeId: string; detail: Record<string, unknown> }
  | { at: string; type: 'decision'; nodeId: string; port: string | null; detail: Record<string, unknown> }
  | ({ at: string; type: 'message' } & Omit<SimulatedMessage, 'at'> & { at: string })
  | { at: string; type: 'action'; nodeId: string; action: string; status: string; detail: Record<string, unknown> }
  | { at: string; type: 'ended'; nodeId: string | null; status: string; reason: string; detail: Record<string, unknown> };

export interface SimulationResult {
  start: string;
  horizon: string;
  /** The run's end state, or `horizon` when it is still running at the horizon. */
  status: 'completed' | 'converted' | 'exited' | 'failed' | 'horizon';
  reason: string;
  /** Node ids entered, in order. */
  path: string[];
  /** Where a run still running at the horizon stands. */
  position: { nodeId: string; waitingUntil: string | null } | null;
  timeline: TimelineEntry[];
  /** Every touch: sent, suppressed (with the reason) or failed. */
  messages: (Omit<SimulatedMessage, 'at'> & { at: string })[];
  /** Step records as the real run would write them (for agreement with the workflow). */
  steps: StepRecord[];
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The run input production would build for this customer (enrollment id aside). */
export function simulationRunInput(input: SimulationInput): JourneyRunInput {
  const { plan, customer, start } = input;
  const payload = input.entry ?? {};
  const trigger = plan.trigger;
  let entry: EnrollmentEntry;
  if (trigger.kind === 'event') {
    entry = { kind: 'event', event: { eventId: 'simulation:entry', name: trigger.event, eventTime: start, properties: payload }, payload };
  } else if (trigger.kind === 'segment') {
    entry = { kind: 'segment', segment: trigger.segment, payload };
  } else {
    entry = { kind: 'api', payload };
  }
  return {
    enrollmentId: `simulation:${input.journeyId}:${customer.id}`,
    journeyId: input.journeyId,
    versionId: input.versionId,
    customerId: customer.id,
    plan,
    entry,
    enrolledAt: start,
    defaults: input.defaults,
  };
}

/** A simulation before it is formatted for reading: what figures over many customers need, cheaply. */
export interface SimulationRun {
  start: number;
  horizon: number;
  status: SimulationResult['status'];
  reason: string;
  path: string[];
  steps: StepRecord[];
  /** Touches with their instants in epoch ms. */
  messages: SimulatedMessage[];
  /** Where a run still running at the horizon stands. */
  position: { nodeId: string; waitingUntil: number | null } | null;
  /** The virtual clock when the run stopped. */
  now: number;
  /** The profile as the run left it (`update_traits`); a later run of the same customer starts from it. */
  traits: Record<string, unknown>;
}

/** Runs the simulation to the end of the run or the horizon, unformatted. */
export function runSimulation(input: SimulationInput): SimulationRun {
  const runInput = simulationRunInput(input);
  const entryEvent = runInput.entry.event;
  // The trigger event is stored when it enrolls the customer, like any other event.
  const events: SimulatedEvent[] = entryEvent ? [...input.customer.events, { ...entryEvent, arrivedAt: input.start }] : [...input.customer.events];
  const arrivals: ScriptedArrival[] = [];
  input.script.forEach((e, i) => {
    const event = { eventId: `simulation:${i}`, name: e.name, eventTime: e.eventTime, properties: e.properties };
    events.push({ ...event, arrivedAt: e.at });
    arrivals.push({ at: e.at, event });
  });
  const world = new SimulationWorld({ ...input.customer, events }, input.channels, input.policy);
  const horizon = input.start + input.horizonMs;
  const run = runOnVirtualClock(runInput, world, input.start, { arrivals, horizon });
  const base = { start: input.start, horizon, path: run.state.path, steps: run.writes.flatMap((w) => w.steps), messages: world.messages, now: run.now, traits: world.profile };
  if (run.outcome.type === 'complete') return { ...base, status: run.outcome.result.status, reason: run.outcome.result.reason, position: null };
  return { ...base, status: 'horizon', reason: 'horizon', position: { nodeId: run.state.nodeId, waitingUntil: run.state.waitingUntil } };
}

/** Runs the simulation to the end of the run or the horizon: the path as a reader sees it. */
export function simulate(input: SimulationInput): SimulationResult {
  const run = runSimulation(input);
  const messages = run.messages.map((m) => ({ ...m, at: iso(m.at) }));
  const events = input.script
    .filter((e) => e.at <= Math.min(run.now, run.horizon))
    .map((e): TimelineEntry => ({ at: iso(e.at), type: 'event', name: e.name, eventTime: iso(e.eventTime), properties: e.properties }));
  const timeline = mergeByTime(events, timelineOf(run.steps, run.messages));
  const position = run.position && { nodeId: run.position.nodeId, waitingUntil: run.position.waitingUntil === null ? null : iso(run.position.waitingUntil) };
  return { start: iso(run.start), horizon: iso(run.horizon), status: run.status, reason: run.reason, path: run.path, position, timeline, messages, steps: run.steps };
}

/** Step records as timeline lines; each action record is joined with the touch the world logged for it. */
function timelineOf(steps: StepRecord[], messages: SimulatedMessage[]): TimelineEntry[] {
  const touches = [...messages];
  return steps.map((step): TimelineEntry => {
    const at = iso(step.at);
    const nodeId = step.nodeId ?? '';
    const d = step.detail;
    switch (step.kind) {
      case 'enrolled':
        return { at, type: 'enrolled', entry: String(d.entry) };
      case 'node_entered':
        return { at, type: 'node', nodeId, kind: String(d.kind), label: (d.label as string | null) ?? null };
      case 'wait_started': {
        const { until, ...detail } = d;
        return { at, type: 'wait', nodeId, until: String(until), detail };
      }
      case 'wait_ended':
        return { at, type: 'wait_ended', nodeId, detail: d };
      case 'decision': {
        const { port, ...detail } = d;
        return { at, type: 'decision', nodeId, port: typeof port === 'string' ? port : null, detail };
      }
      case 'action': {
        const touch = touches[0]?.nodeId === nodeId && touches[0].at === step.at ? touches.shift() : undefined;
        if (touch) return { ...touch, at, type: 'message' };
        return { at, type: 'action', nodeId, action: String(d.action), status: String(d.status), detail: d };
      }
      case 'ended': {
        const { status, reason, ...detail } = d;
        return { at, type: 'ended', nodeId: step.nodeId, status: String(status), reason: String(reason), detail };
      }
      default:
        return { at, type: 'action', nodeId, action: step.kind, status: 'recorded', detail: d };
    }
  });
}

/** Events first when they share an instant with a step: the run reacts to an event after it arrives. */
function mergeByTime(events: TimelineEntry[], steps: TimelineEntry[]): TimelineEntry[] {
  const out: TimelineEntry[] = [];
  let i = 0;
  for (const step of steps) {
    while (i < events.length && events[i].at <= step.at) out.push(events[i++]);
    out.push(step);
  }
  return [...out, ...events.slice(i)];
}
