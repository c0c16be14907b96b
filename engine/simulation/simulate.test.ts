/** One customer simulated through examples/onboarding.json: path, rendered messages, suppressions, horizon, script checks. */
import fs from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { BUILTIN_ACTIONS } from '../actions.js';
import { compileCanvas } from '../compile.js';
import type { ExecutionPlan } from '../plan.js';
import { parseFrequencyCaps } from '../policy.js';
import { pickArm } from '../random.js';
import { checkInlineCustomer, checkScript } from './script.js';
import { simulate, type SimulationInput } from './simulate.js';
import { simulatedChannels } from './world.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const GRACE = 5 * 60_000;
const T0 = Date.parse('2026-03-02T02:00:00Z');

const onboarding: ExecutionPlan = (() => {
  const compiled = compileCanvas(JSON.parse(fs.readFileSync(new URL('../../examples/onboarding.json', import.meta.url), 'utf8')));
  if (!compiled.ok) throw new Error('onboarding does not compile');
  return compiled.plan;
})();

const channels = simulatedChannels(
  Object.entries(BUILTIN_ACTIONS).map(([action, spec]) => ({ action, spec, kind: action === 'update_traits' ? ('internal' as const) : ('touch' as const) })),
);

const TRAITS = { first_name: 'Mei', phone: '+8613800000000', push_tokens: ['tok-1'], account_manager: 'am-7' };

function run(body: Record<string, unknown>, overrides: Partial<SimulationInput> = {}) {
  const script = checkScript(body, T0);
  if (!script.ok) throw new Error(JSON.stringify(script.issues));
  return simulate({
    plan: onboarding,
    journeyId: 'onboarding',
    versionId: 'onboarding@1',
    customer: { id: 'c-1', traits: TRAITS, events: [], segments: {} },
    script: script.value.events,
    start: script.value.start,
    horizonMs: script.value.horizonMs,
    channels,
    policy: { caps: {}, sentBefore: [] },
    defaults: { timeZone: 'Asia/Shanghai', lateEventGraceMs: GRACE, maxHistoryEvents: 10_000 },
    ...overrides,
  });
}

