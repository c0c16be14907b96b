/**
 * Agreement: for generated customers (random traits and time zones, stored history, event timelines
 * with late events, goals and exits while waiting), the simulation's path equals the path the real
 * `journeyRun` workflow takes on the time-skipping server with the in-memory FakeWorld activities:
 * the same nodes entered in order at the same virtual times, the same waits, decisions (port and
 * values), actions and ending. A fourth case puts consent and frequency caps in: the real side's
 * SMS and push go through the real send ledger (activities/actions.ts on PostgreSQL, with caps and
 * earlier sends stored in `messages`), and each suppression and its reason must match.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { WorkflowHandle } from '@temporalio/client';
import type { DataSource } from 'typeorm';
import { createActionActivities } from '../../activities/actions.js';
import { defaultChannels } from '../../activities/channels/registry.js';
import { BUILTIN_ACTIONS } from '../../engine/actions.js';
import type { ExecutionPlan } from '../../engine/plan.js';
import { parseFrequencyCaps } from '../../engine/policy.js';
import type { JourneyRunResult, StepRecord } from '../../engine/runtime.js';
import { simulate, simulationRunInput, type ScriptedEvent, type SimulationInput } from '../../engine/simulation/simulate.js';
import { simulatedChannels, type SimulatedEvent, type SimulatedPolicy } from '../../engine/simulation/world.js';
import { customerEventSignal } from '../../engine/workflow-contract.js';
import { createDataSource } from '../../store/data-source.js';
import { WORKFLOWS_PATH } from '../../worker/worker.js';
import { createTimeSkippingEnv, testDatabaseUrl } from '../support/env.js';
import { FakeWorld } from '../support/fake-activities.js';
import { examplePlan, TEST_DEFAULTS } from '../support/runs.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const TASK_QUEUE = 'simulation-agreement';
/** Generated customers per case: onboarding, then fund launch and win-back; the policy case has 40 (220 in all). */
const CUSTOMERS = 100;
const SMALLER_CASE = 40;
/** Generated times sit 30 s off every boundary: a drift beyond this could change a decision, and is reported. */
const GRID_MARGIN_MS = 30_000;
const ZONES = ['Asia/Shanghai', 'Asia/Hong_Kong', 'Europe/London', 'America/New_York', 'Asia/Tokyo', 'Australia/Sydney'];

const channels = simulatedChannels(
  Object.entries(BUILTIN_ACTIONS).map(([action, spec]) => ({ action, spec, kind: action === 'update_traits' ? ('internal' as const) : ('touch' as const) })),
);

/** mulberry32: a small seeded generator, so a failing case can be replayed from its seed. */
function generator(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, chance: (p: number) => next() < p, int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)), pick: <T>(xs: T[]) => xs[Math.floor(next() * xs.length)] };
}

interface GeneratedCustomer {
  id: string;
  traits: Record<string, unknown>;
  /** Stored before the run starts (offsets from t0, negative). */
  history: { name: string; offset: number }[];
  script: { name: string; at: number; eventTime: number; properties: Record<string, unknown> }[];
}

/** A moment `minutes` after t0, 30 s off the minute (waits and windows end on whole minutes). */
const onGrid = (minutes: number) => minutes * MIN + 30_000;

/** What customers of one journey do: events after the start (probability, how many, when, how late), events before it, traits. */
interface Population {
  /** `lateP`: the chance an event arrives late, by `lateMinutes` (default 1 to 8). */
  script: { name: string; p: number; max?: number; minutes: [number, number]; lateP?: number; lateMinutes?: [number, number]; properties?: (g: ReturnType<typeof generator>) => Record<string, unknown> }[];
  history: { name: string; p: number; max?: number; hoursBack: [number, number] }[];
  traits: (g: ReturnType<typeof generator>) => Record<string, unknown>;
}

const ONBOARDING: Population = {
  script: [
    { name: 'opening_page_viewed', p: 0.6, minutes: [0, 180], lateP: 0.3 },
    // Viewed in the last minutes of the 2-hour window, often reported after it and its 5-minute grace closed.
    { name: 'opening_page_viewed', p: 0.3, minutes: [112, 119], lateP: 0.8, lateMinutes: [4, 14] },
    { name: 'opening_started', p: 0.5, minutes: [10, 3 * 24 * 60] },
    { name: 'account_opened', p: 0.7, minutes: [30, 6 * 24 * 60], lateP: 0.2 },
    { name: 'app_launch', p: 0.8, max: 7, minutes: [0, 5 * 24 * 60] },
    { name: 'first_deposit', p: 0.25, minutes: [60, 9 * 24 * 60], properties: (g) => ({ amount: g.int(100, 10_000) }) },
    { name: 'account_closed', p: 0.1, minutes: [5, 8 * 24 * 60] },
  ],
  history: [
    { name: 'opening_started', p: 0.3, hoursBack: [24, 480] },
    { name: 'app_launch', p: 0.5, max: 2, hoursBack: [1, 90] },
  ],
  traits: () => ({}),
};

