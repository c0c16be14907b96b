/**
 * The interpreter's node semantics without Temporal: the state machine driven on a virtual clock.
 * (workflows/journey-run.test.ts runs the same machine through the real workflow on the
 * time-skipping server; workflows/replay.test.ts proves the command order is unchanged.)
 */
import { describe, expect, it } from '@jest/globals';
import { compileCanvas } from './compile.js';
import { ENROLLED_WITH_FIRST_WAIT, initialRunState, receiveEvent, receiveExit, stepRun, waitIsOver, type RunCommand } from './interpreter.js';
import type { ExecutionPlan } from './plan.js';
import type { ActionOutcome, CustomerEvent, JourneyRunInput } from './runtime.js';
import { runOnVirtualClock, type ScriptedArrival, type VirtualWorld } from './virtual-run.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const T0 = Date.parse('2026-03-02T02:00:00Z'); // a Monday, 10:00 in Shanghai

function plan(nodes: unknown[], edges: unknown[], extra: Record<string, unknown> = {}): ExecutionPlan {
  const compiled = compileCanvas({
    schemaVersion: 2,
    name: 'unit',
    ...extra,
    nodes: [{ id: 'start', type: 'trigger', trigger: { kind: 'api' } }, ...nodes],
    edges: [{ from: 'start', to: (nodes[0] as { id: string }).id }, ...edges],
  });
  if (!compiled.ok) throw new Error(JSON.stringify(compiled.errors));
  return compiled.plan;
}

function input(p: ExecutionPlan, overrides: Partial<JourneyRunInput> = {}): JourneyRunInput {
  return {
    enrollmentId: 'e-1',
    journeyId: 'j',
    versionId: 'j@1',
    customerId: 'c-1',
    plan: p,
    entry: { kind: 'api', payload: {} },
    enrolledAt: T0,
    defaults: { timeZone: 'Asia/Shanghai', lateEventGraceMs: 5 * MIN, maxHistoryEvents: 10_000 },
    ...overrides,
  };
}

/** A world whose conditions answer from a table by description, and whose sends are recorded. */
function world(options: { results?: boolean[][]; stored?: CustomerEvent[]; timeZone?: string | null; failAction?: string; failEvaluate?: boolean } = {}) {
  const sends: string[] = [];
  const results = [...(options.results ?? [])];
  const w: VirtualWorld = {
    evaluate: (req) => {
      if (options.failEvaluate) throw Object.assign(new Error('segment vip is not defined'), { code: 'unknown_segment' });
      return { results: results.shift() ?? req.conditions.map(() => false), values: { 'trait:x': 1 } };
    },
    findEvent: (req) => (options.stored ?? []).find((e) => e.name === req.event && e.eventTime >= req.fromMs && e.eventTime <= req.toMs) ?? null,
    customerTimeZone: () => options.timeZone ?? null,
    perform: (req): ActionOutcome => {
      if (req.nodeId === options.failAction) throw Object.assign(new Error('invalid phone number'), { code: 'invalid_recipient' });
      sends.push(req.nodeId);
      return { status: 'sent', provider: 'fake', providerMessageId: `m-${sends.length}` };
    },
  };
  return { w, sends };
}

const ev = (name: string, eventTime: number, id = `${name}-${eventTime}`): CustomerEvent => ({ eventId: id, name, eventTime, properties: {} });
const kinds = (r: { writes: { steps: { kind: string }[] }[] }) => r.writes.flatMap((w) => w.steps.map((s) => s.kind));
const types = (commands: RunCommand[]) => commands.map((c) => c.type);

const waitThenSms = plan(
  [{ id: 'wait', type: 'wait', duration: 'P3D' }, { id: 'sms', type: 'action', action: 'sms', params: { body: 'hi' } }, { id: 'done', type: 'exit', reason: 'finished' }],
  [{ from: 'wait', to: 'sms' }, { from: 'sms', to: 'done' }],
  { goal: { event: 'first_deposit' }, exitCriteria: [{ id: 'closed', event: 'account_closed', reason: 'account_closed' }] },
);

