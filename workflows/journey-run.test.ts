/**
 * The interpreter on the time-skipping test server, with in-memory activities: the onboarding journey
 * with every branch taken, goals and exits while waiting, late events, random splits, action
 * failures, continue-as-new and local-time waits.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { WorkflowExecutionAlreadyStartedError, type WorkflowHandle } from '@temporalio/client';
import type { Canvas } from '../engine/canvas.js';
import type { ExecutionPlan } from '../engine/plan.js';
import type { JourneyRunInput, JourneyRunResult } from '../engine/runtime.js';
import { spreadOffsetMs } from '../engine/random.js';
import { nextLocalTimeOfDay } from '../engine/time.js';
import { createTimeSkippingEnv } from '../test/support/env.js';
import { FakeWorld } from '../test/support/fake-activities.js';
import { examplePlan, planOf, ROOT, runInput } from '../test/support/runs.js';
import { WORKFLOWS_PATH } from '../worker/worker.js';
import { customerEventSignal, enrollmentStateQuery, exitEnrollmentSignal } from '../engine/workflow-contract.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const TASK_QUEUE = 'journey-run-test';

let env: TestWorkflowEnvironment;
let bundle: WorkflowBundleWithSourceMap;
const world = new FakeWorld();
let worker: Worker;
let running: Promise<void>;
const recorded = new Map<string, string>();

beforeAll(async () => {
  [env, bundle] = await Promise.all([createTimeSkippingEnv(), bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH })]);
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: TASK_QUEUE,
    workflowBundle: bundle,
    activities: world.activities(),
  });
  running = worker.run();
});

afterAll(async () => {
  if (process.env.RECORD_HISTORIES === '1') {
    for (const [name, workflowId] of recorded) {
      const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
      fs.writeFileSync(path.join(ROOT, 'workflows', 'histories', `${name}.json`), historyToJSON(history));
    }
  }
  worker?.shutdown();
  await running;
  await env?.teardown();
});

function start(input: JourneyRunInput, recordAs?: string): Promise<WorkflowHandle> {
  if (recordAs) recorded.set(recordAs, input.enrollmentId);
  return env.client.workflow.start('journeyRun', { taskQueue: TASK_QUEUE, workflowId: input.enrollmentId, args: [input] });
}

const result = (h: WorkflowHandle) => h.result() as Promise<JourneyRunResult>;

/** A tiny canvas: trigger, then `body` nodes, wired by `edges`. */
function canvas(nodes: Canvas['nodes'], edges: Canvas['edges'], extra: Partial<Canvas> = {}): ExecutionPlan {
  return planOf({
    schemaVersion: 2,
    name: 'test',
    ...extra,
    nodes: [{ id: 'start', type: 'trigger', trigger: { kind: 'api' } }, ...nodes],
    edges: [{ from: 'start', to: nodes[0].id }, ...edges],
  });
}

const registered = (t0: number, customerId: string) => ({
  kind: 'event' as const,
  event: { eventId: `reg-${customerId}`, name: 'registered', eventTime: t0, properties: {} },
  payload: {},
});