const FUND_LAUNCH: Population = {
  script: [
    { name: 'fund_purchased', p: 0.3, minutes: [1, 120] },
    { name: 'sms_unsubscribed', p: 0.2, minutes: [1, 120] },
  ],
  history: [{ name: 'fund_detail_viewed', p: 0.9, max: 6, hoursBack: [1, 16 * 24] }],
  traits: (g) => ({ risk_level: g.pick(['C1', 'C2', 'C3', 'C4', 'C5']) }),
};

const WINBACK: Population = {
  script: [
    { name: 'app_launch', p: 0.5, minutes: [1, 5 * 24 * 60], lateP: 0.3 },
    { name: 'trade_executed', p: 0.2, minutes: [1, 5 * 24 * 60] },
    { name: 'account_closed', p: 0.1, minutes: [1, 5 * 24 * 60] },
  ],
  history: [{ name: 'app_launch', p: 0.3, hoursBack: [24 * 31, 24 * 90] }],
  traits: (g) => (g.chance(0.15) ? { marketing_opt_out: true } : {}),
};

function generateCustomer(population: Population, seed: number): GeneratedCustomer {
  const g = generator(seed);
  const script: GeneratedCustomer['script'] = [];
  for (const spec of population.script) {
    if (!g.chance(spec.p)) continue;
    for (let i = spec.max ? g.int(1, spec.max) : 1; i > 0; i--) {
      const eventTime = onGrid(g.int(spec.minutes[0], spec.minutes[1]));
      const late = spec.lateP && g.chance(spec.lateP) ? g.int(...(spec.lateMinutes ?? [1, 8])) * MIN : 0;
      script.push({ name: spec.name, at: eventTime + late, eventTime, properties: spec.properties?.(g) ?? {} });
    }
  }
  const history: GeneratedCustomer['history'] = [];
  for (const spec of population.history) {
    if (!g.chance(spec.p)) continue;
    for (let i = spec.max ? g.int(1, spec.max) : 1; i > 0; i--) history.push({ name: spec.name, offset: -g.int(spec.hoursBack[0], spec.hoursBack[1]) * HOUR });
  }
  return {
    id: `agree-${seed}`,
    traits: {
      first_name: g.pick(['Mei', 'Wei', 'Ana', 'Tom', 'Li']),
      phone: `+86138${String(g.int(0, 99_999_999)).padStart(8, '0')}`,
      push_tokens: [`tok-${seed}`],
      account_manager: `am-${g.int(1, 9)}`,
      timeZone: g.pick(ZONES),
      ...population.traits(g),
    },
    history,
    script: script.sort((a, b) => a.at - b.at),
  };
}

/** The comparable content of a step log: kinds, nodes, ports, values, outcomes; times relative to t0, apart. */
function shape(steps: StepRecord[]) {
  return steps.map((s) => {
    const d = s.detail;
    switch (s.kind) {
      case 'decision':
        return { kind: s.kind, nodeId: s.nodeId, port: d.port, values: d.values ?? null, matched: (d.matchedEvent as { eventTime?: string } | null)?.eventTime ?? null };
      case 'action':
        return { kind: s.kind, nodeId: s.nodeId, action: d.action, status: d.status, error: (d.error as { code?: string } | undefined)?.code ?? null };
      case 'ended':
        return { kind: s.kind, nodeId: s.nodeId, status: d.status, reason: d.reason };
      default:
        return { kind: s.kind, nodeId: s.nodeId };
    }
  });
}

function times(steps: StepRecord[], t0: number): number[] {
  return steps.flatMap((s) => [s.at - t0, ...(typeof s.detail.until === 'string' ? [Date.parse(s.detail.until) - t0] : [])]);
}

let env: TestWorkflowEnvironment;
let worker: Worker;
let running: Promise<void>;
const world = new FakeWorld();

beforeAll(async () => {
  env = await createTimeSkippingEnv();
  worker = await Worker.create({ connection: env.nativeConnection, taskQueue: TASK_QUEUE, workflowsPath: WORKFLOWS_PATH, activities: world.activities() });
  running = worker.run();
});

afterAll(async () => {
  worker?.shutdown();
  await running;
  await env?.teardown();
});

