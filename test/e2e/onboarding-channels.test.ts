/**
 * The onboarding example end to end on the time-skipping server, with the real activities, the real
 * database and the real provider channels: SMS through the `twilio` SDK to the fake Twilio, push
 * through `firebase-admin` to the fake FCM, CRM tasks in `crm_tasks`, trait updates on the profile.
 * Four customers, whose stored events steer them down every branch of the canvas, are followed for
 * seven days of workflow time; what each one received is checked where a customer would notice it:
 * at the fakes, and in the CRM task list of their account manager.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { DataSource } from 'typeorm';
import type { ActionChannel } from '../../core/channels/channel.js';
import { createCrmTaskChannel } from '../../activities/channels/crm-task/index.js';
import { createFcmPushChannel } from '../../activities/channels/fcm-push/index.js';
import { createProfileChannel } from '../../activities/channels/profile/index.js';
import { createRecordingChannel } from '../../activities/channels/recording/index.js';
import { closeChannels } from '../../activities/channels/registry.js';
import { createTwilioSmsChannel } from '../../activities/channels/twilio-sms/index.js';
import { createActivities } from '../../activities/index.js';
import type { JourneyRunInput } from '../../engine/runtime.js';
import { createDataSource } from '../../store/data-source.js';
import { WORKFLOWS_PATH } from '../../worker/worker.js';
import { startFakeFcm, type FakeFcm } from '../fakes/fcm-server.js';
import { startFakeTwilio, type FakeTwilio } from '../fakes/twilio-server.js';
import { createTimeSkippingEnv, testDatabaseUrl } from '../support/env.js';
import { examplePlan, runInput, TEST_DEFAULTS } from '../support/runs.js';
import { skippingClock } from '../support/skipping-clock.js';
import { bundleWorkflows } from '../../scripts/lib/workflow-bundle.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const TASK_QUEUE = 'e2e-onboarding';
const FROM = '+15005550006';
const prefix = `onb-${Date.now().toString(36)}`;
const journeyId = prefix;
const versionId = `${prefix}@1`;

let env: TestWorkflowEnvironment;
let db: DataSource;
let twilioFake: FakeTwilio;
let fcmFake: FakeFcm;
let channels: ActionChannel[] = [];
let worker: Worker;
let running: Promise<void>;

beforeAll(async () => {
  db = createDataSource(testDatabaseUrl(), { poolSize: 4 });
  const [testEnv, bundle, twilioServer, fcmServer] = await Promise.all([
    createTimeSkippingEnv(),
    bundleWorkflows(WORKFLOWS_PATH),
    startFakeTwilio(),
    startFakeFcm(),
    db.initialize(),
  ]);
  env = testEnv;
  twilioFake = twilioServer;
  fcmFake = fcmServer;
  channels = [
    createTwilioSmsChannel({ db, accountSid: twilioFake.accountSid, authToken: twilioFake.authToken, from: FROM, baseUrl: twilioFake.baseUrl }),
    createFcmPushChannel({
      db,
      projectId: fcmFake.projectId,
      credential: { getAccessToken: async () => ({ access_token: fcmFake.accessToken, expires_in: 3600 }) },
      httpAgent: fcmFake.httpAgent,
    }),
    createCrmTaskChannel({ db }),
    createProfileChannel(db),
    createRecordingChannel(db, 'webhook'),
  ];
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: TASK_QUEUE,
    workflowBundle: bundle,
    activities: createActivities({ db, channels }),
  });
  running = worker.run();
  await db.query(`INSERT INTO journeys (id, name) VALUES ($1, 'New-customer onboarding')`, [journeyId]);
  await db.query(`INSERT INTO journey_versions (id, journey_id, version, canvas, plan, trigger_kind) VALUES ($1, $2, 1, '{}', '{}', 'event')`, [
    versionId,
    journeyId,
  ]);
});
afterAll(async () => {
  worker?.shutdown();
  await running;
  await env?.teardown();
  await closeChannels(channels);
  await twilioFake?.close();
  await fcmFake?.close();
  await db?.destroy();
});

interface Persona {
  key: string;
  traits: Record<string, unknown>;
  /** Events after registration, as offsets from the run start (ms). */
  events: [name: string, offsetMs: number][];
}

