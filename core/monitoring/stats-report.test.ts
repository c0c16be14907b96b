import { describe, expect, it } from '@jest/globals';
import type { ExecutionPlan, PlanStep } from '../../engine/plan.js';
import { buildStats, conversionRate, daysBetween, mergeExits, planNodes, stepsInOrder, type StatsRows } from './stats-report.js';

function plan(nodes: PlanStep[]): ExecutionPlan {
  return {
    planVersion: 1,
    name: 'p',
    trigger: { kind: 'api' },
    startNodeId: nodes[0].id,
    nodes: Object.fromEntries(nodes.map((n) => [n.id, n])),
    exitCriteria: [],
    reentry: { policy: 'once' },
    timeZone: null,
    watchedEvents: [],
  } as ExecutionPlan;
}

const V1 = plan([
  { id: 'vip', kind: 'condition', condition: { trait: 'vip', op: 'eq', value: true } as never, next: { yes: 'ab', no: 'bye' } },
  { id: 'ab', kind: 'random_split', label: 'A/B', arms: [{ key: 't', weight: 1, control: false }, { key: 'c', weight: 1, control: true }], next: { t: 'bye', c: 'bye' } },
  { id: 'bye', kind: 'exit', reason: 'done' },
]);
const V2 = plan([
  { id: 'vip', kind: 'condition', label: 'VIP?', condition: { trait: 'vip', op: 'eq', value: true } as never, next: { yes: 'sms', no: 'bye' } },
  { id: 'sms', kind: 'action', action: 'sms', category: 'marketing', params: {}, onFailure: 'continue', next: 'bye' },
  { id: 'bye', kind: 'exit', reason: 'done' },
]);

describe('conversionRate', () => {
  it.each([
    [0, 0, null],
    [0, 5, 0],
    [1, 3, 0.3333],
    [2, 3, 0.6667],
    [4, 4, 1],
  ])('%i of %i -> %p', (converted, entered, rate) => {
    expect(conversionRate(converted, entered)).toBe(rate);
  });
});

describe('daysBetween', () => {
  it.each([
    ['2026-03-01', '2026-03-01', ['2026-03-01']],
    ['2026-02-27', '2026-03-02', ['2026-02-27', '2026-02-28', '2026-03-01', '2026-03-02']],
    ['2024-02-28', '2024-03-01', ['2024-02-28', '2024-02-29', '2024-03-01']],
    ['2025-12-31', '2026-01-01', ['2025-12-31', '2026-01-01']],
    ['2026-03-02', '2026-03-01', []],
  ])('%s..%s', (from, to, days) => {
    expect(daysBetween(from, to)).toEqual(days);
  });
});

describe('stepsInOrder', () => {
  it('orders steps after every step leading to them, whatever the key order of the stored plan', () => {
    // Keys as jsonb returns them (shortest first), not as the canvas wrote them.
    const stored = plan([
      { id: 'end', kind: 'exit', reason: 'done' },
      { id: 'sms', kind: 'action', action: 'sms', category: 'marketing', params: {}, onFailure: 'continue', next: 'wait' },
      { id: 'wait', kind: 'wait_duration', durationMs: 1000, next: 'end' },
      { id: 'split', kind: 'multi_split', cases: [{ key: 'b', condition: {} as never }, { key: 'a', condition: {} as never }], next: { else: 'end', a: 'wait', b: 'sms' } },
    ]);
    stored.startNodeId = 'split';
    expect(stepsInOrder(stored).map((s) => s.id)).toEqual(['split', 'sms', 'wait', 'end']);
    expect(Object.keys(planNodes([{ version: 1, plan: stored }])[0].next)).toEqual(['b', 'a', 'else']);
  });
});

describe('planNodes', () => {
  it('lists the newest version first; a node keeps the shape of its newest version; older-only nodes follow', () => {
    const nodes = planNodes([{ version: 1, plan: V1 }, { version: 2, plan: V2 }]);
    expect(nodes.map((n) => n.nodeId)).toEqual(['vip', 'sms', 'bye', 'ab']);
    expect(nodes[0]).toEqual({ nodeId: 'vip', kind: 'condition', label: 'VIP?', next: { yes: 'sms', no: 'bye' } });
    expect(nodes[1].next).toEqual({ next: 'bye' });
    expect(nodes[2].next).toEqual({});
    expect(nodes[3]).toMatchObject({ kind: 'random_split', label: 'A/B', arms: [{ key: 't', weight: 1, control: false }, { key: 'c', weight: 1, control: true }] });
  });
});

describe('mergeExits', () => {
  it('adds up the same status and reason across days, largest first', () => {
    expect(
      mergeExits([
        { status: 'completed', reason: 'done', count: 1 },
        { status: 'converted', reason: 'goal_reached', count: 2 },
        { status: 'completed', reason: 'done', count: 2 },
        { status: 'exited', reason: null, count: 2 },
      ]),
    ).toEqual([
      { status: 'completed', reason: 'done', count: 3 },
      { status: 'converted', reason: 'goal_reached', count: 2 },
      { status: 'exited', reason: null, count: 2 },
    ]);
  });
});