/** How one case differs: its task queue (worker) and each customer's send policy. */
interface AgreementOptions {
  taskQueue?: string;
  policyOf?: (customer: GeneratedCustomer) => SimulatedPolicy;
}

async function agreeOn(plan: ExecutionPlan, journeyId: string, customers: GeneratedCustomer[], options: AgreementOptions = {}) {
  // Start on a whole minute: generated times then sit 30 s off every wall-clock boundary (09:30 in any zone).
  const now = await env.currentTimeMs();
  await env.sleep(MIN - (now % MIN));
  const t0 = await env.currentTimeMs();
  const inputs = customers.map((c) => {
    const script: ScriptedEvent[] = c.script.map((e) => ({ ...e, at: t0 + e.at, eventTime: t0 + e.eventTime }));
    const events: SimulatedEvent[] = c.history.map((h, i) => ({ eventId: `${c.id}:h${i}`, name: h.name, eventTime: t0 + h.offset, arrivedAt: t0 + h.offset, properties: {} }));
    const input: SimulationInput = {
      plan,
      journeyId,
      versionId: `${journeyId}@1`,
      customer: { id: c.id, traits: c.traits, events, segments: {} },
      script,
      start: t0,
      horizonMs: 30 * DAY,
      channels,
      policy: options.policyOf?.(c) ?? { caps: {}, sentBefore: [] },
      defaults: TEST_DEFAULTS,
    };
    return input;
  });

  // The real side: the same customers in FakeWorld, the same run input, events stored and signalled when they arrive.
  // Workflow time runs at wall-clock speed whenever it is not skipping (starts, signals, activities):
  // the real side can only run late, by at most the wall-clock time this case takes (measured, so a
  // loaded machine widens the bound instead of failing the test).
  const wallStart = performance.now();
  const handles = new Map<string, WorkflowHandle>();
  for (const input of inputs) {
    world.traits.set(input.customer.id, structuredClone(input.customer.traits));
    for (const e of input.customer.events) world.events.push({ ...e, customerId: input.customer.id });
    const runInput = simulationRunInput(input);
    if (runInput.entry.event) world.events.push({ ...runInput.entry.event, customerId: input.customer.id });
  }
  // Started together: the runs begin close to t0 however many customers there are.
  await Promise.all(
    inputs.map(async (input) => {
      const runInput = simulationRunInput(input);
      handles.set(input.customer.id, await env.client.workflow.start('journeyRun', { taskQueue: options.taskQueue ?? TASK_QUEUE, workflowId: runInput.enrollmentId, args: [runInput] }));
    }),
  );
  const arrivals = inputs.flatMap((input) => input.script.map((e, i) => ({ customerId: input.customer.id, eventId: `simulation:${i}`, ...e }))).sort((a, b) => a.at - b.at);
  for (const a of arrivals) {
    const wait = a.at - (await env.currentTimeMs());
    if (wait > 0) await env.sleep(wait);
    world.events.push({ customerId: a.customerId, eventId: a.eventId, name: a.name, eventTime: a.eventTime, properties: a.properties });
    await handles
      .get(a.customerId)!
      .signal(customerEventSignal, { eventId: a.eventId, name: a.name, eventTime: a.eventTime, properties: a.properties })
      .catch(() => undefined); // the run has already ended
  }

  const disagreements: string[] = [];
  const outcomes = new Set<string>();
  const results = new Map<string, JourneyRunResult>();
  for (const input of inputs) results.set(input.customer.id, (await handles.get(input.customer.id)!.result()) as JourneyRunResult);
  const maxDriftMs = performance.now() - wallStart;
  let largestDrift = 0;
  for (const input of inputs) {
    const simulated = simulate(input);
    outcomes.add(simulated.reason).add(simulated.path[3] ?? '');
    for (const m of simulated.messages) outcomes.add(`${m.action}:${m.status}:${m.reason?.code ?? ''}`);
    const real = results.get(input.customer.id)!;
    const realSteps = world.stepsOf(simulationRunInput(input).enrollmentId);
    const same =
      simulated.status === real.status &&
      simulated.reason === real.reason &&
      JSON.stringify(simulated.path) === JSON.stringify(real.path) &&
      JSON.stringify(shape(simulated.steps)) === JSON.stringify(shape(realSteps));
    const [simTimes, realTimes] = [times(simulated.steps, t0), times(realSteps, t0)];
    // Never earlier than simulated, and late by no more than the drift the wall clock allows.
    const timesAgree = simTimes.length === realTimes.length && simTimes.every((t, i) => realTimes[i] - t >= 0 && realTimes[i] - t <= maxDriftMs);
    if (timesAgree) largestDrift = Math.max(largestDrift, ...simTimes.map((t, i) => realTimes[i] - t));
    if (!same || !timesAgree) {
      disagreements.push(
        `${input.customer.id}: simulated ${simulated.status}/${simulated.reason} ${simulated.path.join('>')} | real ${real.status}/${real.reason} ${real.path.join('>')}` +
          (same ? ` | times differ: ${JSON.stringify(simTimes)} vs ${JSON.stringify(realTimes)}` : `\n  sim  ${JSON.stringify(shape(simulated.steps))}\n  real ${JSON.stringify(shape(realSteps))}`) +
          (maxDriftMs > GRID_MARGIN_MS ? ` (the case took ${Math.round(maxDriftMs / 1000)} s of wall clock: a run late by over ${GRID_MARGIN_MS / 1000} s may cross a boundary)` : ''),
      );
    }
  }
  console.log(`agreement: ${journeyId}, ${inputs.length} customers; the real side ran late by at most ${largestDrift} ms (bound: ${Math.round(maxDriftMs)} ms of wall clock)`);
  return { disagreements, outcomes, largestDrift };
}