/** Every customer: Shanghai, a phone, a device and an account manager; the events decide the path. */
const personas = (): Persona[] => {
  const base = (key: string, n: number, firstName: string) => ({
    first_name: firstName,
    phone: `+861390000${String(n).padStart(4, '0')}`,
    push_tokens: [`${prefix}-${key}-device`],
    account_manager: `am-${key}`,
    timeZone: 'Asia/Shanghai',
  });
  return [
    // Never opens the account-opening page: SMS nudge, then no account on day 3: SMS again, tagged on day 7.
    { key: 'lin', traits: base('lin', 1, 'Lin'), events: [] },
    // Views the page and starts opening, never finishes: CRM task for the account manager.
    {
      key: 'wang',
      traits: base('wang', 2, 'Wang'),
      events: [
        ['opening_page_viewed', 20 * MINUTE],
        ['opening_started', HOUR],
      ],
    },
    // Opens the account but launches the app once in three days: reward push, then the day-7 SMS.
    {
      key: 'zhao',
      traits: base('zhao', 3, 'Zhao'),
      events: [
        ['opening_page_viewed', 10 * MINUTE],
        ['opening_started', 15 * MINUTE],
        ['account_opened', DAY],
        ['app_launch', 2 * DAY],
      ],
    },
    // Opens the account and uses the app daily: wealth offer push, then the day-7 SMS.
    {
      key: 'chen',
      traits: base('chen', 4, 'Chen'),
      events: [
        ['opening_page_viewed', 5 * MINUTE],
        ['opening_started', 10 * MINUTE],
        ['account_opened', DAY],
        ['app_launch', DAY + HOUR],
        ['app_launch', DAY + 5 * HOUR],
        ['app_launch', 2 * DAY],
        ['app_launch', 2 * DAY + 3 * HOUR],
        ['app_launch', 2 * DAY + 9 * HOUR],
      ],
    },
  ];
};

const customerIdOf = (key: string) => `${prefix}-${key}`;

async function insertEvent(customerId: string, name: string, atMs: number, n: number): Promise<string> {
  const eventId = `${customerId}:${name}:${n}`;
  await db.query(
    `INSERT INTO events (event_id, customer_id, name, event_time, properties, dispatched_at) VALUES ($1, $2, $3, to_timestamp($4 / 1000.0), '{}', now())`,
    [eventId, customerId, name, atMs],
  );
  return eventId;
}

/** Stores the customer and their events, enrolls them (the row the ledger references) and starts the run. */
async function enrollAndStart(persona: Persona, startMs: number): Promise<JourneyRunInput> {
  const customerId = customerIdOf(persona.key);
  await db.query(`INSERT INTO customers (id, traits) VALUES ($1, $2)`, [customerId, JSON.stringify(persona.traits)]);
  const registeredId = await insertEvent(customerId, 'registered', startMs, 0);
  let n = 0;
  for (const [name, offset] of persona.events) await insertEvent(customerId, name, startMs + offset, ++n);
  const input = runInput(
    examplePlan('onboarding'),
    customerId,
    { kind: 'event', event: { eventId: registeredId, name: 'registered', eventTime: startMs, properties: {} }, payload: {} },
    startMs,
    { enrollmentId: `${prefix}:${persona.key}`, journeyId, versionId, defaults: TEST_DEFAULTS },
  );
  await db.query(`INSERT INTO enrollments (id, journey_id, version_id, customer_id, seq, status, entry_key) VALUES ($1, $2, $3, $4, 1, 'pending', $1)`, [
    input.enrollmentId,
    journeyId,
    versionId,
    customerId,
  ]);
  await env.client.workflow.start('journeyRun', { taskQueue: TASK_QUEUE, workflowId: input.enrollmentId, args: [input] });
  return input;
}

interface RunRow {
  id: string;
  status: string;
  current_node: string | null;
  waiting_until: Date | null;
  ended_at: Date | null;
  exit_reason: string | null;
}

/** Runs the clock for `ids` until every run has ended (a wait-for-event listens for the late-event grace after its window). */
function driveToEnd(ids: string[]): Promise<RunRow[]> {
  const load = (): Promise<RunRow[]> =>
    db.query(`SELECT id, status, current_node, waiting_until, ended_at, exit_reason FROM enrollments WHERE id = ANY($1) ORDER BY id`, [ids]);
  const graceOf = (node: string | null) => (node === 'wait_opening_page' ? TEST_DEFAULTS.lateEventGraceMs : 0);
  return skippingClock(env, load, ids.length, graceOf).advanceTo(Infinity);
}