describe('onboarding journey (examples/onboarding.json)', () => {
  it('takes every branch for the customer whose behaviour calls for it, and honours goal and exit while waiting', async () => {
    const plan = examplePlan('onboarding');
    const t0 = await env.currentTimeMs();
    const ids = ['dropout', 'noacct', 'inactive', 'active', 'goal', 'closed'].map((c) => `onb-${c}`);
    const [dropout, noacct, inactive, active, goal, closed] = ids;
    for (const id of ids) world.traits.set(id, { phone: '+8613800000000', push_tokens: ['tok'], account_manager: 'am-1' });
    world.addEvent(dropout, 'opening_started', t0 + 1.5 * HOUR);
    world.addEvent(noacct, 'account_opened', t0 + 5 * DAY);
    world.addEvent(inactive, 'opening_page_viewed', t0 + 0.5 * HOUR);
    world.addEvent(inactive, 'account_opened', t0 + 1 * DAY);
    world.addEvent(inactive, 'app_launch', t0 + 2 * DAY);
    for (const c of [active, goal]) {
      world.addEvent(c, 'opening_page_viewed', t0 + 0.2 * HOUR);
      world.addEvent(c, 'account_opened', t0 + 1 * DAY);
      for (let i = 0; i < 4; i++) world.addEvent(c, 'app_launch', t0 + 1.5 * DAY + i * HOUR);
    }

    const handles = new Map<string, WorkflowHandle>();
    for (const id of ids) {
      handles.set(id, await start(runInput(plan, id, registered(t0, id), t0), id === dropout ? 'onboarding-dropout' : id === goal ? 'onboarding-goal' : undefined));
    }
    await env.sleep(HOUR);
    await handles.get(dropout)!.signal(customerEventSignal, { eventId: 'opv-1', name: 'opening_page_viewed', eventTime: t0 + HOUR, properties: {} });
    await env.sleep(HOUR / 2);
    await handles.get(closed)!.signal(customerEventSignal, { eventId: 'close-1', name: 'account_closed', eventTime: t0 + 1.5 * HOUR, properties: {} });
    await env.sleep(4 * DAY - 1.5 * HOUR);
    await handles.get(goal)!.signal(customerEventSignal, { eventId: 'dep-1', name: 'first_deposit', eventTime: t0 + 4 * DAY, properties: { amount: 5000 } });

    const results = new Map<string, JourneyRunResult>();
    for (const id of ids) results.set(id, await result(handles.get(id)!));

    expect(results.get(dropout)).toEqual({
      status: 'completed',
      reason: 'onboarding_finished',
      path: ['wait_opening_page', 'wait_day3', 'day3_split', 'crm_call_dropout', 'wait_day7', 'day7_check', 'tag_unconverted', 'done'],
    });
    expect(world.sendsOf(dropout)).toEqual(['crm_call_dropout']);
    expect(world.traits.get(dropout)?.onboarding_stage).toBe('unconverted_day7');

    expect(results.get(noacct)?.path).toEqual([
      'wait_opening_page', 'sms_open_nudge', 'wait_day3', 'day3_split', 'sms_open_again', 'wait_day7', 'day7_check', 'sms_day7_deposit', 'done',
    ]);
    expect(world.sendsOf(noacct)).toEqual(['sms_open_nudge', 'sms_open_again', 'sms_day7_deposit']);

    expect(world.sendsOf(inactive)).toEqual(['push_reward', 'sms_day7_deposit']);
    expect(world.sendsOf(active)).toEqual(['push_wealth_offer', 'sms_day7_deposit']);

    expect(results.get(goal)).toEqual({
      status: 'converted',
      reason: 'goal_reached',
      path: ['wait_opening_page', 'wait_day3', 'day3_split', 'push_wealth_offer', 'wait_day7'],
    });
    expect(world.sendsOf(goal)).toEqual(['push_wealth_offer']);

    expect(results.get(closed)).toEqual({ status: 'exited', reason: 'account_closed', path: ['wait_opening_page'] });
    expect(world.sendsOf(closed)).toEqual([]);
  });

  it('records every step with the values each decision was based on', async () => {
    const enrollmentId = recorded.get('onboarding-dropout')!;
    const steps = world.stepsOf(enrollmentId);
    expect(steps.map((s) => s.seq)).toEqual(steps.map((_, i) => i));
    expect(steps[0]).toMatchObject({ kind: 'enrolled', nodeId: null });
    const waitDecision = steps.find((s) => s.kind === 'decision' && s.nodeId === 'wait_opening_page')!;
    expect(waitDecision.detail).toMatchObject({ port: 'matched', matchedEvent: { eventId: 'opv-1' } });
    const split = steps.find((s) => s.kind === 'decision' && s.nodeId === 'day3_split')!;
    expect(split.detail.port).toBe('dropped_mid_opening');
    expect(Object.values(split.detail.values as Record<string, unknown>)).toEqual(expect.arrayContaining([0, 1]));
    const action = steps.find((s) => s.kind === 'action')!;
    expect(action).toMatchObject({ nodeId: 'crm_call_dropout', detail: { action: 'crm_task', status: 'sent' } });
    expect(steps.at(-1)).toMatchObject({ kind: 'ended', detail: { status: 'completed', reason: 'onboarding_finished' } });
    expect(world.enrollments.get(enrollmentId)).toMatchObject({ status: 'completed', exitReason: 'onboarding_finished' });
  });

  it('exits a waiting customer at once when support asks, with the reason recorded', async () => {
    const plan = examplePlan('onboarding');
    const t0 = await env.currentTimeMs();
    const handle = await start(runInput(plan, 'onb-support', registered(t0, 'onb-support'), t0), 'onboarding-support-exit');
    await env.sleep(DAY);
    expect(await handle.query(enrollmentStateQuery)).toMatchObject({ nodeId: 'wait_day3', ended: false });
    await handle.signal(exitEnrollmentSignal, { reason: 'customer_request', requestedBy: 'support:alice' });
    const r = await result(handle);
    expect(r).toMatchObject({ status: 'exited', reason: 'customer_request' });
    expect(r.path.at(-1)).toBe('wait_day3');
  });
});

