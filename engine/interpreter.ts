/**
 * The interpreter as a state machine: `stepRun(input, state, message, clock) -> { state, command }`.
 *
 * Node semantics live here, free of Temporal: the workflow (workflows/journey-run.ts) is a thin
 * driver that carries out each command (an activity, a timer, a patch check, continue-as-new) and
 * feeds the outcome back as the next message; a simulation can drive the same machine on a virtual
 * clock. Signals are folded in by `receiveEvent` / `receiveExit` between steps.
 *
 * The machine asks for exactly one command at a time, in the order the interpreter has always
 * issued them, so histories recorded from earlier workflow code keep replaying.
 */
import type { Condition } from './conditions.js';
import { describeRule } from './segments/describe.js';
import type { JourneyCondition } from './segments/types.js';
import { EngineError } from './errors.js';
import { describeCondition } from './evaluate.js';
import { eventPasses, RULE_FILTERS_PLAN_VERSION } from './event-filter.js';
import type { ExecutionPlan, PlanCondition, PlanStep } from './plan.js';
import { quietHoursEnd, type QuietHours } from './policy.js';
import { pickArm, spreadOffsetMs } from './random.js';
import type {
  ActionOutcome,
  ActionRequest,
  CustomerEvent,
  CustomerSnapshot,
  EnrollmentPatch,
  EvaluateConditionsInput,
  EvaluateConditionsResult,
  FindEventInput,
  JourneyRunInput,
  JourneyRunResult,
  RecordStepsInput,
  ResumeState,
  RunStatus,
  StepKind,
  StepRecord,
} from './runtime.js';
import { isValidTimeZone, nextLocalTimeOfDay, parseInstant } from './time.js';

/** Patch id: the `enrolled` step is written with the first wait when the run starts with one. */
export const ENROLLED_WITH_FIRST_WAIT = 'enrolled-with-first-wait';
/** Patch id: the same for a run that starts with a wait for an event (the onboarding journey's shape). */
export const ENROLLED_WITH_FIRST_EVENT_WAIT = 'enrolled-with-first-event-wait';

const MAX_SEEN_EVENT_IDS = 500;
const MAX_INBOX = 200;

/** How a run ends. */
export interface Ending {
  status: RunStatus;
  reason: string;
  detail?: Record<string, unknown>;
}

/** What the driver knows about its surroundings when it takes a step. */
export interface RunClock {
  /** Epoch ms (the workflow's clock, or the simulation's). */
  now: number;
  /** Events in the run's history so far (0 where there is no history). */
  historyLength: number;
  /** The server suggests continuing as new. */
  continueAsNewSuggested: boolean;
}

/** A wait in progress: a plain timer, a wait-for-event window, or quiet hours before a touch. */
export type ActiveWait =
  | { purpose: 'plain' | 'quiet'; until: number }
  | { purpose: 'event'; windowStart: number; windowEnd: number };

/** Where the machine stands between commands: what the next message answers. */
export type RunPhase =
  | { at: 'start' }
  | { at: 'start_patch' }
  | { at: 'loop' }
  | { at: 'criteria' }
  | { at: 'plain_zone'; startedAt: number }
  | { at: 'wait_begin'; wait: ActiveWait }
  | { at: 'event_announced'; wait: Extract<ActiveWait, { purpose: 'event' }>; match: CustomerEvent | null }
  /** `afterWaiting`: the lookup after the wait decides; the one before it only spares the wait. */
  | { at: 'event_find'; wait: Extract<ActiveWait, { purpose: 'event' }>; afterWaiting: boolean }
  | { at: 'waiting'; wait: ActiveWait }
  | { at: 'deciding' }
  | { at: 'quiet_zone'; startedAt: number; quiet: QuietHours }
  | { at: 'performing' }
  | { at: 'continuing'; wait?: ResumeState['wait'] }
  | { at: 'finishing'; result: JourneyRunResult }
  | { at: 'done' };

