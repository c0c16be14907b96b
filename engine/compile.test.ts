import { describe, expect, test } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { compileCanvas } from './compile.js';
import type { ExecutionPlan } from './plan.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- tests build raw JSON */
const EXAMPLES = new URL('../examples/', import.meta.url);
const readExample = (file: string): any => JSON.parse(readFileSync(new URL(file, EXAMPLES), 'utf8'));

function compiled(doc: unknown): ExecutionPlan {
  const result = compileCanvas(doc);
  if (!result.ok) throw new Error(`expected a plan, got ${JSON.stringify(result.errors, null, 2)}`);
  return result.plan;
}

/** trigger -> (one step) -> exit, for checking one node's defaults. */
function singleStep(step: Record<string, unknown>, extraEdges: object[] = [], extra: Record<string, unknown> = {}): any {
  return {
    schemaVersion: 2,
    name: 'single step',
    ...extra,
    nodes: [
      { id: 'start', type: 'trigger', trigger: { kind: 'api' } },
      { id: 'step', ...step },
      { id: 'end', type: 'exit' },
    ],
    edges: [{ from: 'start', to: 'step' }, ...(extraEdges.length > 0 ? extraEdges : [{ from: 'step', to: 'end' }])],
  };
}

describe('compileCanvas: examples/onboarding.json', () => {
  const plan = compiled(readExample('onboarding.json'));

  test('journey-level fields', () => {
    expect(plan.planVersion).toBe(3);
    expect(plan.name).toBe('New-customer onboarding');
    expect(plan.trigger).toEqual({ kind: 'event', event: 'registered' });
    expect(plan.startNodeId).toBe('wait_opening_page');
    expect(plan.goal).toEqual({ event: 'first_deposit', where: [] });
    expect(plan.exitCriteria).toEqual([
      { id: 'account_closed', kind: 'event', event: 'account_closed', where: [], reason: 'account_closed' },
    ]);
    expect(plan.reentry).toEqual({ policy: 'once' });
    expect(plan.timeZone).toBe('Asia/Shanghai');
    expect(plan.watchedEvents).toEqual(['account_closed', 'first_deposit', 'opening_page_viewed']);
  });

  test('the trigger is not a step; every other node is', () => {
    expect(plan.nodes.registered).toBeUndefined();
    expect(Object.keys(plan.nodes)).toHaveLength(13);
  });

  test('waits and branches', () => {
    expect(plan.nodes.wait_opening_page).toEqual({
      id: 'wait_opening_page',
      label: 'Opened the account-opening page within 2 hours?',
      kind: 'wait_for_event',
      event: 'opening_page_viewed',
      where: [],
      timeoutMs: 7_200_000,
      since: 'entry',
      next: { matched: 'wait_day3', timed_out: 'sms_open_nudge' },
    });
    expect(plan.nodes.wait_day3).toMatchObject({ kind: 'wait_duration', durationMs: 259_200_000, next: 'day3_split' });
    expect(plan.nodes.wait_day7).toMatchObject({ kind: 'wait_duration', durationMs: 4 * 86_400_000, next: 'day7_check' });
    expect(plan.nodes.day3_split).toMatchObject({
      kind: 'multi_split',
      next: {
        dropped_mid_opening: 'crm_call_dropout',
        no_account: 'sms_open_again',
        inactive: 'push_reward',
        else: 'push_wealth_offer',
      },
    });
    const split = plan.nodes.day3_split;
    expect(split.kind === 'multi_split' && split.cases.map((c) => c.key)).toEqual(['dropped_mid_opening', 'no_account', 'inactive']);
    expect(plan.nodes.day7_check).toMatchObject({ kind: 'condition', next: { yes: 'sms_day7_deposit', no: 'tag_unconverted' } });
  });

  test('actions and exits get their defaults', () => {
    expect(plan.nodes.crm_call_dropout).toEqual({
      id: 'crm_call_dropout',
      label: 'CRM: call the customer who dropped out',
      kind: 'action',
      action: 'crm_task',
      category: 'marketing',
      params: { title: 'Call {{ customer.id }}: stopped in the middle of account opening', due: 'P1D' },
      onFailure: 'continue',
      next: 'wait_day7',
    });
    expect(plan.nodes.done).toEqual({ id: 'done', kind: 'exit', reason: 'onboarding_finished' });
  });

  test('the plan is plain JSON', () => {
    expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);
  });
});