describe('wait for event is decided by event time', () => {
  const plan = canvas(
    [
      { id: 'wait', type: 'wait_for_event', event: 'account_opened', timeout: 'PT2H', since: 'entry' },
      { id: 'yes', type: 'exit', reason: 'matched' },
      { id: 'no', type: 'exit', reason: 'timed_out' },
    ],
    [
      { from: 'wait', port: 'matched', to: 'yes' },
      { from: 'wait', port: 'timed_out', to: 'no' },
    ],
  );

  async function runWithEvent(customerId: string, arriveAfterMs: number, eventTimeOffsetMs: number): Promise<JourneyRunResult> {
    const t0 = await env.currentTimeMs();
    const handle = await start(runInput(plan, customerId, registered(t0, customerId), t0));
    await env.sleep(arriveAfterMs);
    await handle.signal(customerEventSignal, { eventId: `ao-${customerId}`, name: 'account_opened', eventTime: t0 + eventTimeOffsetMs, properties: {} });
    return result(handle);
  }

  it('an event on time and the same event arriving a minute late come out the same', async () => {
    const onTime = await runWithEvent('late-1', 2 * HOUR - 60_000, 2 * HOUR - 60_000);
    const late = await runWithEvent('late-2', 2 * HOUR + 60_000, 2 * HOUR - 60_000);
    expect(onTime.reason).toBe('matched');
    expect(late.reason).toBe('matched');
  });

  it('an event timestamped after the window times out even when it arrives within the grace period', async () => {
    const r = await runWithEvent('late-3', 2 * HOUR + 60_000, 2 * HOUR + 30_000);
    expect(r.reason).toBe('timed_out');
  });

  it('an event already stored before the customer reached the wait counts', async () => {
    const t0 = await env.currentTimeMs();
    world.addEvent('late-4', 'account_opened', t0 - 10_000 + HOUR / 2);
    const handle = await start(runInput(plan, 'late-4', registered(t0 - 10_000, 'late-4'), t0 - 10_000));
    expect((await result(handle)).reason).toBe('matched');
  });
});

describe('random split', () => {
  const plan = canvas(
    [
      { id: 'ab', type: 'random_split', arms: [{ key: 'holdout', weight: 1, control: true }, { key: 'treat', weight: 1 }] },
      { id: 'x_holdout', type: 'exit', reason: 'holdout' },
      { id: 'x_treat', type: 'exit', reason: 'treat' },
    ],
    [
      { from: 'ab', port: 'holdout', to: 'x_holdout' },
      { from: 'ab', port: 'treat', to: 'x_treat' },
    ],
  );

  it('is sticky per customer and version, uses both arms, and records the control flag', async () => {
    const t0 = await env.currentTimeMs();
    const entry = { kind: 'api' as const, payload: {} };
    const arms = new Map<string, string>();
    for (let i = 0; i < 12; i++) {
      const customer = `ab-${i}`;
      const first = await result(await start(runInput(plan, customer, entry, t0)));
      const second = await result(await start(runInput(plan, customer, entry, t0)));
      expect(second.reason).toBe(first.reason);
      arms.set(customer, first.reason);
    }
    expect(new Set(arms.values())).toEqual(new Set(['holdout', 'treat']));
    const holdoutCustomer = [...arms].find(([, arm]) => arm === 'holdout')![0];
    const input = runInput(plan, holdoutCustomer, entry, t0);
    await result(await start(input));
    const decision = world.stepsOf(input.enrollmentId).find((s) => s.kind === 'decision')!;
    expect(decision.detail).toMatchObject({ port: 'holdout', control: true });
  });
});