/** The whole interpreter state: plain JSON, owned by whoever drives the machine. */
export interface RunState {
  nodeId: string;
  nextSeq: number;
  /** Event ids already handled, newest last (bounded). */
  seenEventIds: string[];
  /** Events that may still satisfy a wait-for-event window. */
  inbox: CustomerEvent[];
  path: string[];
  startedAt: number;
  /** The wait a continued run resumes at its node (consumed when the node runs again). */
  pendingWait?: ResumeState['wait'];
  waitingUntil: number | null;
  /** Set by a goal, an exit criterion or an exit request; the run ends at its next step. */
  ending: Ending | null;
  /** Step records not yet written. */
  buffer: StepRecord[];
  ended: boolean;
  phase: RunPhase;
}

/** What the driver must do next. Exactly one per step. */
export type RunCommand =
  | { type: 'patched'; patchId: string }
  | { type: 'record_steps'; request: RecordStepsInput }
  | { type: 'evaluate'; request: EvaluateConditionsInput }
  | { type: 'find_event'; request: FindEventInput }
  | { type: 'load_customer'; customerId: string }
  | { type: 'perform_action'; request: ActionRequest }
  /** Block until `until`, the run's ending, `waitIsOver`, or a history that has grown too long. */
  | { type: 'wait'; until: number }
  /** Continue as new with `resumeStateOf(state, wait)` (taken once signal handlers have finished). */
  | { type: 'continue_as_new'; wait?: ResumeState['wait'] }
  | { type: 'complete'; result: JourneyRunResult };

/** The outcome of the previous command. `activity_failed` answers evaluate, find_event and perform_action. */
export type RunMessage =
  | { type: 'start' }
  | { type: 'patched'; value: boolean }
  | { type: 'recorded' }
  | { type: 'evaluated'; result: EvaluateConditionsResult }
  | { type: 'found'; event: CustomerEvent | null }
  | { type: 'customer_loaded'; customer: Pick<CustomerSnapshot, 'timeZone'> }
  | { type: 'performed'; outcome: ActionOutcome }
  | { type: 'activity_failed'; code: string; message: string }
  | { type: 'woke' };

/** The machine's state for a new run, or for a run continued from `input.resume`. */
export function initialRunState(input: JourneyRunInput, now: number): RunState {
  const resume = input.resume;
  return {
    nodeId: resume?.nodeId ?? input.plan.startNodeId,
    nextSeq: resume?.nextSeq ?? 0,
    seenEventIds: [...(resume?.seenEventIds ?? [])],
    inbox: [...(resume?.inbox ?? [])],
    path: [...(resume?.path ?? [])],
    startedAt: resume?.startedAt ?? now,
    pendingWait: resume?.wait,
    waitingUntil: null,
    ending: null,
    buffer: [],
    ended: false,
    phase: { at: 'start' },
  };
}

/** Takes one step: applies `message` (the outcome of the previous command) and says what to do next. */
export function stepRun(input: JourneyRunInput, state: RunState, message: RunMessage, clock: RunClock): { state: RunState; command: RunCommand } {
  const step = new Step(input, copyState(state), clock);
  try {
    return { command: step.resume(message), state: step.s };
  } catch (err) {
    // Time arithmetic that cannot be done (an instant beyond what a Date holds, from a plan stored
    // before durations were bounded) ends the run as failed, visibly, instead of failing the
    // workflow task forever. Other errors are bugs: they stay thrown, so a fixed worker resumes the run.
    if (!(err instanceof RangeError || err instanceof EngineError) || state.phase.at === 'finishing' || state.phase.at === 'done') throw err;
    // The step's own copy: what it recorded before it failed (the node entered) stays on record.
    return { command: step.fail(err), state: step.s };
  }
}