describe('compileCanvas: every example compiles', () => {
  const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.json'));

  test('there are examples', () => {
    expect(files).toEqual(expect.arrayContaining(['onboarding.json', 'winback.json', 'fund-launch.json']));
  });

  test.each(files)('%s', (file) => {
    const result = compileCanvas(readExample(file));
    expect(result.ok ? [] : result.errors).toEqual([]);
  });

  test('winback: segment entry, cooldown re-entry, control arm', () => {
    const plan = compiled(readExample('winback.json'));
    expect(plan.trigger).toEqual({ kind: 'segment', segment: 'inactive_30d' });
    expect(plan.reentry).toEqual({ policy: 'cooldown', cooldownMs: 30 * 86_400_000 });
    expect(plan.nodes.holdout).toMatchObject({
      kind: 'random_split',
      arms: [
        { key: 'treatment', weight: 90, control: false },
        { key: 'control', weight: 10, control: true },
      ],
    });
    expect(plan.watchedEvents).toEqual(['account_closed', 'app_launch', 'trade_executed']);
  });

  test('fund-launch: API entry, weekday time of day, transactional webhook', () => {
    const plan = compiled(readExample('fund-launch.json'));
    expect(plan.trigger).toEqual({ kind: 'api' });
    expect(plan.startNodeId).toBe('suitable');
    expect(plan.nodes.next_weekday_morning).toMatchObject({
      kind: 'wait_time_of_day',
      hour: 9,
      minute: 30,
      weekdays: ['mon', 'tue', 'wed', 'thu', 'fri'],
      timeZone: null,
    });
    expect(plan.nodes.crm_lead).toMatchObject({ kind: 'action', action: 'webhook', category: 'transactional', onFailure: 'exit' });
    expect(plan.reentry).toEqual({ policy: 'after_exit' });
  });
});

