import { describe, expect, it } from '@jest/globals';
import type { ExecutionPlan, PlanStep } from '../../engine/plan.js';
import { buildStats, conversionRate, daysBetween, mergeExits, planNodes, stepsInOrder, type SendRow, type StatsRows } from './stats-report.js';

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

const NO_SENDS = { attempted: 0, sent: 0, delivered: 0, failed: {}, suppressed: {} };

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
    sends: [],
    armSends: [],
  };

  it('totals, nodes with zero-filled branches, arms with their own conversions', () => {
    const stats = buildStats(nodes, rows, { from: null, to: null });
    expect(stats.totals).toEqual({
      entered: 4,
      converted: 1,
      convertedAfterEnd: 0,
      conversionRate: 0.25,
      exits: [
        { status: 'completed', reason: 'done', count: 2 },
        { status: 'converted', reason: 'goal_reached', count: 1 },
      ],
      pending: 2,
      waiting: 1,
      inProgress: 3,
      messages: NO_SENDS,
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
          { key: 't', weight: 1, control: false, entered: 2, converted: 0, convertedAfterEnd: 0, conversionRate: 0, exits: [{ status: 'completed', reason: 'done', count: 1 }], messages: NO_SENDS },
          { key: 'c', weight: 1, control: true, entered: 1, converted: 1, convertedAfterEnd: 0, conversionRate: 1, exits: [{ status: 'converted', reason: 'goal_reached', count: 1 }], messages: NO_SENDS },
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
        convertedAfterEnd: 0,
        exits: [{ status: 'completed', reason: 'done', count: 2 }],
        nodes: { vip: { passed: 3, branches: { yes: 2, no: 1 } }, ab: { passed: 2, branches: { t: 2 } } },
        arms: { ab: { t: { entered: 2, converted: 0 } } },
        messages: NO_SENDS,
      },
      { date: '2026-03-02', entered: 0, converted: 0, convertedAfterEnd: 0, exits: [], nodes: {}, arms: {}, messages: NO_SENDS },
      {
        date: '2026-03-03',
        entered: 1,
        converted: 1,
        convertedAfterEnd: 0,
        exits: [{ status: 'converted', reason: 'goal_reached', count: 1 }],
        nodes: { vip: { passed: 1, branches: { yes: 1 } }, ab: { passed: 1, branches: { c: 1 } } },
        arms: { ab: { c: { entered: 1, converted: 1 } } },
        messages: NO_SENDS,
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
    const empty: StatsRows = { entered: [], endings: [], flow: [], armEndings: [], current: [], sends: [], armSends: [] };
    const stats = buildStats(nodes, empty, { from: null, to: null });
    expect(stats.series).toEqual([]);
    expect(stats.totals.conversionRate).toBeNull();
    expect(stats.randomSplits[0].arms.map((a) => a.conversionRate)).toEqual([null, null]);
    expect(buildStats(nodes, empty, { from: '2026-03-01', to: null }).series.map((d) => d.date)).toEqual(['2026-03-01']);
  });

  it('adds runs converted after they ended to converted, apart as convertedAfterEnd, in totals, their arm and the day of the goal event', () => {
    const afterEnd = [
      { day: '2026-03-04', arms: [{ nodeId: 'ab', arm: 't' }] },
      { day: '2026-03-04', arms: [] },
    ];
    const stats = buildStats(nodes, rows, { from: null, to: null }, afterEnd);
    expect(stats.totals).toMatchObject({ entered: 4, converted: 3, convertedAfterEnd: 2, conversionRate: 0.75 });
    expect(stats.randomSplits[0].arms.map((a) => [a.key, a.converted, a.convertedAfterEnd, a.conversionRate])).toEqual([
      ['t', 1, 1, 0.5],
      ['c', 1, 0, 1],
    ]);
    expect(stats.series.at(-1)).toMatchObject({ date: '2026-03-04', converted: 2, convertedAfterEnd: 2, arms: { ab: { t: { entered: 0, converted: 1 } } } });
    expect(stats.series.reduce((a, d) => a + d.converted, 0)).toBe(stats.totals.converted);
  });

  it('counts a port the plan no longer has (an older version) rather than dropping it', () => {
    const stats = buildStats(nodes, { ...rows, flow: [{ day: '2026-03-01', nodeId: 'vip', port: 'maybe', count: 1 }] }, { from: null, to: null });
    expect(stats.nodes[0].branches).toEqual({ yes: 0, no: 0, maybe: 1 });
  });
});