/** Folds a customer event into the state: dedupe, goal, event exit criteria, or the inbox of a wait. */
export function receiveEvent(input: JourneyRunInput, state: RunState, event: CustomerEvent): RunState {
  if (state.seenEventIds.includes(event.eventId)) return state;
  const s = { ...state, seenEventIds: [...state.seenEventIds], inbox: [...state.inbox] };
  s.seenEventIds.push(event.eventId);
  if (s.seenEventIds.length > MAX_SEEN_EVENT_IDS) s.seenEventIds.shift();
  if (s.ending) return s;
  const { plan } = input;
  // Built only for an ending: most events end nothing, and a backtest folds millions of them.
  const summary = () => ({ eventId: event.eventId, name: event.name, eventTime: iso(event.eventTime) });
  if (plan.goal && event.name === plan.goal.event && eventPasses(plan.planVersion, event, plan.goal.where)) {
    s.ending = { status: 'converted', reason: 'goal_reached', detail: { event: summary() } };
    return s;
  }
  for (const criterion of plan.exitCriteria) {
    if (criterion.kind === 'event' && criterion.event === event.name && eventPasses(plan.planVersion, event, criterion.where)) {
      s.ending = { status: 'exited', reason: criterion.reason, detail: { criterion: criterion.id, event: summary() } };
      return s;
    }
  }
  if (waitedEvents(input).has(event.name)) {
    s.inbox.push(event);
    if (s.inbox.length > MAX_INBOX) s.inbox.shift();
  }
  return s;
}

/** Folds an exit request (support staff, journey stop) into the state; the first ending wins. */
export function receiveExit(state: RunState, request: { reason: string; requestedBy?: string }): RunState {
  if (state.ending) return state;
  return { ...state, ending: { status: 'exited', reason: request.reason, detail: { requestedBy: request.requestedBy ?? null } } };
}

/** True when the wait in progress is over before its deadline: the run is ending, or a waited event is in. */
export function waitIsOver(input: JourneyRunInput, state: RunState): boolean {
  if (state.ending) return true;
  return state.phase.at === 'waiting' && waitReady(input, state, state.phase.wait);
}

/** The position carried across continue-as-new. */
export function resumeStateOf(state: RunState, wait: ResumeState['wait']): ResumeState {
  return { nodeId: state.nodeId, nextSeq: state.nextSeq, seenEventIds: state.seenEventIds, inbox: state.inbox, wait, path: state.path, startedAt: state.startedAt };
}

/** True when the run should hand over to a fresh execution before its history grows further. */
export function historyTooLong(input: JourneyRunInput, clock: RunClock): boolean {
  return clock.continueAsNewSuggested || clock.historyLength > input.defaults.maxHistoryEvents;
}

// ---- internals ----

type PlainWaitStep = Extract<PlanStep, { kind: 'wait_duration' | 'wait_until' | 'wait_time_of_day' }>;
type EventWait = Extract<ActiveWait, { purpose: 'event' }>;

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The copy a step works on. A step appends to `path` and `buffer` only; `seenEventIds` and `inbox`
 * change only in receiveEvent, which copies them itself, so a step shares them with the state it got
 * (a backtest takes millions of steps: copying them all was its largest single cost).
 */
function copyState(s: RunState): RunState {
  // Spelled out: one object shape for every state, which V8 copies far faster than a spread.
  return {
    nodeId: s.nodeId,
    nextSeq: s.nextSeq,
    seenEventIds: s.seenEventIds,
    inbox: s.inbox,
    path: s.path.slice(),
    startedAt: s.startedAt,
    pendingWait: s.pendingWait,
    waitingUntil: s.waitingUntil,
    ending: s.ending,
    buffer: s.buffer.slice(),
    ended: s.ended,
    phase: s.phase,
  };
}

/** The event names the plan's waits listen for, worked out once per plan object. */
function waitedEvents(input: JourneyRunInput): Set<string> {
  let names = waitedByPlan.get(input.plan);
  if (!names) {
    names = new Set(Object.values(input.plan.nodes).flatMap((s) => (s.kind === 'wait_for_event' ? [s.event] : [])));
    waitedByPlan.set(input.plan, names);
  }
  return names;
}
const waitedByPlan = new WeakMap<ExecutionPlan, Set<string>>();
/** The plan's condition exit criteria, worked out once per plan object (asked at every node). */
const conditionCriteriaByPlan = new WeakMap<ExecutionPlan, Extract<ExecutionPlan['exitCriteria'][number], { kind: 'condition' }>[]>();