describe('a plain wait', () => {
  it('asks for the first-wait patch, writes the enrollment with the wait, then wakes after 3 days and sends', () => {
    const { w, sends } = world();
    const r = runOnVirtualClock(input(waitThenSms), w, T0);
    expect(types(r.commands)).toEqual(['patched', 'record_steps', 'wait', 'perform_action', 'record_steps', 'complete']);
    expect(r.commands[0]).toEqual({ type: 'patched', patchId: ENROLLED_WITH_FIRST_WAIT });
    expect(r.writes[0].steps.map((s) => s.kind)).toEqual(['enrolled', 'node_entered', 'wait_started']);
    expect(r.writes[0].enrollment).toEqual({ status: 'active', currentNode: 'wait', waitingUntil: T0 + 3 * DAY });
    expect(r.commands[2]).toEqual({ type: 'wait', until: T0 + 3 * DAY });
    expect(sends).toEqual(['sms']);
    expect(r.outcome).toEqual({ type: 'complete', result: { status: 'completed', reason: 'finished', path: ['wait', 'sms', 'done'] } });
    // Steps are numbered without gaps across writes.
    expect(r.writes.flatMap((x) => x.steps.map((s) => s.seq))).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('writes the enrollment on its own first when the patch is absent (runs started before it)', () => {
    const { w } = world();
    const r = runOnVirtualClock(input(waitThenSms), { ...w, patched: () => false }, T0);
    expect(types(r.commands).slice(0, 4)).toEqual(['patched', 'record_steps', 'record_steps', 'wait']);
    expect(r.writes[0]).toEqual({ enrollmentId: 'e-1', steps: [expect.objectContaining({ kind: 'enrolled', nodeId: null })], enrollment: { status: 'active', currentNode: 'wait' } });
  });

  it.each<[string, ScriptedArrival, { status: string; reason: string }]>([
    ['the goal', { at: T0 + DAY, event: ev('first_deposit', T0 + DAY) }, { status: 'converted', reason: 'goal_reached' }],
    ['an exit event', { at: T0 + DAY, event: ev('account_closed', T0 + DAY) }, { status: 'exited', reason: 'account_closed' }],
    ['an exit request', { at: T0 + DAY, exit: { reason: 'support_request', requestedBy: 'agent-7' } }, { status: 'exited', reason: 'support_request' }],
  ])('ends at once, sending nothing, when %s arrives while waiting', (_name, arrival, ending) => {
    const { w, sends } = world();
    const r = runOnVirtualClock(input(waitThenSms), w, T0, { arrivals: [arrival] });
    expect(r.outcome).toEqual({ type: 'complete', result: { ...ending, path: ['wait'] } });
    expect(r.now).toBe(T0 + DAY);
    expect(sends).toEqual([]);
    const last = r.writes.at(-1)!;
    expect(last.enrollment).toEqual({ status: ending.status, waitingUntil: null, endedAt: T0 + DAY, exitReason: ending.reason });
    expect(last.steps.map((s) => s.kind)).toEqual(['ended']);
  });

  it('stops at the horizon with the customer still waiting', () => {
    const { w } = world();
    const r = runOnVirtualClock(input(waitThenSms), w, T0, { horizon: T0 + DAY });
    expect(r.outcome).toEqual({ type: 'horizon' });
    expect(r.state).toMatchObject({ nodeId: 'wait', waitingUntil: T0 + 3 * DAY, ended: false });
  });
});

describe('event filters (where) by plan version', () => {
  const deposit = (amount: unknown, at = T0 + DAY): CustomerEvent => ({ eventId: `d-${String(amount)}`, name: 'first_deposit', eventTime: at, properties: { amount } });
  const withGoal = (where: unknown[]) =>
    plan(
      [{ id: 'wait', type: 'wait', duration: 'P3D' }, { id: 'done', type: 'exit', reason: 'finished' }],
      [{ from: 'wait', to: 'done' }],
      { goal: { event: 'first_deposit', where } },
    );
  const outcome = (p: ExecutionPlan, event: CustomerEvent) => runOnVirtualClock(input(p), world().w, T0, { arrivals: [{ at: event.eventTime, event }] }).outcome;

  it('compiles to plan version 3, whose goal filters use the rule language (between, order)', () => {
    const p = withGoal([{ property: 'amount', op: 'between', value: [1000, 50000] }]);
    expect(p.planVersion).toBe(3);
    expect(outcome(p, deposit(2000))).toMatchObject({ result: { status: 'converted', reason: 'goal_reached' } });
    expect(outcome(p, deposit(500))).toMatchObject({ result: { status: 'completed', reason: 'finished' } });
    const ranked = withGoal([{ property: 'amount', op: 'gte', value: 'C3', order: ['C1', 'C2', 'C3', 'C4', 'C5'] }]);
    expect(outcome(ranked, deposit('C4'))).toMatchObject({ result: { status: 'converted' } });
    expect(outcome(ranked, deposit('C2'))).toMatchObject({ result: { status: 'completed' } });
  });

  it('reads time operands against the event\'s own time, not the arrival time', () => {
    const p = withGoal([{ property: 'amount', op: 'within_last', value: 'P1D' }]);
    const at = T0 + DAY;
    // The property is 12 hours before the event: within the last day of the event's time.
    const event = { ...deposit(new Date(at - 12 * 3_600_000).toISOString(), at), eventId: 'late' };
    expect(outcome(p, event)).toMatchObject({ result: { status: 'converted' } });
    const old = { ...deposit(new Date(at - 2 * DAY).toISOString(), at), eventId: 'old' };
    expect(outcome(p, old)).toMatchObject({ result: { status: 'completed' } });
  });

  it('keeps matching plans of version 2 with the format-1 filters (runs in flight decide as they started)', () => {
    const v3 = withGoal([{ property: 'amount', op: 'gt', value: 100 }]);
    const v2: ExecutionPlan = { ...v3, planVersion: 2, goal: { event: 'first_deposit', where: [{ property: 'tier', op: 'gt', value: 'a' }] } };
    // Format 1 compares text lexically; the rule language refuses `gt` on text without an order.
    expect(outcome(v2, { ...deposit(1), properties: { tier: 'b' } })).toMatchObject({ result: { status: 'converted' } });
    // A new canvas cannot say that any more: the rule language asks for an `order` (or dates).
    const refused = compileCanvas({
      schemaVersion: 2,
      name: 'unit',
      goal: { event: 'first_deposit', where: [{ property: 'tier', op: 'gt', value: 'a' }] },
      nodes: [{ id: 'start', type: 'trigger', trigger: { kind: 'api' } }, { id: 'done', type: 'exit', reason: 'finished' }],
      edges: [{ from: 'start', to: 'done' }],
    });
    expect(refused.ok ? [] : refused.errors.map((e) => [e.code, e.path])).toEqual([['invalid_value', '$.goal.where[0].value']]);
  });

  it('sends the plan version with find_event only from version 3', () => {
    const p = plan(
      [{ id: 'w', type: 'wait_for_event', event: 'first_deposit', timeout: 'P1D', where: [{ property: 'amount', op: 'between', value: [1, 5] }] }, { id: 'yes', type: 'exit', reason: 'y' }, { id: 'no', type: 'exit', reason: 'n' }],
      [{ from: 'w', to: 'yes', port: 'matched' }, { from: 'w', to: 'no', port: 'timed_out' }],
    );
    const find = (q: ExecutionPlan) => runOnVirtualClock(input(q), world().w, T0).commands.find((c) => c.type === 'find_event');
    expect(find(p)).toMatchObject({ request: { planVersion: 3 } });
    expect(find({ ...p, planVersion: 2 })).not.toMatchObject({ request: { planVersion: expect.anything() } });
  });
});

describe('signals', () => {
  it('are handled once per event id, keep a bounded memory, and the first ending wins', () => {
    const i = input(waitThenSms);
    let s = initialRunState(i, T0);
    s = receiveEvent(i, s, ev('app_launch', T0, 'x'));
    expect(receiveEvent(i, s, ev('app_launch', T0, 'x'))).toBe(s);
    for (let k = 0; k < 600; k++) s = receiveEvent(i, s, ev('app_launch', T0, `id-${k}`));
    expect(s.seenEventIds).toHaveLength(500);
    expect(s.seenEventIds.at(-1)).toBe('id-599');
    s = receiveExit(s, { reason: 'journey_stopped' });
    s = receiveEvent(i, s, ev('first_deposit', T0));
    expect(s.ending).toEqual({ status: 'exited', reason: 'journey_stopped', detail: { requestedBy: null } });
  });

  it('never change the state they were given', () => {
    const i = input(waitThenSms);
    const s = initialRunState(i, T0);
    const frozen = JSON.stringify(s);
    receiveEvent(i, s, ev('first_deposit', T0));
    stepRun(i, s, { type: 'start' }, { now: T0, historyLength: 0, continueAsNewSuggested: false });
    expect(JSON.stringify(s)).toBe(frozen);
  });
});

const waitForOpening = plan(
  [
    { id: 'wait_open', type: 'wait_for_event', event: 'account_opened', timeout: 'PT2H' },
    { id: 'yes', type: 'exit', reason: 'opened' },
    { id: 'no', type: 'exit', reason: 'not_opened' },
  ],
  [{ from: 'wait_open', port: 'matched', to: 'yes' }, { from: 'wait_open', port: 'timed_out', to: 'no' }],
);

describe('a wait for an event', () => {
  it.each<[string, { stored?: CustomerEvent[]; arrivals?: ScriptedArrival[] }, string, number]>([
    ['already stored in the window', { stored: [ev('account_opened', T0 + MIN)] }, 'opened', T0],
    ['arriving on time', { arrivals: [{ at: T0 + HOUR, event: ev('account_opened', T0 + HOUR) }] }, 'opened', T0 + HOUR],
    ['arriving late but stamped inside the window', { arrivals: [{ at: T0 + 2 * HOUR + 3 * MIN, event: ev('account_opened', T0 + 2 * HOUR - MIN) }] }, 'opened', T0 + 2 * HOUR + 3 * MIN],
    ['stamped after the window, inside the grace period', { arrivals: [{ at: T0 + 2 * HOUR + 3 * MIN, event: ev('account_opened', T0 + 2 * HOUR + MIN) }] }, 'not_opened', T0 + 2 * HOUR + 5 * MIN],
    ['never', {}, 'not_opened', T0 + 2 * HOUR + 5 * MIN],
  ])('decides by event time: %s', (_name, setup, reason, endedAt) => {
    const { w } = world({ stored: setup.stored });
    const r = runOnVirtualClock(input(waitForOpening), w, T0, { arrivals: setup.arrivals });
    expect(r.outcome).toMatchObject({ type: 'complete', result: { status: 'completed', reason } });
    expect(r.now).toBe(endedAt);
    const decision = r.writes.flatMap((x) => x.steps).find((s) => s.kind === 'decision')!;
    expect(decision.detail).toMatchObject({ port: reason === 'opened' ? 'matched' : 'timed_out', windowStart: new Date(T0).toISOString(), windowEnd: new Date(T0 + 2 * HOUR).toISOString() });
  });

  it('looks in the event store again when the grace period ends (an event stored without a signal counts)', () => {
    const { w } = world();
    let calls = 0;
    const storedLater: VirtualWorld = { ...w, findEvent: () => (calls++ === 0 ? null : ev('account_opened', T0 + HOUR)) };
    const r = runOnVirtualClock(input(waitForOpening), storedLater, T0);
    expect(types(r.commands)).toEqual(['patched', 'record_steps', 'find_event', 'wait', 'find_event', 'record_steps', 'complete']);
    expect(r.now).toBe(T0 + 2 * HOUR + 5 * MIN);
    expect(r.outcome).toMatchObject({ result: { reason: 'opened' } });
  });
});

const dayThreeCheck = plan(
  [
    { id: 'check', type: 'condition', condition: { event: 'account_opened' } },
    { id: 'push', type: 'action', action: 'push', params: { title: 't', body: 'b' }, onFailure: 'exit' },
    { id: 'sms', type: 'action', action: 'sms', params: { body: 'hi' } },
    { id: 'done', type: 'exit' },
  ],
  [{ from: 'check', port: 'yes', to: 'push' }, { from: 'check', port: 'no', to: 'sms' }, { from: 'push', to: 'done' }, { from: 'sms', to: 'done' }],
);

describe('decisions and actions', () => {
  it.each<[string, Parameters<typeof world>[0], { status: string; reason: string; path: string[] }, string[]]>([
    ['yes: push', { results: [[true]] }, { status: 'completed', reason: 'completed', path: ['check', 'push', 'done'] }, ['push']],
    ['no: sms', { results: [[false]] }, { status: 'completed', reason: 'completed', path: ['check', 'sms', 'done'] }, ['sms']],
    ['a failed lookup fails the run', { failEvaluate: true }, { status: 'failed', reason: 'evaluation_failed', path: ['check'] }, []],
    ['a failed touch with onFailure exit ends it', { results: [[true]], failAction: 'push' }, { status: 'exited', reason: 'action_failed', path: ['check', 'push'] }, []],
    ['a failed touch with onFailure continue goes on', { results: [[false]], failAction: 'sms' }, { status: 'completed', reason: 'completed', path: ['check', 'sms', 'done'] }, []],
  ])('%s', (_name, setup, result, sent) => {
    const { w, sends } = world(setup);
    const r = runOnVirtualClock(input(dayThreeCheck), w, T0);
    expect(r.outcome).toEqual({ type: 'complete', result });
    expect(sends).toEqual(sent);
  });

  it('records the decision with the values it used, and a failed touch with its code', () => {
    const { w } = world({ results: [[false]], failAction: 'sms' });
    const steps = runOnVirtualClock(input(dayThreeCheck), w, T0).writes.flatMap((x) => x.steps);
    expect(steps.find((s) => s.kind === 'decision')!.detail).toEqual({ port: 'no', condition: expect.any(String), values: { 'trait:x': 1 } });
    expect(steps.find((s) => s.kind === 'action')!.detail).toMatchObject({ action: 'sms', status: 'failed', error: { code: 'invalid_recipient', message: 'invalid phone number' } });
  });
});

describe('quiet hours', () => {
  const quiet = plan([{ id: 'sms', type: 'action', action: 'sms', params: { body: 'hi' } }, { id: 'done', type: 'exit' }], [{ from: 'sms', to: 'done' }], {
    settings: { quietHours: { sms: { start: '21:00', end: '09:00' } } },
  });

  it.each<[string, string | null, number, number]>([
    ['23:30 in Shanghai defers to 09:00 Shanghai', null, Date.parse('2026-03-02T15:30:00Z'), Date.parse('2026-03-03T01:00:00Z')],
    ["the customer's own zone decides", 'Europe/London', Date.parse('2026-03-02T22:00:00Z'), Date.parse('2026-03-03T09:00:00Z')],
    ['an unknown zone falls back to the journey default', 'Mars/Olympus', Date.parse('2026-03-02T15:30:00Z'), Date.parse('2026-03-03T01:00:00Z')],
  ])('%s', (_name, timeZone, start, sentAt) => {
    const { w } = world({ timeZone });
    let at = 0;
    const r = runOnVirtualClock(input(quiet), { ...w, perform: (req) => ((at = req.at), { status: 'sent' }) }, start);
    expect(at).toBe(sentAt);
    const steps = r.writes.flatMap((x) => x.steps);
    expect(steps.find((s) => s.kind === 'wait_started')!.detail).toEqual({ until: new Date(sentAt).toISOString(), kind: 'quiet_hours', action: 'sms', reason: 'quiet_hours' });
    expect(steps.some((s) => s.kind === 'decision' && s.detail.invalidTimeZone === true)).toBe(timeZone === 'Mars/Olympus');
  });

  it('sends at once in the daytime, without a wait', () => {
    const { w, sends } = world();
    const r = runOnVirtualClock(input(quiet), w, T0);
    expect(types(r.commands)).toEqual(['record_steps', 'load_customer', 'perform_action', 'record_steps', 'complete']);
    expect(sends).toEqual(['sms']);
  });
});

describe('continue-as-new', () => {
  it('hands over a wait in progress with its deadline, and the continued run resumes it without announcing it again', () => {
    const { w, sends } = world();
    const i = input(waitThenSms, { defaults: { timeZone: 'Asia/Shanghai', lateEventGraceMs: 5 * MIN, maxHistoryEvents: 100 } });
    const first = runOnVirtualClock(i, w, T0, { historyLength: (n) => (n >= 3 ? 101 : 10) });
    expect(first.outcome).toEqual({ type: 'continue_as_new', wait: { nodeId: 'wait', untilMs: T0 + 3 * DAY } });
    expect(kinds(first)).toEqual(['enrolled', 'node_entered', 'wait_started', 'continued']);
    const second = runOnVirtualClock({ ...i, resume: first.resume }, w, T0 + MIN);
    expect(types(second.commands)).toEqual(['wait', 'perform_action', 'record_steps', 'complete']);
    expect(second.now).toBe(T0 + 3 * DAY);
    expect(second.writes[0].steps[0]).toMatchObject({ seq: 4, kind: 'wait_ended' });
    expect(sends).toEqual(['sms']);
  });

  it('is taken between nodes when the history is too long, before entering the next one', () => {
    const { w } = world({ results: [[true]] });
    const r = runOnVirtualClock(input(dayThreeCheck), w, T0, { historyLength: (n) => (n >= 2 ? 20_000 : 0) });
    expect(r.outcome).toEqual({ type: 'continue_as_new', wait: undefined });
    expect(r.resume).toMatchObject({ nodeId: 'push', path: ['check'] });
  });
});

describe('the wait predicate the driver blocks on', () => {
  it('is true for an ending or a waited event in the window, and false for anything else', () => {
    const i = input(waitForOpening);
    const clock = { now: T0, historyLength: 0, continueAsNewSuggested: false };
    let s = stepRun(i, initialRunState(i, T0), { type: 'start' }, clock).state;
    s = stepRun(i, s, { type: 'patched', value: true }, clock).state;
    s = stepRun(i, s, { type: 'recorded' }, clock).state;
    s = stepRun(i, s, { type: 'found', event: null }, clock).state;
    expect(s.phase.at).toBe('waiting');
    expect(waitIsOver(i, s)).toBe(false);
    expect(waitIsOver(i, receiveEvent(i, s, ev('app_launch', T0 + MIN)))).toBe(false);
    expect(waitIsOver(i, receiveEvent(i, s, ev('account_opened', T0 + 3 * HOUR)))).toBe(false);
    expect(waitIsOver(i, receiveEvent(i, s, ev('account_opened', T0 + MIN)))).toBe(true);
    expect(waitIsOver(i, receiveExit(s, { reason: 'stop' }))).toBe(true);
  });
});

describe('a step that cannot be computed', () => {
  it('ends the run as failed with the reason, instead of failing for ever (a plan stored before durations were bounded)', () => {
    const p = plan([{ id: 'wait', type: 'wait', duration: 'P1D' }, { id: 'done', type: 'exit' }], [{ from: 'wait', to: 'done' }]);
    const broken: ExecutionPlan = { ...p, nodes: { ...p.nodes, wait: { ...p.nodes.wait, durationMs: 6e22 } as ExecutionPlan['nodes'][string] } };
    const { w } = world();
    const r = runOnVirtualClock(input(broken), w, T0);
    expect(r.outcome).toEqual({ type: 'complete', result: { status: 'failed', reason: 'step_failed', path: ['wait'] } });
    const ended = r.writes.at(-1)!;
    expect(ended.enrollment).toMatchObject({ status: 'failed', exitReason: 'step_failed' });
    expect(ended.steps.map((s) => s.kind)).toEqual(['enrolled', 'node_entered', 'ended']);
    expect(ended.steps.at(-1)!.detail).toMatchObject({ error: { code: 'time_out_of_range' } });
  });

  it('still throws on a programming error, so a fixed worker can resume the run', () => {
    const i = input(waitThenSms);
    expect(() => stepRun(i, initialRunState(i, T0), { type: 'woke' }, { now: T0, historyLength: 0, continueAsNewSuggested: false })).not.toThrow();
    const done = { ...initialRunState(i, T0), phase: { at: 'done' as const } };
    expect(() => stepRun(i, done, { type: 'recorded' }, { now: T0, historyLength: 0, continueAsNewSuggested: false })).toThrow('already ended');
  });
});