describe('compileCanvas: normalization', () => {
  test.each([
    ['wait until', { type: 'wait', until: '2025-03-01T09:00:00+08:00' }, { kind: 'wait_until', until: '2025-03-01T09:00:00+08:00', next: 'end' }],
    ['time of day, defaults', { type: 'wait', timeOfDay: '18:05' }, { kind: 'wait_time_of_day', hour: 18, minute: 5, weekdays: [], timeZone: null }],
    ['time of day, explicit zone', { type: 'wait', timeOfDay: '07:00', timeZone: 'Europe/London' }, { timeZone: 'Europe/London' }],
    ['duration, spread', { type: 'wait', duration: 'P3D', spread: 'PT30M' }, { kind: 'wait_duration', durationMs: 259_200_000, spreadMs: 1_800_000 }],
    ['until, spread of a day', { type: 'wait', until: '2025-03-01T09:00:00+08:00', spread: 'P1D' }, { kind: 'wait_until', spreadMs: 86_400_000 }],
    ['time of day, spread', { type: 'wait', timeOfDay: '09:00', spread: 'PT1H' }, { kind: 'wait_time_of_day', hour: 9, spreadMs: 3_600_000 }],
  ])('%s', (_name, step, expected) => {
    expect(compiled(singleStep(step)).nodes.step).toMatchObject(expected);
  });

  test('the conversion window goes with the goal, in milliseconds; none without the setting', () => {
    const doc = singleStep({ type: 'wait', duration: 'PT1H' });
    doc.goal = { event: 'deposit' };
    expect(compiled(doc).goal).toEqual({ event: 'deposit', where: [] });
    doc.settings = { conversionWindow: 'P14D' };
    expect(compiled(doc).goal).toEqual({ event: 'deposit', where: [], conversionWindowMs: 14 * 86_400_000 });
  });

  test('a wait without spread has none in the plan', () => {
    expect(compiled(singleStep({ type: 'wait', duration: 'PT1H' })).nodes.step).not.toHaveProperty('spreadMs');
  });

  test('exit reason defaults to completed', () => {
    const doc = singleStep({ type: 'exit' });
    doc.nodes.pop();
    doc.edges.pop();
    expect(compiled(doc).nodes.step).toEqual({ id: 'step', kind: 'exit', reason: 'completed' });
  });

  test('wait_for_event defaults: since node, no filters', () => {
    const doc = singleStep({ type: 'wait_for_event', event: 'e', timeout: 'PT30M' }, [
      { from: 'step', port: 'matched', to: 'end' },
      { from: 'step', port: 'timed_out', to: 'end' },
    ]);
    expect(compiled(doc).nodes.step).toMatchObject({ since: 'node', where: [], timeoutMs: 1_800_000 });
    expect(compiled(doc).watchedEvents).toEqual(['e']);
  });

  test('journey defaults: no settings, goal or exit criteria', () => {
    const plan = compiled(singleStep({ type: 'wait', duration: 'PT1H' }));
    expect(plan).toMatchObject({ reentry: { policy: 'once' }, timeZone: null, exitCriteria: [], watchedEvents: [] });
    expect(plan.goal).toBeUndefined();
  });

  test('condition exit criteria compile; only event criteria are watched', () => {
    const exitCriteria = [
      { id: 'vip', condition: { trait: 'tier', op: 'eq', value: 'vip' }, reason: 'vip' },
      { id: 'frozen', event: 'account_frozen', where: [{ property: 'level', op: 'gte', value: 2 }], reason: 'frozen' },
    ];
    const plan = compiled(singleStep({ type: 'wait', duration: 'P1D' }, [], { exitCriteria }));
    expect(plan.exitCriteria).toEqual([
      { id: 'vip', kind: 'condition', condition: { trait: 'tier', op: 'eq', value: 'vip' }, reason: 'vip' },
      { id: 'frozen', kind: 'event', event: 'account_frozen', where: [{ property: 'level', op: 'gte', value: 2 }], reason: 'frozen' },
    ]);
    expect(plan.watchedEvents).toEqual(['account_frozen']);
  });

  test('a single-arm random split compiles with a warning', () => {
    const result = compileCanvas(singleStep({ type: 'random_split', arms: [{ key: 'all', weight: 1 }] }, [{ from: 'step', port: 'all', to: 'end' }]));
    expect(result.ok && result.warnings.map((w) => ({ code: w.code, path: w.path }))).toEqual([
      { code: 'single_arm_split', path: '$.nodes[1].arms' },
    ]);
  });

  test('an invalid canvas returns every error and no plan', () => {
    const result = compileCanvas(singleStep({ type: 'wait', duration: 'P1M' }, [{ from: 'step', to: 'nowhere' }]));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors.map((e) => e.code)).toEqual(expect.arrayContaining(['invalid_duration', 'unknown_node']));
  });
});

describe('compileCanvas: an action without a category takes its action default', () => {
  const receipt = { description: 'a receipt', paramsSchema: { type: 'object' }, templateParams: [], defaultCategory: 'transactional' as const };
  const step = (category?: string) => singleStep({ id: 'step', type: 'action', action: 'receipt', params: {}, ...(category ? { category } : {}) });
  const planOf = (doc: unknown) => {
    const result = compileCanvas(doc, { actions: { receipt } });
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    return result.plan.nodes.step;
  };

  test.each([
    ['none given: the action default', undefined, 'transactional'],
    ['given: the node wins', 'marketing', 'marketing'],
  ])('%s', (_, category, expected) => {
    expect(planOf(step(category))).toMatchObject({ kind: 'action', category: expected });
  });

  test('an action without a default is marketing', () => {
    expect(compiled(singleStep({ id: 'step', type: 'action', action: 'sms', params: { body: 'hi' } })).nodes.step).toMatchObject({ category: 'marketing' });
  });
});