function eventStep(input: JourneyRunInput, state: RunState): Extract<PlanStep, { kind: 'wait_for_event' }> {
  const step = input.plan.nodes[state.nodeId];
  if (step.kind !== 'wait_for_event') throw new Error(`interpreter: node ${state.nodeId} is not a wait for an event`);
  return step;
}

function inWindow(input: JourneyRunInput, state: RunState, wait: EventWait): (e: CustomerEvent) => boolean {
  const step = eventStep(input, state);
  return (e) => e.name === step.event && e.eventTime >= wait.windowStart && e.eventTime <= wait.windowEnd && eventPasses(input.plan.planVersion, e, step.where);
}

function waitReady(input: JourneyRunInput, state: RunState, wait: ActiveWait): boolean {
  return wait.purpose === 'event' && state.inbox.some(inWindow(input, state, wait));
}

/** One step of the machine over a private copy of the state. */
class Step {
  constructor(
    private readonly input: JourneyRunInput,
    readonly s: RunState,
    private readonly clock: RunClock,
  ) {}

  private get plan() {
    return this.input.plan;
  }

  private get node(): PlanStep {
    return this.plan.nodes[this.s.nodeId];
  }

  private get conditionCriteria() {
    let criteria = conditionCriteriaByPlan.get(this.plan);
    if (!criteria) {
      criteria = this.plan.exitCriteria.flatMap((c) => (c.kind === 'condition' ? [c] : []));
      conditionCriteriaByPlan.set(this.plan, criteria);
    }
    return criteria;
  }

  resume(message: RunMessage): RunCommand {
    const phase = this.s.phase;
    switch (phase.at) {
      case 'start':
        return this.begin();
      case 'start_patch':
        if (expect(message, 'patched').value) return this.loopTop();
        return this.flush({ status: 'active', currentNode: this.s.nodeId }, { at: 'loop' });
      case 'loop':
        expect(message, 'recorded');
        return this.loopTop();
      case 'criteria':
        return this.afterCriteria(message);
      case 'plain_zone':
        return this.announcePlainWait(this.node as PlainWaitStep, phase.startedAt, this.zoneOf(expect(message, 'customer_loaded').customer));
      case 'wait_begin':
        expect(message, 'recorded');
        return this.beginWait(phase.wait);
      case 'event_announced':
        expect(message, 'recorded');
        if (phase.match) return this.eventFound(phase.wait, phase.match);
        return this.findEvent(phase.wait, false);
      case 'event_find':
        return this.afterFind(phase.wait, phase.afterWaiting, message);
      case 'waiting':
        expect(message, 'woke');
        return this.afterWake(phase.wait);
      case 'deciding':
        return this.afterDecision(message);
      case 'quiet_zone':
        return this.afterQuietZone(phase.startedAt, phase.quiet, this.zoneOf(expect(message, 'customer_loaded').customer));
      case 'performing':
        return this.afterAction(message);
      case 'continuing':
        expect(message, 'recorded');
        this.s.phase = { at: 'done' };
        return { type: 'continue_as_new', wait: phase.wait };
      case 'finishing':
        expect(message, 'recorded');
        this.s.ended = true;
        this.s.phase = { at: 'done' };
        return { type: 'complete', result: phase.result };
      case 'done':
        throw new Error('interpreter: the run has already ended');
    }
  }

  // ---- bookkeeping ----

  private record(kind: StepKind, detail: Record<string, unknown> = {}, at: string | null = this.s.nodeId): void {
    this.s.buffer.push({ seq: this.s.nextSeq++, at: this.clock.now, nodeId: at, kind, detail });
  }

  private flush(enrollment: EnrollmentPatch | undefined, then: RunPhase): RunCommand {
    const steps = this.s.buffer;
    this.s.buffer = [];
    this.s.phase = then;
    return { type: 'record_steps', request: { enrollmentId: this.input.enrollmentId, steps, enrollment } };
  }