describe('actions that fail permanently', () => {
  const build = (onFailure: 'exit' | 'continue') =>
    canvas(
      [
        { id: 'sms', type: 'action', action: 'sms', onFailure, params: { body: 'hello' } },
        { id: 'after', type: 'exit', reason: 'after_sms' },
      ],
      [{ from: 'sms', to: 'after' }],
    );

  it('are recorded, and the journey exits or continues as the canvas says', async () => {
    world.failingNodes.add('sms');
    const t0 = await env.currentTimeMs();
    const entry = { kind: 'api' as const, payload: {} };
    const exitInput = runInput(build('exit'), 'fail-1', entry, t0);
    const exited = await result(await start(exitInput));
    const continued = await result(await start(runInput(build('continue'), 'fail-2', entry, t0)));
    world.failingNodes.delete('sms');
    expect(exited).toMatchObject({ status: 'exited', reason: 'action_failed' });
    expect(continued).toMatchObject({ status: 'completed', reason: 'after_sms' });
    const action = world.stepsOf(exitInput.enrollmentId).find((s) => s.kind === 'action')!;
    expect(action.detail).toMatchObject({ status: 'failed', error: { code: 'no_recipient' } });
  });
});

describe('long-lived runs', () => {
  it('continue as new under a busy event stream and keep their position, window and step numbering', async () => {
    const plan = canvas(
      [
        { id: 'wait', type: 'wait_for_event', event: 'trade', where: [{ property: 'first', op: 'eq', value: true }], timeout: 'P1D' },
        { id: 'yes', type: 'exit', reason: 'matched' },
        { id: 'no', type: 'exit', reason: 'timed_out' },
      ],
      [
        { from: 'wait', port: 'matched', to: 'yes' },
        { from: 'wait', port: 'timed_out', to: 'no' },
      ],
    );
    const t0 = await env.currentTimeMs();
    const input = runInput(plan, 'can-1', { kind: 'api', payload: {} }, t0);
    input.defaults = { ...input.defaults, maxHistoryEvents: 40 };
    const handle = await start(input, 'continue-as-new');
    for (let i = 0; i < 30; i++) {
      await handle.signal(customerEventSignal, { eventId: `t-${i}`, name: 'trade', eventTime: t0 + i, properties: { first: false } });
    }
    await env.sleep(HOUR);
    await handle.signal(customerEventSignal, { eventId: 't-final', name: 'trade', eventTime: t0 + HOUR, properties: { first: true } });
    const r = await result(handle);
    expect(r).toMatchObject({ status: 'completed', reason: 'matched', path: ['wait', 'yes'] });
    const steps = world.stepsOf(input.enrollmentId);
    expect(steps.filter((s) => s.kind === 'continued').length).toBeGreaterThan(0);
    expect(steps.map((s) => s.seq)).toEqual(steps.map((_, i) => i));
    expect(steps.filter((s) => s.kind === 'wait_started')).toHaveLength(1);
  });
});

describe('local time-of-day waits', () => {
  it("wait for the next weekday 09:30 in the customer's own zone", async () => {
    const plan = canvas(
      [
        { id: 'morning', type: 'wait', timeOfDay: '09:30', weekdays: ['mon', 'tue', 'wed', 'thu', 'fri'] },
        { id: 'done', type: 'exit' },
      ],
      [{ from: 'morning', to: 'done' }],
    );
    world.traits.set('tz-1', { timeZone: 'America/New_York' });
    const t0 = await env.currentTimeMs();
    const input = runInput(plan, 'tz-1', { kind: 'api', payload: {} }, t0);
    const r = await result(await start(input));
    expect(r.status).toBe('completed');
    const wait = world.stepsOf(input.enrollmentId).find((s) => s.kind === 'wait_started')!;
    const expected = nextLocalTimeOfDay(wait.at, { hour: 9, minute: 30, weekdays: ['mon', 'tue', 'wed', 'thu', 'fri'], timeZone: 'America/New_York' });
    expect(wait.detail.until).toBe(new Date(expected).toISOString());
    const ended = world.stepsOf(input.enrollmentId).find((s) => s.kind === 'wait_ended')!;
    expect(ended.at).toBeGreaterThanOrEqual(expected);
  });
});