describe('onboarding journey through the real channels', () => {
  it('sends each customer the SMS, pushes and CRM task of their path, once each, recorded as sent', async () => {
    const startMs = await env.currentTimeMs();
    const people = personas();
    const inputs: JourneyRunInput[] = [];
    for (const persona of people) inputs.push(await enrollAndStart(persona, startMs));
    const ids = inputs.map((i) => i.enrollmentId);

    const ended = await driveToEnd(ids);
    expect(ended.map((r) => [r.id, r.status, r.exit_reason])).toEqual([...ids].sort().map((id) => [id, 'completed', 'onboarding_finished']));
    expect(await env.currentTimeMs()).toBeGreaterThanOrEqual(startMs + 7 * DAY);

    const phone = (key: string) => people.find((p) => p.key === key)!.traits.phone as string;
    const token = (key: string) => (people.find((p) => p.key === key)!.traits.push_tokens as string[])[0];

    // SMS at the fake Twilio: the bodies each customer got, each exactly once, from our sender.
    const smsTo = (key: string) => twilioFake.messages.filter((m) => m.to === phone(key)).map((m) => m.body);
    expect(smsTo('lin')).toEqual([
      'Lin, opening your account takes 5 minutes: https://app.example/open',
      'Your account is one step away. Open it today and get 100 points.',
    ]);
    expect(smsTo('wang')).toEqual([]);
    expect(smsTo('zhao')).toEqual(['Fund your account this week and the first trade is commission-free.']);
    expect(smsTo('chen')).toEqual(['Fund your account this week and the first trade is commission-free.']);
    expect(twilioFake.messages).toHaveLength(4);
    expect(twilioFake.messages.every((m) => m.from === FROM)).toBe(true);
    expect(twilioFake.requests.every((r) => r.authorized)).toBe(true);
    expect(twilioFake.requests).toHaveLength(4);

    // Pushes at the fake FCM: title and body, to the customer's device.
    const pushes = fcmFake.messages.map((m) => ({ token: m.token, notification: m.notification, node: m.data?.node_id }));
    expect(pushes).toEqual(
      expect.arrayContaining([
        {
          token: token('zhao'),
          notification: { title: '100 points waiting', body: 'Log in three days in a row to collect your points.' },
          node: 'push_reward',
        },
        {
          token: token('chen'),
          notification: { title: 'New-customer offer', body: 'A 7-day wealth product at 3.5% for new customers.' },
          node: 'push_wealth_offer',
        },
      ]),
    );
    expect(pushes).toHaveLength(2);
    expect(fcmFake.requests).toHaveLength(2);

    // The CRM task: one, for the account manager of the customer who dropped out mid-opening.
    const tasks: { id: string; customer_id: string; assignee: string; queue: string | null; node_id: string; title: string; status: string; due_in_ms: number }[] =
      await db.query(
        `SELECT id, customer_id, assignee, queue, node_id, title, status,
                (extract(epoch FROM due_at - created_at) * 1000)::float8 AS due_in_ms
           FROM crm_tasks WHERE journey_id = $1`,
        [journeyId],
      );
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({
      customer_id: customerIdOf('wang'),
      assignee: 'am-wang',
      queue: null,
      node_id: 'crm_call_dropout',
      title: `Call ${customerIdOf('wang')}: stopped in the middle of account opening`,
      status: 'open',
    });
    expect(Math.abs(tasks[0].due_in_ms - DAY)).toBeLessThan(MINUTE);

    // The ledger: every touch sent, with the provider's own id of what the fakes accepted.
    const ledger: { customer_id: string; node_id: string; status: string; provider: string; provider_message_id: string }[] = await db.query(
      `SELECT customer_id, node_id, status, provider, provider_message_id FROM messages WHERE enrollment_id = ANY($1) ORDER BY customer_id, node_id`,
      [ids],
    );
    const sid = (key: string, body: string) => twilioFake.messages.find((m) => m.to === phone(key) && m.body === body)?.sid;
    const fcmName = (key: string) => fcmFake.messages.find((m) => m.token === token(key))?.name;
    const day7 = 'Fund your account this week and the first trade is commission-free.';
    const expected = [
      { key: 'chen', node: 'push_wealth_offer', provider: 'fcm', id: fcmName('chen') },
      { key: 'chen', node: 'sms_day7_deposit', provider: 'twilio', id: sid('chen', day7) },
      { key: 'lin', node: 'sms_open_again', provider: 'twilio', id: sid('lin', 'Your account is one step away. Open it today and get 100 points.') },
      { key: 'lin', node: 'sms_open_nudge', provider: 'twilio', id: sid('lin', 'Lin, opening your account takes 5 minutes: https://app.example/open') },
      { key: 'wang', node: 'crm_call_dropout', provider: 'crm', id: `task-${tasks[0].id}` },
      { key: 'zhao', node: 'push_reward', provider: 'fcm', id: fcmName('zhao') },
      { key: 'zhao', node: 'sms_day7_deposit', provider: 'twilio', id: sid('zhao', day7) },
    ].map((e) => ({ customer_id: customerIdOf(e.key), node_id: e.node, status: 'sent', provider: e.provider, provider_message_id: e.id }));
    expect(expected.every((e) => typeof e.provider_message_id === 'string')).toBe(true);
    expect(ledger).toEqual(expected);

    // The profile channel tagged the two customers without an account on day 7, and only them.
    const stages: { id: string; stage: string | null }[] = await db.query(
      `SELECT id, traits ->> 'onboarding_stage' AS stage FROM customers WHERE id = ANY($1) ORDER BY id`,
      [people.map((p) => customerIdOf(p.key))],
    );
    expect(Object.fromEntries(stages.map((s) => [s.id, s.stage]))).toEqual({
      [customerIdOf('lin')]: 'unconverted_day7',
      [customerIdOf('wang')]: 'unconverted_day7',
      [customerIdOf('zhao')]: null,
      [customerIdOf('chen')]: null,
    });
  }, 240_000);
});