  private finish(end: Ending): RunCommand {
    this.record('ended', { status: end.status, reason: end.reason, ...end.detail });
    const result: JourneyRunResult = { status: end.status, reason: end.reason, path: [...this.s.path] };
    return this.flush(
      { status: end.status, waitingUntil: null, endedAt: this.clock.now, exitReason: end.reason },
      { at: 'finishing', result },
    );
  }

  /** Ends the run as failed because a step could not be computed; steps not yet written are kept. */
  fail(err: RangeError | EngineError): RunCommand {
    this.s.waitingUntil = null;
    const code = err instanceof EngineError ? err.code : 'time_out_of_range';
    return this.finish({ status: 'failed', reason: 'step_failed', detail: { error: { code, message: err.message } } });
  }

  /** A step's own outcome; an ending that arrived meanwhile (goal, exit) takes precedence. */
  private end(outcome: Ending): RunCommand {
    return this.finish(this.s.ending ?? outcome);
  }

  private continueAsNew(wait?: ResumeState['wait']): RunCommand {
    this.record('continued', { historyLength: this.clock.historyLength });
    return this.flush(undefined, { at: 'continuing', wait });
  }

  private moveTo(next: string): RunCommand {
    this.s.nodeId = next;
    return this.loopTop();
  }

  // ---- the run ----

  private begin(): RunCommand {
    if (this.input.resume) return this.loopTop();
    const input = this.input;
    this.record('enrolled', { versionId: input.versionId, entry: input.entry.kind, enrolledAt: iso(input.enrolledAt) }, null);
    // A run that starts with a plain wait writes its enrollment together with that wait (1 activity
    // and 2 workflow tasks before its timer instead of 2 and 3); one that starts with a wait for an
    // event does the same, then looks up stored events. Patched: earlier runs replay as before.
    const first = this.node;
    const noCriteria = this.conditionCriteria.length === 0;
    if ((first.kind === 'wait_duration' || first.kind === 'wait_until') && noCriteria) return this.askPatch(ENROLLED_WITH_FIRST_WAIT);
    if (first.kind === 'wait_for_event' && noCriteria) return this.askPatch(ENROLLED_WITH_FIRST_EVENT_WAIT);
    return this.flush({ status: 'active', currentNode: this.s.nodeId }, { at: 'loop' });
  }

  private askPatch(patchId: string): RunCommand {
    this.s.phase = { at: 'start_patch' };
    return { type: 'patched', patchId };
  }

  private loopTop(): RunCommand {
    const s = this.s;
    if (s.ending) return this.finish(s.ending);
    if (!s.pendingWait && historyTooLong(this.input, this.clock)) return this.continueAsNew();
    if (!s.pendingWait) {
      s.path.push(s.nodeId);
      this.record('node_entered', { kind: this.node.kind, label: this.node.label ?? null });
      const criteria = this.conditionCriteria;
      if (criteria.length > 0) {
        s.phase = { at: 'criteria' };
        return this.evaluate(criteria.map((c) => c.condition));
      }
    }
    return this.runStep(this.node);
  }

  private afterCriteria(message: RunMessage): RunCommand {
    if (message.type === 'activity_failed') return this.finish(evaluationFailed(message));
    const { results, values } = expect(message, 'evaluated').result;
    const criteria = this.conditionCriteria;
    const hit = results.findIndex(Boolean);
    if (hit >= 0) this.s.ending ??= { status: 'exited', reason: criteria[hit].reason, detail: { criterion: criteria[hit].id, values } };
    if (this.s.ending) return this.loopTop();
    return this.runStep(this.node);
  }

  private evaluate(conditions: PlanCondition[]): RunCommand {
    const { enrollmentId, customerId } = this.input;
    const request: EvaluateConditionsInput = { enrollmentId, customerId, conditions, entry: this.input.entry.payload, at: this.clock.now };
    if (this.plan.planVersion !== 1) request.planVersion = this.plan.planVersion;
    return { type: 'evaluate', request };
  }

  /** A condition in words for the decision record, in the language of the plan. */
  private describe(condition: PlanCondition): string {
    return this.plan.planVersion === 1 ? describeCondition(condition as Condition) : describeRule(condition as JourneyCondition);
  }

