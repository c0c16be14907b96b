/** Backtests, pure: re-entry of one stored customer per the journey's policy, and the figures it adds up to. */
import { describe, expect, it } from '@jest/globals';
import { BUILTIN_ACTIONS } from '../actions.js';
import { compileCanvas } from '../compile.js';
import type { Canvas, ReentryPolicy } from '../canvas.js';
import type { PlanReentry } from '../plan.js';
import { parseFrequencyCaps } from '../policy.js';
import type { CustomerEvent } from '../runtime.js';
import { addToFigures, backtestCustomer, emptyFigures, type BacktestSpec } from './backtest.js';
import { reentryRefusal } from '../reentry.js';
import { simulatedChannels } from './world.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const FROM = Date.parse('2026-05-01T00:00:00Z');

const channels = simulatedChannels(
  Object.entries(BUILTIN_ACTIONS).map(([action, spec]) => ({ action, spec, kind: action === 'update_traits' ? ('internal' as const) : ('touch' as const) })),
);

/** signed_up -> SMS -> wait 2 days -> exit, with the given re-entry policy. */
function spec(reentry: ReentryPolicy, overrides: Partial<BacktestSpec> = {}): BacktestSpec {
  const compiled = compileCanvas({
    schemaVersion: 2,
    name: 'Re-entry',
    settings: { reentry },
    nodes: [
      { id: 'start', type: 'trigger', trigger: { kind: 'event', event: 'signed_up' } },
      { id: 'sms', type: 'action', action: 'sms', params: { body: 'Welcome' } },
      { id: 'wait', type: 'wait', duration: 'P2D' },
      { id: 'done', type: 'exit', reason: 'welcomed' },
    ],
    edges: [
      { from: 'start', to: 'sms' },
      { from: 'sms', to: 'wait' },
      { from: 'wait', to: 'done' },
    ],
  } as Canvas);
  if (!compiled.ok) throw new Error(JSON.stringify(compiled.errors));
  return {
    plan: compiled.plan,
    journeyId: 'reentry',
    versionId: 'reentry@draft',
    channels,
    caps: {},
    defaults: { timeZone: 'UTC', lateEventGraceMs: 0, maxHistoryEvents: 10_000 },
    from: FROM,
    to: FROM + 30 * DAY,
    horizonMs: 10 * DAY,
    runUntil: FROM + 60 * DAY,
    ...overrides,
  };
}

/** Sign-ups `days` after FROM. */
const signUps = (...days: number[]): CustomerEvent[] => days.map((d, i) => ({ eventId: `su-${i}`, name: 'signed_up', eventTime: FROM + d * DAY, properties: {} }));
const customer = (events: CustomerEvent[]) => ({ id: 'c-1', traits: { phone: '+8613800000000' }, events, segments: {}, sentBefore: [] });

describe('reentryRefusal: the enrollment rule, pure', () => {
  const cooldown: PlanReentry = { policy: 'cooldown', cooldownMs: 5 * DAY };
  it.each([
    ['still running', { policy: 'after_exit' } as PlanReentry, null, 10, 'already_enrolled'],
    ['ends after the trigger', { policy: 'after_exit' } as PlanReentry, 11, 10, 'already_enrolled'],
    ['once, ended', { policy: 'once' } as PlanReentry, 2, 10, 'reentry_not_allowed'],
    ['after_exit, ended', { policy: 'after_exit' } as PlanReentry, 2, 10, null],
    ['cooldown not over', cooldown, 2 * DAY, 6 * DAY, 'cooldown'],
    ['cooldown over', cooldown, 2 * DAY, 7 * DAY, null],
  ])('%s', (_name, reentry, endedAt, at, refusal) => {
    expect(reentryRefusal(reentry, endedAt, at)).toBe(refusal);
  });
});

describe('backtestCustomer replays re-entries as the policy allows', () => {
  // Each run: SMS at the sign-up, ends 2 days later.
  it('once: one run; later sign-ups are refused', () => {
    const replay = backtestCustomer(spec({ policy: 'once' }), customer(signUps(0, 1, 5)))!;
    expect(replay.runs.map((r) => r.start)).toEqual([FROM]);
    expect(replay.refused).toEqual({ already_enrolled: 1, reentry_not_allowed: 1 });
  });

  it('after_exit: a new run for each sign-up after the previous run ended', () => {
    const replay = backtestCustomer(spec({ policy: 'after_exit' }), customer(signUps(0, 1, 5, 6)))!;
    expect(replay.runs.map((r) => (r.start - FROM) / DAY)).toEqual([0, 5]);
    expect(replay.runs.every((r) => r.status === 'completed' && r.reason === 'welcomed')).toBe(true);
    expect(replay.refused).toEqual({ already_enrolled: 2 });
  });

  it('cooldown: not again until the cooldown after the end has passed', () => {
    const replay = backtestCustomer(spec({ policy: 'cooldown', cooldown: 'P4D' }), customer(signUps(0, 3, 6, 9)))!;
    // The first run ends on day 2: day 3 is inside the 4-day cooldown, day 6 is not; that run ends on day 8, so day 9 is inside again.
    expect(replay.runs.map((r) => (r.start - FROM) / DAY)).toEqual([0, 6]);
    expect(replay.refused).toEqual({ cooldown: 2 });
  });

  it('a run still going at its horizon keeps the customer from entering again', () => {
    const replay = backtestCustomer(spec({ policy: 'after_exit' }, { horizonMs: DAY }), customer(signUps(0, 5)))!;
    expect(replay.runs.map((r) => r.status)).toEqual(['horizon']);
    expect(replay.refused).toEqual({ already_enrolled: 1 });
  });

  it("a re-entry's send counts toward the frequency cap with the earlier run's", () => {
    const capped = spec({ policy: 'after_exit' }, { caps: parseFrequencyCaps('sms:1/P7D') });
    const replay = backtestCustomer(capped, customer(signUps(0, 5, 12)))!;
    expect(replay.runs.map((r) => r.messages.map((m) => `${m.status}${m.reason ? `:${m.reason.code}` : ''}`))).toEqual([['sent'], ['suppressed:frequency_cap'], ['sent']]);
  });

  it('figures count runs entered, re-entries and refusals; customers once', () => {
    const figures = emptyFigures();
    const s = spec({ policy: 'after_exit' });
    addToFigures(figures, backtestCustomer(s, customer(signUps(0, 1, 5))));
    addToFigures(figures, backtestCustomer(s, customer(signUps(3))));
    addToFigures(figures, backtestCustomer(s, customer([])));
    expect(figures).toMatchObject({ customers: 3, entered: 3, reentered: 1, refused: { already_enrolled: 1 }, nodes: { sms: 3, wait: 3, done: 3 }, ended: { completed: { welcomed: 3 } } });
  });
});