describe('exit criteria on conditions', () => {
  it('end the run when the customer next moves on, with the criterion recorded', async () => {
    const plan = canvas(
      [
        { id: 'pause', type: 'wait', duration: 'P1D' },
        { id: 'sms', type: 'action', action: 'sms', params: { body: 'hi' } },
        { id: 'done', type: 'exit' },
      ],
      [
        { from: 'pause', to: 'sms' },
        { from: 'sms', to: 'done' },
      ],
      { exitCriteria: [{ id: 'opted_out', condition: { trait: 'marketing_opt_out', op: 'eq', value: true }, reason: 'opted_out' }] },
    );
    world.traits.set('crit-1', { phone: '+8613800000000' });
    const t0 = await env.currentTimeMs();
    const input = runInput(plan, 'crit-1', { kind: 'api', payload: {} }, t0);
    const handle = await start(input);
    await env.sleep(HOUR);
    world.traits.set('crit-1', { phone: '+8613800000000', marketing_opt_out: true });
    const r = await result(handle);
    expect(r).toEqual({ status: 'exited', reason: 'opted_out', path: ['pause', 'sms'] });
    expect(world.sendsOf('crit-1')).toEqual([]);
    const ended = world.stepsOf(input.enrollmentId).at(-1)!;
    expect(ended.detail).toMatchObject({ criterion: 'opted_out', values: { 'trait:marketing_opt_out': true } });
  });
});

describe('waits until an absolute time', () => {
  it('wake at that instant, and a time already past does not wait', async () => {
    const t0 = await env.currentTimeMs();
    const at = new Date(t0 + 5 * HOUR).toISOString().replace('Z', '+00:00');
    const build = (until: string) =>
      canvas([{ id: 'until', type: 'wait', until }, { id: 'done', type: 'exit' }], [{ from: 'until', to: 'done' }]);
    const future = runInput(build(at), 'until-1', { kind: 'api', payload: {} }, t0);
    const past = runInput(build('2020-01-01T00:00:00+08:00'), 'until-2', { kind: 'api', payload: {} }, t0);
    await result(await start(future));
    await result(await start(past));
    const wokeAt = world.stepsOf(future.enrollmentId).find((s) => s.kind === 'wait_ended')!.at;
    expect(wokeAt).toBeGreaterThanOrEqual(t0 + 5 * HOUR);
    expect(wokeAt).toBeLessThan(t0 + 5 * HOUR + 60_000);
    const pastSteps = world.stepsOf(past.enrollmentId);
    const waitedMs = pastSteps.find((s) => s.kind === 'wait_ended')!.at - pastSteps.find((s) => s.kind === 'wait_started')!.at;
    expect(waitedMs).toBeLessThan(60_000);
  });
});

describe('waits with a spread', () => {
  it('wake each customer at the end plus its own fixed offset, spread over the whole window', async () => {
    const t0 = await env.currentTimeMs();
    const at = t0 + 2 * HOUR;
    const plan = canvas(
      [{ id: 'launch', type: 'wait', until: new Date(at).toISOString().replace('Z', '+00:00'), spread: 'PT1H' }, { id: 'done', type: 'exit' }],
      [{ from: 'launch', to: 'done' }],
    );
    const inputs = Array.from({ length: 24 }, (_, i) => runInput(plan, `spread-${i}`, { kind: 'api', payload: {} }, t0));
    const handles: WorkflowHandle[] = [];
    for (const input of inputs) handles.push(await start(input));
    // Past the end of the spread, then collect the results (one time skip, not 24 at once).
    await env.sleep(3 * HOUR + 60_000);
    for (const handle of handles) expect((await result(handle)).status).toBe('completed');
    const wakes = inputs.map((input) => {
      const steps = world.stepsOf(input.enrollmentId);
      const started = steps.find((s) => s.kind === 'wait_started')!;
      const offset = spreadOffsetMs(`spread:${input.versionId}:${input.customerId}:launch`, HOUR);
      // The offset is the customer's own, recorded with the wait, and the wait ends there.
      expect(started.detail).toMatchObject({ kind: 'wait_until', spreadMs: HOUR, offsetMs: offset });
      expect(started.detail.until).toBe(new Date(at + offset).toISOString());
      const wokeAt = steps.find((s) => s.kind === 'wait_ended')!.at;
      expect(wokeAt).toBeGreaterThanOrEqual(at + offset);
      expect(wokeAt).toBeLessThan(at + offset + 60_000);
      return wokeAt;
    });
    // 24 customers over an hour: not one burst (without the spread all would wake within seconds of each other).
    expect(Math.max(...wakes) - Math.min(...wakes)).toBeGreaterThan(30 * 60_000);
    expect(new Set(wakes.map((w) => Math.floor((w - at) / (10 * 60_000)))).size).toBeGreaterThanOrEqual(4);
  });
});