  private runStep(step: PlanStep): RunCommand {
    const resumed = this.s.pendingWait?.nodeId === step.id ? this.s.pendingWait : undefined;
    this.s.pendingWait = undefined;
    switch (step.kind) {
      case 'exit':
        return this.end({ status: 'completed', reason: step.reason });

      case 'wait_duration':
      case 'wait_until':
      case 'wait_time_of_day':
        if (resumed) return this.beginWait({ purpose: 'plain', until: resumed.untilMs });
        if (step.kind === 'wait_time_of_day' && step.timeZone == null) {
          this.s.phase = { at: 'plain_zone', startedAt: this.clock.now };
          return { type: 'load_customer', customerId: this.input.customerId };
        }
        return this.announcePlainWait(step, this.clock.now, step.kind === 'wait_time_of_day' ? step.timeZone : null);

      case 'wait_for_event': {
        const entryTime = this.input.entry.event?.eventTime ?? this.input.enrolledAt;
        const windowStart = resumed?.windowStartMs ?? (step.since === 'entry' ? entryTime : this.clock.now);
        const wait: EventWait = { purpose: 'event', windowStart, windowEnd: windowStart + step.timeoutMs };
        const match = this.s.inbox.find(inWindow(this.input, this.s, wait)) ?? null;
        if (resumed) return this.eventFound(wait, match);
        this.s.waitingUntil = wait.windowEnd;
        // The run listens for late events after the window: it moves on only when the grace is over too.
        const movesOnAt = this.deadlineOf(wait);
        this.record('wait_started', {
          until: iso(wait.windowEnd),
          kind: step.kind,
          event: step.event,
          windowStart: iso(windowStart),
          windowEnd: iso(wait.windowEnd),
          lateEventGraceMs: this.input.defaults.lateEventGraceMs,
          movesOnAt: iso(movesOnAt),
        });
        return this.flush({ status: 'active', currentNode: step.id, waitingUntil: wait.windowEnd, movesOnAt }, { at: 'event_announced', wait, match });
      }

      case 'condition':
      case 'multi_split':
        this.s.phase = { at: 'deciding' };
        return this.evaluate(step.kind === 'condition' ? [step.condition] : step.cases.map((c) => c.condition));

      case 'random_split': {
        const port = pickArm(`${this.input.versionId}:${this.input.customerId}:${step.id}`, step.arms);
        const arm = step.arms.find((a) => a.key === port)!;
        this.record('decision', { port, control: arm.control, weights: Object.fromEntries(step.arms.map((a) => [a.key, a.weight])) });
        return this.moveTo(step.next[port]);
      }

      case 'action': {
        const quiet = step.category === 'marketing' ? this.plan.quietHours?.[step.action] : undefined;
        if (!quiet) return this.perform();
        // Quiet hours defer a marketing touch to their end in the customer's zone; goals and exits still apply.
        if (resumed) return this.beginWait({ purpose: 'quiet', until: resumed.untilMs });
        this.s.phase = { at: 'quiet_zone', startedAt: this.clock.now, quiet };
        return { type: 'load_customer', customerId: this.input.customerId };
      }
    }
  }

  /** The customer's zone (profile trait), else the journey's, else the engine default; an unknown zone falls back, recorded. */
  private zoneOf(customer: Pick<CustomerSnapshot, 'timeZone'>): string {
    const fallback = this.plan.timeZone ?? this.input.defaults.timeZone;
    const { timeZone } = customer;
    if (timeZone === null) return fallback;
    if (isValidTimeZone(timeZone)) return timeZone;
    this.record('decision', { timeZone, invalidTimeZone: true, fallback });
    return fallback;
  }