describe('simulation agrees with the journeyRun workflow', () => {
  it(`onboarding (examples/onboarding.json): ${CUSTOMERS} generated customers take the same path at the same times`, async () => {
    const customers = Array.from({ length: CUSTOMERS }, (_, i) => generateCustomer(ONBOARDING, 1000 + i));
    // The generator must exercise what it claims: late events, goals and exits while waiting, every day-3 branch.
    expect(customers.some((c) => c.script.some((e) => e.at > e.eventTime))).toBe(true);
    // ... including customers whose only page view in the 2-hour window arrived after it (and its grace) had closed: the run must time out.
    const closesAt = 120 * MIN + TEST_DEFAULTS.lateEventGraceMs;
    const views = (c: GeneratedCustomer) => c.script.filter((e) => e.name === 'opening_page_viewed' && e.eventTime <= 120 * MIN);
    expect(customers.filter((c) => views(c).length > 0 && views(c).every((e) => e.at > closesAt)).length).toBeGreaterThanOrEqual(3);
    const { disagreements, outcomes } = await agreeOn(examplePlan('onboarding'), 'onboarding', customers);
    expect(disagreements).toEqual([]);
    // Every ending and every day-3 branch was taken by some customer.
    for (const seen of ['goal_reached', 'account_closed', 'onboarding_finished', 'crm_call_dropout', 'sms_open_again', 'push_reward', 'push_wealth_offer']) expect(outcomes).toContain(seen);
  }, 300_000);

  it(`fund launch (examples/fund-launch.json): ${SMALLER_CASE} customers; suitability, a 09:30 weekday wait in each customer's zone, goal and exit`, async () => {
    const customers = Array.from({ length: SMALLER_CASE }, (_, i) => generateCustomer(FUND_LAUNCH, 2000 + i));
    const { disagreements, outcomes } = await agreeOn(examplePlan('fund-launch'), 'fund-launch', customers);
    expect(disagreements).toEqual([]);
    for (const seen of ['not_suitable', 'lead_sent', 'goal_reached']) expect(outcomes).toContain(seen);
  }, 300_000);

  it(`win-back (examples/winback.json): ${SMALLER_CASE} customers; holdout split, condition exit criterion, wait for a launch`, async () => {
    const customers = Array.from({ length: SMALLER_CASE }, (_, i) => generateCustomer(WINBACK, 3000 + i));
    const { disagreements, outcomes } = await agreeOn(examplePlan('winback'), 'winback', customers);
    expect(disagreements).toEqual([]);
    for (const seen of ['reactivated', 'escalated_to_account_manager', 'control_group', 'opted_out']) expect(outcomes).toContain(seen);
  }, 300_000);
});