describe('duplicate triggers', () => {
  it('cannot start a second run under the same enrollment id', async () => {
    const plan = canvas([{ id: 'pause', type: 'wait', duration: 'PT1H' }, { id: 'done', type: 'exit' }], [{ from: 'pause', to: 'done' }]);
    const t0 = await env.currentTimeMs();
    const input = runInput(plan, 'dup-1', { kind: 'api', payload: {} }, t0);
    const first = await start(input);
    await expect(start(input)).rejects.toBeInstanceOf(WorkflowExecutionAlreadyStartedError);
    expect((await result(first)).status).toBe('completed');
  });
});

describe('what a run costs the server before it parks', () => {
  /** Activity types scheduled before the first timer, in order, from the run's history. */
  async function activitiesBeforeTimer(workflowId: string): Promise<string[]> {
    const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
    const names: string[] = [];
    for (const event of history.events ?? []) {
      if (event.timerStartedEventAttributes) return names;
      const scheduled = event.activityTaskScheduledEventAttributes?.activityType?.name;
      if (scheduled) names.push(scheduled);
    }
    throw new Error(`${workflowId}: no timer in its history`);
  }

  /** The run's first three journal steps as [seq, kind, node]: what its first journal write held. */
  const firstSteps = (enrollmentId: string) => world.stepsOf(enrollmentId).slice(0, 3).map((s) => [s.seq, s.kind, s.nodeId]);
  const enrolledThenWaiting = (nodeId: string) => [
    [0, 'enrolled', null],
    [1, 'node_entered', nodeId],
    [2, 'wait_started', nodeId],
  ];

  it('a run that starts with a wait writes its enrollment and the wait in one journal write', async () => {
    const plan = canvas([{ id: 'pause', type: 'wait', duration: 'P2D' }, { id: 'done', type: 'exit' }], [{ from: 'pause', to: 'done' }]);
    const input = runInput(plan, 'park-1', { kind: 'api', payload: {} }, await env.currentTimeMs());
    expect((await result(await start(input, 'starts-with-wait'))).status).toBe('completed');
    expect(await activitiesBeforeTimer(input.enrollmentId)).toEqual(['recordSteps']);
    expect(firstSteps(input.enrollmentId)).toEqual(enrolledThenWaiting('pause'));
  });

  it('a run that starts with a wait for an event writes its enrollment with the wait, then looks for stored events', async () => {
    const plan = canvas(
      [
        { id: 'opening', type: 'wait_for_event', event: 'account_opened', timeout: 'P3D' },
        { id: 'opened', type: 'exit', reason: 'opened' },
        { id: 'late', type: 'exit', reason: 'late' },
      ],
      [
        { from: 'opening', port: 'matched', to: 'opened' },
        { from: 'opening', port: 'timed_out', to: 'late' },
      ],
    );
    const input = runInput(plan, 'park-3', { kind: 'api', payload: {} }, await env.currentTimeMs());
    expect((await result(await start(input, 'starts-with-event-wait'))).status).toBe('completed');
    expect(await activitiesBeforeTimer(input.enrollmentId)).toEqual(['recordSteps', 'findEvent']);
    expect(firstSteps(input.enrollmentId)).toEqual(enrolledThenWaiting('opening'));
  });

  it('a run that starts with anything else still writes its enrollment first', async () => {
    const plan = canvas(
      [
        { id: 'hello', type: 'action', action: 'sms', params: { body: 'hi' } },
        { id: 'pause', type: 'wait', duration: 'P2D' },
        { id: 'done', type: 'exit' },
      ],
      [
        { from: 'hello', to: 'pause' },
        { from: 'pause', to: 'done' },
      ],
    );
    const input = runInput(plan, 'park-2', { kind: 'api', payload: {} }, await env.currentTimeMs());
    expect((await result(await start(input))).status).toBe('completed');
    expect(await activitiesBeforeTimer(input.enrollmentId)).toEqual(['recordSteps', 'performAction', 'recordSteps']);
  });
});