  /**
   * A plain wait's end, computed once when the customer reaches the node from `now` (taken before
   * the zone was looked up). With a spread, this customer's fixed offset is added and recorded.
   */
  private announcePlainWait(step: PlainWaitStep, now: number, zone: string | null): RunCommand {
    const spreadMs = step.spreadMs ?? 0;
    const offsetMs = spreadOffsetMs(`spread:${this.input.versionId}:${this.input.customerId}:${step.id}`, spreadMs);
    const spread = spreadMs > 0 ? { spreadMs, offsetMs } : {};
    let until: number;
    if (step.kind === 'wait_duration') until = now + step.durationMs + offsetMs;
    // A time already past (offset included) does not wait.
    else if (step.kind === 'wait_until') until = Math.max(now, (parseInstant(step.until) ?? now) + offsetMs);
    else until = nextLocalTimeOfDay(now, { hour: step.hour, minute: step.minute, weekdays: step.weekdays, timeZone: zone! }) + offsetMs;
    return this.announceWait(until, { kind: step.kind, ...spread }, { purpose: 'plain', until });
  }

  /** Records that the customer now waits at this node until `untilMs`, and makes it visible in the database. */
  private announceWait(untilMs: number, detail: Record<string, unknown>, wait: ActiveWait): RunCommand {
    this.s.waitingUntil = untilMs;
    this.record('wait_started', { until: iso(untilMs), ...detail });
    return this.flush({ status: 'active', currentNode: this.s.nodeId, waitingUntil: untilMs }, { at: 'wait_begin', wait });
  }

  private beginWait(wait: ActiveWait): RunCommand {
    this.s.waitingUntil = wait.purpose === 'event' ? wait.windowEnd : wait.until;
    return this.waitLoop(wait);
  }

  private deadlineOf(wait: ActiveWait): number {
    return wait.purpose === 'event' ? wait.windowEnd + this.input.defaults.lateEventGraceMs : wait.until;
  }

  /** Blocks until the deadline, an ending, or the waited event; continues as new when the history grows too long. */
  private waitLoop(wait: ActiveWait): RunCommand {
    const deadline = this.deadlineOf(wait);
    if (!this.s.ending && !waitReady(this.input, this.s, wait) && deadline - this.clock.now > 0) {
      this.s.phase = { at: 'waiting', wait };
      return { type: 'wait', until: deadline };
    }
    return this.afterWait(wait);
  }

  private afterWake(wait: ActiveWait): RunCommand {
    if (!this.s.ending && !waitReady(this.input, this.s, wait) && historyTooLong(this.input, this.clock)) {
      const carry = wait.purpose === 'event' ? { windowStartMs: wait.windowStart, windowEndMs: wait.windowEnd } : {};
      return this.continueAsNew({ nodeId: this.s.nodeId, untilMs: this.deadlineOf(wait), ...carry });
    }
    return this.waitLoop(wait);
  }

  private afterWait(wait: ActiveWait): RunCommand {
    if (this.s.ending) return this.finish(this.s.ending);
    if (wait.purpose === 'event') {
      const match = this.s.inbox.find(inWindow(this.input, this.s, wait));
      return match ? this.decideEvent(wait, match) : this.findEvent(wait, true);
    }
    this.s.waitingUntil = null;
    if (wait.purpose === 'quiet') {
      this.record('wait_ended', { reason: 'quiet_hours' });
      return this.perform();
    }
    this.record('wait_ended', {});
    return this.moveTo((this.node as PlainWaitStep).next);
  }

  // ---- waits for an event ----

  private findEvent(wait: EventWait, afterWaiting: boolean): RunCommand {
    const step = eventStep(this.input, this.s);
    this.s.phase = { at: 'event_find', wait, afterWaiting };
    return {
      type: 'find_event',
      request: {
        customerId: this.input.customerId,
        event: step.event,
        where: step.where,
        fromMs: wait.windowStart,
        toMs: wait.windowEnd,
        // Plans before version 3 send no version, as they always did (format-1 filters).
        ...(this.input.plan.planVersion >= RULE_FILTERS_PLAN_VERSION ? { planVersion: this.input.plan.planVersion } : {}),
      },
    };
  }

  private afterFind(wait: EventWait, afterWaiting: boolean, message: RunMessage): RunCommand {
    if (message.type === 'activity_failed') return this.end(evaluationFailed(message));
    const found = expect(message, 'found').event;
    return afterWaiting ? this.decideEvent(wait, found) : this.eventFound(wait, found);
  }