describe('send outcomes', () => {
  const send = (day: string, status: string, extra: Partial<SendRow> = {}): SendRow => ({
    day,
    nodeId: 'sms',
    splitNodeId: null,
    arm: null,
    status,
    errorCode: null,
    deliveryStatus: null,
    deliveryErrorCode: null,
    count: 1,
    ...extra,
  });
  const nodes = planNodes([{ version: 1, plan: V1 }, { version: 2, plan: V2 }]);
  const base: StatsRows = { entered: [], endings: [], flow: [], armEndings: [], current: [], sends: [], armSends: [] };

  it('classifies each ledger outcome: delivered, failed by reason, suppressed by reason (no recipient included)', () => {
    const sends = [
      send('2026-03-01', 'sent', { deliveryStatus: 'delivered', count: 4 }),
      send('2026-03-01', 'sent', { deliveryStatus: 'undelivered', deliveryErrorCode: '30003' }),
      send('2026-03-01', 'sent'),
      send('2026-03-02', 'failed', { errorCode: 'no_recipient', count: 5 }),
      send('2026-03-02', 'suppressed', { errorCode: 'frequency_cap', count: 2 }),
      send('2026-03-02', 'suppressed', { errorCode: 'no_consent' }),
      send('2026-03-02', 'failed', { errorCode: 'invalid_token' }),
      send('2026-03-02', 'unknown', { errorCode: 'outcome_unknown' }),
      send('2026-03-02', 'pending'),
      // Deferred by quiet hours: suppressed for the while, not a touch of its own.
      send('2026-03-02', 'deferred', { errorCode: 'quiet_hours', count: 3 }),
    ];
    const stats = buildStats(nodes, { ...base, sends }, { from: null, to: null });
    const all = {
      attempted: 17,
      sent: 6,
      delivered: 4,
      failed: { '30003': 1, invalid_token: 1, outcome_unknown: 1 },
      suppressed: { no_recipient: 5, frequency_cap: 2, no_consent: 1, quiet_hours: 3 },
    };
    expect(stats.totals.messages).toEqual(all);
    expect(stats.nodes.find((n) => n.nodeId === 'sms')!.messages).toEqual(all);
    expect(stats.nodes.find((n) => n.nodeId === 'vip')!.messages).toBeNull();
    expect(stats.series.map((d) => [d.date, d.messages.attempted, d.nodes.sms?.messages?.suppressed])).toEqual([
      ['2026-03-01', 6, {}],
      ['2026-03-02', 11, { no_recipient: 5, frequency_cap: 2, no_consent: 1, quiet_hours: 3 }],
    ]);
  });

  it('counts each arm of a random split on its own', () => {
    const armSends = [
      send('2026-03-01', 'sent', { splitNodeId: 'ab', arm: 't', deliveryStatus: 'delivered', count: 2 }),
      send('2026-03-01', 'failed', { splitNodeId: 'ab', arm: 'c', errorCode: 'no_recipient' }),
      send('2026-03-01', 'deferred', { splitNodeId: 'ab', arm: 't', errorCode: 'quiet_hours' }),
    ];
    const [arms] = buildStats(nodes, { ...base, armSends }, { from: null, to: null }).randomSplits.map((s) => s.arms);
    expect(arms.map((a) => [a.key, a.messages])).toEqual([
      ['t', { attempted: 2, sent: 2, delivered: 2, failed: {}, suppressed: { quiet_hours: 1 } }],
      ['c', { attempted: 1, sent: 0, delivered: 0, failed: {}, suppressed: { no_recipient: 1 } }],
    ]);
  });
});