describe('simulate', () => {
  it('follows the customer who never opens an account, with every SMS rendered and addressed', () => {
    const r = run({ events: [] });
    expect(r.status).toBe('completed');
    expect(r.reason).toBe('onboarding_finished');
    expect(r.path).toEqual(['wait_opening_page', 'sms_open_nudge', 'wait_day3', 'day3_split', 'sms_open_again', 'wait_day7', 'day7_check', 'tag_unconverted', 'done']);
    // The window closes at 2 h; the decision waits out the 5-minute grace for late events, as production does.
    expect(r.messages[0]).toMatchObject({
      at: new Date(T0 + 2 * HOUR + GRACE).toISOString(),
      nodeId: 'sms_open_nudge',
      status: 'sent',
      recipient: '+8613800000000',
      rendered: { body: 'Mei, opening your account takes 5 minutes: https://app.example/open' },
    });
    const decision = r.timeline.find((e) => e.type === 'decision' && e.nodeId === 'day3_split');
    expect(decision).toMatchObject({ at: new Date(T0 + 3 * DAY + 2 * HOUR + GRACE).toISOString(), port: 'no_account' });
  });

  it('holds back a marketing SMS without consent, and one over the frequency cap counted on earlier sends', () => {
    const noConsent = run({ events: [] }, { customer: { id: 'c-2', traits: { ...TRAITS, consent: { sms: false } }, events: [], segments: {} } });
    expect(noConsent.messages.map((m) => [m.nodeId, m.status, m.reason?.code])).toEqual([
      ['sms_open_nudge', 'suppressed', 'no_consent'],
      ['sms_open_again', 'suppressed', 'no_consent'],
    ]);
    const capped = run({ events: [] }, { policy: { caps: parseFrequencyCaps('sms:1/P7D'), sentBefore: [{ action: 'sms', at: T0 - DAY }] } });
    expect(capped.messages.map((m) => [m.nodeId, m.status, m.reason?.code])).toEqual([
      ['sms_open_nudge', 'suppressed', 'frequency_cap'],
      ['sms_open_again', 'suppressed', 'frequency_cap'],
    ]);
    const ownSends = run({ events: [] }, { policy: { caps: parseFrequencyCaps('sms:1/P7D'), sentBefore: [] } });
    expect(ownSends.messages.map((m) => m.status)).toEqual(['sent', 'suppressed']);
  });

  it('ends converted on a goal that arrives while the customer waits, and stops at the horizon', () => {
    const goal = run({ events: [{ name: 'opening_page_viewed', at: 'PT1H' }, { name: 'first_deposit', at: 'P2DT3H', properties: { amount: 5000 } }] });
    expect(goal).toMatchObject({ status: 'converted', reason: 'goal_reached', path: ['wait_opening_page', 'wait_day3'] });
    expect(goal.timeline.filter((e) => e.type === 'event').map((e) => e.at)).toEqual([new Date(T0 + HOUR).toISOString(), new Date(T0 + 2 * DAY + 3 * HOUR).toISOString()]);
    const early = run({ events: [], horizon: 'P1D' });
    expect(early).toMatchObject({ status: 'horizon', reason: 'horizon', position: { nodeId: 'wait_day3', waitingUntil: new Date(T0 + 2 * HOUR + GRACE + 3 * DAY).toISOString() } });
  });

  it('decides a wait by event time: a late event stamped inside the window matches', () => {
    const late = run({ events: [{ name: 'opening_page_viewed', at: 'PT2H3M', eventTime: 'PT1H50M' }] });
    expect(late.path.slice(0, 2)).toEqual(['wait_opening_page', 'wait_day3']);
  });

  it('reports every problem of a script with its JSON path', () => {
    const bad = checkScript({ start: 'yesterday', horizon: 'P400D', events: [{ name: '', at: 'soon' }, 'x'] }, T0);
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.issues.map((i) => i.path)).toEqual(['$.start', '$.horizon', '$.events[0].name', '$.events[0].at', '$.events[1]']);
    const customer = checkInlineCustomer({ traits: { a: 1 }, consent: { sms: false } });
    expect(customer).toMatchObject({ ok: true, value: { traits: { a: 1, consent: { sms: false } } } });
    expect(checkInlineCustomer({ traits: 3 })).toMatchObject({ ok: false, issues: [{ path: '$.customer.traits' }] });
  });

  it('splits a draft by the stable key <journey>@draft, as the published version splits by <journey>@<n>', () => {
    const compiled = compileCanvas({
      schemaVersion: 2,
      name: 'AB',
      nodes: [
        { id: 'start', type: 'trigger', trigger: { kind: 'api' } },
        { id: 'ab', type: 'random_split', arms: [{ key: 'a', weight: 1 }, { key: 'b', weight: 1 }] },
        { id: 'end_a', type: 'exit', reason: 'a' },
        { id: 'end_b', type: 'exit', reason: 'b' },
      ],
      edges: [
        { from: 'start', to: 'ab' },
        { from: 'ab', port: 'a', to: 'end_a' },
        { from: 'ab', port: 'b', to: 'end_b' },
      ],
    });
    if (!compiled.ok) throw new Error(JSON.stringify(compiled.errors));
    const arm = (versionId: string, id: string) => run({ events: [] }, { plan: compiled.plan, journeyId: 'ab', versionId, customer: { id, traits: {}, events: [], segments: {} } }).reason;
    const ids = Array.from({ length: 60 }, (_, i) => `c-${i}`);
    const arms = (versionId: string) => ids.map((id) => arm(versionId, id));
    const draft = arms('ab@draft');
    // The arm production would hash for that key, every time, for every customer; both arms occur.
    expect(draft).toEqual(ids.map((id) => pickArm(`ab@draft:${id}:ab`, [{ key: 'a', weight: 1 }, { key: 'b', weight: 1 }])));
    expect(arms('ab@draft')).toEqual(draft);
    expect(new Set(draft)).toEqual(new Set(['a', 'b']));
    // A version's key is its own: some customers land elsewhere, as they would in the published journey.
    expect(arms('ab@1')).not.toEqual(draft);
  });
});