  /** After the announce (and the first lookup): decide now, or wait for the event. */
  private eventFound(wait: EventWait, match: CustomerEvent | null): RunCommand {
    if (match) return this.decideEvent(wait, match);
    this.s.waitingUntil = wait.windowEnd;
    return this.waitLoop(wait);
  }

  private decideEvent(wait: EventWait, match: CustomerEvent | null): RunCommand {
    const step = eventStep(this.input, this.s);
    this.s.waitingUntil = null;
    const port = match ? 'matched' : 'timed_out';
    this.record('decision', {
      port,
      event: step.event,
      windowStart: iso(wait.windowStart),
      windowEnd: iso(wait.windowEnd),
      lateEventGraceMs: this.input.defaults.lateEventGraceMs,
      matchedEvent: match ? { eventId: match.eventId, eventTime: iso(match.eventTime) } : null,
    });
    return this.moveTo(step.next[port]);
  }

  // ---- decisions ----

  private afterDecision(message: RunMessage): RunCommand {
    if (message.type === 'activity_failed') return this.end(evaluationFailed(message));
    const { results, values } = expect(message, 'evaluated').result;
    const step = this.node;
    if (step.kind === 'condition') {
      const port = results[0] ? 'yes' : 'no';
      this.record('decision', { port, condition: this.describe(step.condition), values });
      return this.moveTo(step.next[port]);
    }
    if (step.kind !== 'multi_split') throw new Error(`interpreter: node ${step.id} does not decide`);
    const index = results.findIndex(Boolean);
    const port = index >= 0 ? step.cases[index].key : 'else';
    this.record('decision', {
      port,
      cases: step.cases.map((c, i) => ({ key: c.key, condition: this.describe(c.condition), result: results[i] })),
      values,
    });
    return this.moveTo(step.next[port]);
  }

  // ---- actions ----

  private afterQuietZone(startedAt: number, quiet: QuietHours, zone: string): RunCommand {
    const until = quietHoursEnd(startedAt, quiet, zone);
    if (until === null) return this.perform();
    const step = this.node as Extract<PlanStep, { kind: 'action' }>;
    return this.announceWait(until, { kind: 'quiet_hours', action: step.action, reason: 'quiet_hours' }, { purpose: 'quiet', until });
  }

  private perform(): RunCommand {
    const step = this.node as Extract<PlanStep, { kind: 'action' }>;
    const input = this.input;
    this.s.phase = { at: 'performing' };
    return {
      type: 'perform_action',
      request: {
        enrollmentId: input.enrollmentId,
        journeyId: input.journeyId,
        versionId: input.versionId,
        customerId: input.customerId,
        nodeId: step.id,
        attempt: this.s.path.filter((id) => id === step.id).length,
        action: step.action,
        category: step.category,
        params: step.params,
        entry: input.entry.payload,
        journeyName: this.plan.name,
        at: this.clock.now,
      },
    };
  }

  private afterAction(message: RunMessage): RunCommand {
    const step = this.node as Extract<PlanStep, { kind: 'action' }>;
    const outcome: ActionOutcome =
      message.type === 'activity_failed'
        ? { status: 'failed', error: { code: message.code, message: message.message } }
        : expect(message, 'performed').outcome;
    this.record('action', { action: step.action, category: step.category, ...outcome });
    if (outcome.status === 'failed' && step.onFailure === 'exit') {
      return this.end({ status: 'exited', reason: 'action_failed', detail: { action: step.action, error: outcome.error } });
    }
    return this.moveTo(step.next);
  }
}

function evaluationFailed(message: Extract<RunMessage, { type: 'activity_failed' }>): Ending {
  return { status: 'failed', reason: 'evaluation_failed', detail: { error: message.message } };
}

function expect<T extends RunMessage['type']>(message: RunMessage, type: T): Extract<RunMessage, { type: T }> {
  if (message.type !== type) throw new Error(`interpreter: expected a '${type}' message, got '${message.type}'`);
  return message as Extract<RunMessage, { type: T }>;
}
