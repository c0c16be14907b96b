import { describe, expect, it } from '@jest/globals';
import type { ExecutionPlan } from '../../engine/plan.js';
import type { GoalAfterEndRow } from '../../store/journey-stats.repository.js';
import { conversionsAfterEnd, goalWindows } from './conversions-after-end.js';

const plan = (goal: ExecutionPlan['goal']): ExecutionPlan =>
  ({ planVersion: 3, name: 'p', trigger: { kind: 'api' }, startNodeId: 'x', nodes: {}, exitCriteria: [], reentry: { policy: 'once' }, timeZone: null, watchedEvents: [], goal }) as ExecutionPlan;

const row = (enrollmentId: string, day: string, properties: Record<string, unknown>, versionId = 'j@1'): GoalAfterEndRow => ({
  enrollmentId,
  versionId,
  eventId: `${enrollmentId}-${day}`,
  name: 'deposit',
  eventTime: new Date(`${day}T10:00:00Z`),
  properties,
  day,
  arms: [{ nodeId: 'ab', arm: 't' }],
});

describe('conversionsAfterEnd', () => {
  const plans = new Map([['j@1', plan({ event: 'deposit', where: [{ property: 'amount', op: 'gte', value: 100 }], conversionWindowMs: 86_400_000 })]]);

  it('counts a run once, on the day of its first goal event whose filters hold', () => {
    const rows = [row('r1', '2026-03-01', { amount: 5 }), row('r1', '2026-03-02', { amount: 150 }), row('r1', '2026-03-03', { amount: 500 }), row('r2', '2026-03-01', { amount: 1 })];
    expect(conversionsAfterEnd(rows, plans)).toEqual([{ day: '2026-03-02', arms: [{ nodeId: 'ab', arm: 't' }] }]);
  });

  it('ignores rows of a version it has no plan (or no goal) for', () => {
    expect(conversionsAfterEnd([row('r1', '2026-03-01', { amount: 500 }, 'j@9')], plans)).toEqual([]);
    expect(conversionsAfterEnd([row('r1', '2026-03-01', { amount: 500 })], new Map([['j@1', plan(undefined)]]))).toEqual([]);
  });
});

describe('goalWindows', () => {
  it('lists only versions whose goal has a window', () => {
    const versions = [
      { versionId: 'j@1', plan: plan({ event: 'deposit', where: [] }) },
      { versionId: 'j@2', plan: plan({ event: 'deposit', where: [], conversionWindowMs: 60_000 }) },
      { versionId: 'j@3', plan: plan(undefined) },
    ];
    expect(goalWindows(versions)).toEqual([{ versionId: 'j@2', event: 'deposit', windowMs: 60_000 }]);
  });
});