describe('simulation agrees with the real send ledger on consent and frequency caps', () => {
  const POLICY_QUEUE = 'simulation-agreement-policy';
  const CAPS = parseFrequencyCaps('sms:1/P7D,push:1/P5D');
  const journeyId = `agree-policy-${Date.now().toString(36)}`;
  let db: DataSource;
  let policyWorker: Worker;
  let policyRunning: Promise<void>;
  /** Marketing touches each customer received before the run (absolute instants), stored in `messages` for the real side. */
  const sentBefore = new Map<string, { action: string; at: number }[]>();

  beforeAll(async () => {
    db = createDataSource(testDatabaseUrl(), { poolSize: 4 });
    await db.initialize();
    // The real ledger decides SMS and push (consent, caps counted in PostgreSQL); the rest stays in FakeWorld.
    const ledger = createActionActivities(db, defaultChannels({ db }), { policy: { caps: CAPS } });
    const fake = world.activities();
    const activities = { ...fake, performAction: (req: Parameters<typeof fake.performAction>[0]) => (req.action === 'sms' || req.action === 'push' ? ledger.performAction(req) : fake.performAction(req)) };
    policyWorker = await Worker.create({ connection: env.nativeConnection, taskQueue: POLICY_QUEUE, workflowsPath: WORKFLOWS_PATH, activities });
    policyRunning = policyWorker.run();
    await db.query(`INSERT INTO journeys (id, name) VALUES ($1, 'agreement')`, [journeyId]);
    await db.query(`INSERT INTO journey_versions (id, journey_id, version, canvas, plan, trigger_kind) VALUES ($1, $2, 1, '{}', '{}', 'event')`, [`${journeyId}@1`, journeyId]);
  });
  afterAll(async () => {
    policyWorker?.shutdown();
    await policyRunning;
    await db?.destroy();
  });

  /**
   * The run's enrollment (the ledger references it), the profile the ledger reads consent from, and the
   * earlier sends caps count; stored before the runs start (and t0 is taken), so the runs start on time.
   */
  async function store(customers: GeneratedCustomer[]) {
    for (const c of customers) {
      await db.query(`INSERT INTO customers (id, traits) VALUES ($1, $2)`, [c.id, JSON.stringify(c.traits)]);
      await db.query(`INSERT INTO enrollments (id, journey_id, version_id, customer_id, seq, status) VALUES ($1, $2, $3, $4, 1, 'active')`, [
        `simulation:${journeyId}:${c.id}`,
        journeyId,
        `${journeyId}@1`,
        c.id,
      ]);
      const earlier = sentBefore.get(c.id) ?? [];
      if (earlier.length === 0) continue;
      const prior = `${journeyId}:prior:${c.id}`;
      await db.query(`INSERT INTO enrollments (id, journey_id, version_id, customer_id, seq, status, entry_key) VALUES ($1, $2, $3, $4, 1, 'completed', 'prior')`, [
        prior,
        journeyId,
        `${journeyId}@1`,
        c.id,
      ]);
      for (const [i, s] of earlier.entries()) {
        await db.query(
          `INSERT INTO messages (idempotency_key, enrollment_id, node_id, customer_id, action, category, status, requested_at)
           VALUES ($1, $2, 'earlier', $3, $4, 'marketing', 'sent', to_timestamp($5 / 1000.0))`,
          [`${prior}:${i}`, prior, c.id, s.action, s.at],
        );
      }
    }
  }

  it('onboarding with opted-out customers and earlier sends: every touch is sent or held back for the same reason on both sides', async () => {
    // Runs start on a whole minute and send on whole or half minutes; earlier sends sit 15 s off the minute,
    // so no cap boundary falls within the drift between the two sides, wherever t0 lands.
    const minute = Math.floor((await env.currentTimeMs()) / MIN) * MIN + 15_000;
    const customers = Array.from({ length: SMALLER_CASE }, (_, i) => {
      const c = generateCustomer(ONBOARDING, 4000 + i);
      const g = generator(9000 + i);
      const id = `${journeyId}-${i}`;
      const consent: Record<string, boolean> = {};
      if (g.chance(0.25)) consent.sms = false;
      if (g.chance(0.2)) consent.push = false;
      const earlier: { action: string; at: number }[] = [];
      // Some inside the cap's window (7 days for SMS, 5 for push, counted back from each send), some outside it.
      if (g.chance(0.4)) earlier.push({ action: 'sms', at: minute - g.int(1, 200) * HOUR });
      if (g.chance(0.3)) earlier.push({ action: 'push', at: minute - g.int(1, 100) * HOUR });
      sentBefore.set(id, earlier);
      return { ...c, id, traits: { ...c.traits, consent } };
    });
    await store(customers);
    const { disagreements, outcomes } = await agreeOn(examplePlan('onboarding'), journeyId, customers, {
      taskQueue: POLICY_QUEUE,
      policyOf: (c) => ({ caps: CAPS, sentBefore: sentBefore.get(c.id) ?? [] }),
    });
    expect(disagreements).toEqual([]);
    // Both reasons, for both channels, and plain sends, all occurred.
    for (const seen of ['sms:suppressed:no_consent', 'sms:suppressed:frequency_cap', 'push:suppressed:no_consent', 'push:suppressed:frequency_cap', 'sms:sent:', 'push:sent:']) {
      expect(outcomes).toContain(seen);
    }
  }, 300_000);
});