describe('buildStats', () => {
  const nodes = planNodes([{ version: 1, plan: V1 }]);
  const rows: StatsRows = {
    entered: [
      { day: '2026-03-01', count: 3 },
      { day: '2026-03-03', count: 1 },
    ],
    endings: [
      { day: '2026-03-01', status: 'completed', reason: 'done', count: 2 },
      { day: '2026-03-03', status: 'converted', reason: 'goal_reached', count: 1 },
    ],
    flow: [
      { day: '2026-03-01', nodeId: 'vip', port: null, count: 3 },
      { day: '2026-03-01', nodeId: 'vip', port: 'yes', count: 2 },
      { day: '2026-03-01', nodeId: 'vip', port: 'no', count: 1 },
      { day: '2026-03-01', nodeId: 'ab', port: null, count: 2 },
      { day: '2026-03-01', nodeId: 'ab', port: 't', count: 2 },
      { day: '2026-03-03', nodeId: 'vip', port: null, count: 1 },
      { day: '2026-03-03', nodeId: 'vip', port: 'yes', count: 1 },
      { day: '2026-03-03', nodeId: 'ab', port: null, count: 1 },
      { day: '2026-03-03', nodeId: 'ab', port: 'c', count: 1 },
    ],
    armEndings: [
      { day: '2026-03-01', nodeId: 'ab', arm: 't', status: 'completed', reason: 'done', count: 1 },
      { day: '2026-03-03', nodeId: 'ab', arm: 'c', status: 'converted', reason: 'goal_reached', count: 1 },
    ],
    current: [
      { nodeId: null, status: 'pending', waiting: false, count: 2 },
      { nodeId: 'ab', status: 'active', waiting: true, count: 1 },
      { nodeId: 'ab', status: 'active', waiting: false, count: 3 },
    ],
  };

  it('totals, nodes with zero-filled branches, arms with their own conversions', () => {
    const stats = buildStats(nodes, rows, { from: null, to: null });
    expect(stats.totals).toEqual({
      entered: 4,
      converted: 1,
      conversionRate: 0.25,
      exits: [
        { status: 'completed', reason: 'done', count: 2 },
        { status: 'converted', reason: 'goal_reached', count: 1 },
      ],
      pending: 2,
      waiting: 1,
      inProgress: 3,
    });
    expect(stats.nodes.map(({ nodeId, passed, waiting, inProgress, branches }) => ({ nodeId, passed, waiting, inProgress, branches }))).toEqual([
      { nodeId: 'vip', passed: 4, waiting: 0, inProgress: 0, branches: { yes: 3, no: 1 } },
      { nodeId: 'ab', passed: 3, waiting: 1, inProgress: 3, branches: { t: 2, c: 1 } },
      { nodeId: 'bye', passed: 0, waiting: 0, inProgress: 0, branches: null },
    ]);
    expect(stats.randomSplits).toEqual([
      {
        nodeId: 'ab',
        label: 'A/B',
        arms: [
          { key: 't', weight: 1, control: false, entered: 2, converted: 0, conversionRate: 0, exits: [{ status: 'completed', reason: 'done', count: 1 }] },
          { key: 'c', weight: 1, control: true, entered: 1, converted: 1, conversionRate: 1, exits: [{ status: 'converted', reason: 'goal_reached', count: 1 }] },
        ],
      },
    ]);
  });

  it('a daily series from the first to the last day with activity, gaps as zero days', () => {
    const { series } = buildStats(nodes, rows, { from: null, to: null });
    expect(series).toEqual([
      {
        date: '2026-03-01',
        entered: 3,
        converted: 0,
        exits: [{ status: 'completed', reason: 'done', count: 2 }],
        nodes: { vip: { passed: 3, branches: { yes: 2, no: 1 } }, ab: { passed: 2, branches: { t: 2 } } },
        arms: { ab: { t: { entered: 2, converted: 0 } } },
      },
      { date: '2026-03-02', entered: 0, converted: 0, exits: [], nodes: {}, arms: {} },
      {
        date: '2026-03-03',
        entered: 1,
        converted: 1,
        exits: [{ status: 'converted', reason: 'goal_reached', count: 1 }],
        nodes: { vip: { passed: 1, branches: { yes: 1 } }, ab: { passed: 1, branches: { c: 1 } } },
        arms: { ab: { c: { entered: 1, converted: 1 } } },
      },
    ]);
  });

  it('the series sums to the totals', () => {
    const stats = buildStats(nodes, rows, { from: null, to: null });
    const sum = (pick: (d: (typeof stats.series)[number]) => number) => stats.series.reduce((a, d) => a + pick(d), 0);
    expect(sum((d) => d.entered)).toBe(stats.totals.entered);
    expect(sum((d) => d.converted)).toBe(stats.totals.converted);
    expect(sum((d) => d.nodes.vip?.passed ?? 0)).toBe(stats.nodes[0].passed);
  });

  it('an explicit range covers every day of it, even without activity', () => {
    const { series } = buildStats(nodes, rows, { from: '2026-02-28', to: '2026-03-04' });
    expect(series.map((d) => [d.date, d.entered])).toEqual([
      ['2026-02-28', 0],
      ['2026-03-01', 3],
      ['2026-03-02', 0],
      ['2026-03-03', 1],
      ['2026-03-04', 0],
    ]);
  });

  it('no activity and no range: an empty series and null rates', () => {
    const empty: StatsRows = { entered: [], endings: [], flow: [], armEndings: [], current: [] };
    const stats = buildStats(nodes, empty, { from: null, to: null });
    expect(stats.series).toEqual([]);
    expect(stats.totals.conversionRate).toBeNull();
    expect(stats.randomSplits[0].arms.map((a) => a.conversionRate)).toEqual([null, null]);
    expect(buildStats(nodes, empty, { from: '2026-03-01', to: null }).series.map((d) => d.date)).toEqual(['2026-03-01']);
  });

  it('counts a port the plan no longer has (an older version) rather than dropping it', () => {
    const stats = buildStats(nodes, { ...rows, flow: [{ day: '2026-03-01', nodeId: 'vip', port: 'maybe', count: 1 }] }, { from: null, to: null });
    expect(stats.nodes[0].branches).toEqual({ yes: 0, no: 0, maybe: 1 });
  });
});
