/**
 * The API the way its users work, end to end over HTTP: a marketer authors and publishes the
 * onboarding journey, the app's backend (an engineer's key) feeds profiles and events as a week
 * goes by (days skipped on the time-skipping server), a support agent exits one customer, then the
 * marketer reads the journey's figures and support reads one customer's history. Both are checked
 * against what really happened: the runs' rows, the messages the recording channels stored, and the
 * timeline this test itself drove.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { DateTime } from 'luxon';
import type { DataSource } from 'typeorm';
import type { ActionChannel } from '../../core/channels/channel.js';
import { closeChannels, defaultChannels } from '../../activities/channels/registry.js';
import { createActivities } from '../../activities/index.js';
import { createApp } from '../../api/app.factory.js';
import { createDataSource } from '../../store/data-source.js';
import { WORKFLOWS_PATH } from '../../worker/worker.js';
import { createRoleKeys, keyedAgent, type RoleKeys } from '../support/api-keys.js';
import { createTimeSkippingEnv, testDatabaseUrl } from '../support/env.js';
import { ROOT, TEST_DEFAULTS } from '../support/runs.js';
import { skippingClock, type SkippingClock } from '../support/skipping-clock.js';
import { bundleWorkflows } from '../../scripts/lib/workflow-bundle.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const TASK_QUEUE = 'e2e-marketer-support';
const prefix = `ms-${Date.now().toString(36)}`;
const journeyId = `onboarding-${prefix}`;
// Other test files share this database: a trigger event of our own keeps their journeys out of ours.
const REGISTERED = `registered_${prefix.replace(/-/g, '_')}`;
const EXIT_REASON = 'support: duplicate account';

let env: TestWorkflowEnvironment;
let db: DataSource;
let channels: ActionChannel[] = [];
let worker: Worker;
let running: Promise<void>;
let app: NestExpressApplication;
let keys: RoleKeys;
const as = (role: keyof RoleKeys) => keyedAgent(app.getHttpServer(), keys[role]);

beforeAll(async () => {
  db = createDataSource(testDatabaseUrl(), { poolSize: 6 });
  const [testEnv, bundle] = await Promise.all([createTimeSkippingEnv(), bundleWorkflows(WORKFLOWS_PATH), db.initialize()]);
  env = testEnv;
  // The registry without provider settings: the real crm_task channel, the rest recording.
  channels = defaultChannels({ db });
  worker = await Worker.create({ connection: env.nativeConnection, taskQueue: TASK_QUEUE, workflowBundle: bundle, activities: createActivities({ db, channels }) });
  running = worker.run();
  // Events are stamped on the time-skipping server's clock, days ahead of the wall clock.
  app = await createApp({ db, temporal: env.client, taskQueue: TASK_QUEUE, defaults: TEST_DEFAULTS, maxEventFutureSkewMs: 30 * 24 * 3_600_000 });
  keys = await createRoleKeys(db, prefix);
  clock = skippingClock(env, runs, PEOPLE.length, graceOf);
});
afterAll(async () => {
  await app?.close();
  worker?.shutdown();
  await running;
  await env?.teardown();
  await closeChannels(channels);
  await db?.destroy();
});

/** Five new customers; what they do after registering (offsets from registration) decides their path. */
const PEOPLE: { key: string; name: string; events: [name: string, offsetMs: number][] }[] = [
  // Never opens the account-opening page: SMS nudge at 2 h, SMS again on day 3, tagged on day 7.
  { key: 'lin', name: 'Lin', events: [] },
  // Starts opening and drops out: CRM task for the account manager on day 3, tagged on day 7.
  { key: 'wang', name: 'Wang', events: [['opening_page_viewed', 20 * MINUTE], ['opening_started', HOUR]] },
  // Opens the account, launches the app once: reward push on day 3, deposit reminder on day 7.
  {
    key: 'zhao',
    name: 'Zhao',
    events: [['opening_page_viewed', 10 * MINUTE], ['opening_started', 15 * MINUTE], ['account_opened', DAY], ['app_launch', 2 * DAY]],
  },
  // Opens the account and uses the app daily: wealth offer push on day 3, first deposit on day 5 (the goal).
  {
    key: 'chen',
    name: 'Chen',
    events: [
      ['opening_page_viewed', 5 * MINUTE],
      ['account_opened', DAY],
      ['app_launch', DAY + HOUR],
      ['app_launch', DAY + 5 * HOUR],
      ['app_launch', 2 * DAY],
      ['app_launch', 2 * DAY + 3 * HOUR],
      ['first_deposit', 5 * DAY],
    ],
  },
  // A duplicate sign-up: support exits the run on day 1, after the 2-hour nudge.
  { key: 'liu', name: 'Liu', events: [] },
];
const SUPPORT_EXIT_AT = DAY + 2 * HOUR;
const customerIdOf = (key: string) => `${prefix}-${key}`;

interface RunRow {
  id: string;
  customer_id: string;
  status: string;
  current_node: string | null;
  waiting_until: Date | null;
  ended_at: Date | null;
  exit_reason: string | null;
}

const runs = (): Promise<RunRow[]> =>
  db.query(
    `SELECT id, customer_id, status, current_node, waiting_until, ended_at, exit_reason FROM enrollments WHERE journey_id = $1 ORDER BY customer_id`,
    [journeyId],
  );

/** A wait-for-event listens for the late-event grace after its window. */
const graceOf = (node: string | null) => (node === 'wait_opening_page' ? TEST_DEFAULTS.lateEventGraceMs : 0);
let clock: SkippingClock<RunRow>;
const advanceTo = (targetMs: number) => clock.advanceTo(targetMs);

const postEvents = async (events: { eventId: string; customerId: string; name: string; eventTime: string }[]) => {
  const res = await as('engineer').post('/v1/events').send({ events }).expect(202);
  expect(res.body.results.every((r: { status: string }) => r.status === 'accepted')).toBe(true);
};

describe('a marketer, the app backend and a support agent, through the API', () => {
  it('publishes, runs a week of customers, and the figures and the history tell what happened', async () => {
    // The marketer authors the onboarding journey as a draft, then publishes it.
    const canvas = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples', 'onboarding.json'), 'utf8'));
    canvas.nodes[0].trigger.event = REGISTERED;
    await as('marketer').post('/v1/journeys').send({ id: journeyId, canvas }).expect(201);
    const published = await as('marketer').post(`/v1/journeys/${journeyId}/publish`).send({}).expect(201);
    expect(published.body).toMatchObject({ version: 1, versionId: `${journeyId}@1` });
    // Support may read figures but not publish.
    expect((await as('support').post(`/v1/journeys/${journeyId}/publish`).send({}).expect(403)).body.error.code).toBe('forbidden_role');

    // The app's backend creates the customers and reports their registrations.
    for (const [i, p] of PEOPLE.entries()) {
      await as('engineer')
        .put(`/v1/customers/${customerIdOf(p.key)}`)
        .send({ traits: { first_name: p.name, phone: `+86139100000${i}`, push_tokens: [`${prefix}-${p.key}`], account_manager: `am-${p.key}`, timeZone: 'Asia/Shanghai' } })
        .expect(200);
    }
    const startMs = await env.currentTimeMs();
    await postEvents(PEOPLE.map((p) => ({ eventId: `${customerIdOf(p.key)}:reg`, customerId: customerIdOf(p.key), name: REGISTERED, eventTime: new Date(startMs).toISOString() })));

    // The week: each event is sent when it happens; the support agent steps in on day 1.
    const timeline = [
      ...PEOPLE.flatMap((p) => p.events.map(([name, offset], n) => ({ offset, event: { eventId: `${customerIdOf(p.key)}:${n}`, customerId: customerIdOf(p.key), name } }))),
      { offset: SUPPORT_EXIT_AT, event: null },
    ].sort((a, b) => a.offset - b.offset);
    for (const step of timeline) {
      await advanceTo(startMs + step.offset);
      if (step.event) {
        await postEvents([{ ...step.event, eventTime: new Date(startMs + step.offset).toISOString() }]);
      } else {
        const history = await as('support').get(`/v1/customers/${customerIdOf('liu')}/history`).expect(200);
        // Support sees where Liu is: waiting out the three days after the nudge.
        expect(history.body.enrollments[0]).toMatchObject({ status: 'active', currentNode: 'wait_day3', waitingUntil: expect.any(String) });
        const enrollmentId = history.body.enrollments[0].enrollmentId;
        await as('support').post(`/v1/enrollments/${encodeURIComponent(enrollmentId)}/exit`).send({ reason: EXIT_REASON }).expect(202);
      }
    }
    await advanceTo(startMs + 8 * DAY);

    // What really happened, from the runs' own rows.
    const ended = await runs();
    const outcome = Object.fromEntries(ended.map((r) => [r.customer_id, [r.status, r.exit_reason]]));
    expect(outcome).toEqual({
      [customerIdOf('chen')]: ['converted', 'goal_reached'],
      [customerIdOf('lin')]: ['completed', 'onboarding_finished'],
      [customerIdOf('liu')]: ['exited', EXIT_REASON],
      [customerIdOf('wang')]: ['completed', 'onboarding_finished'],
      [customerIdOf('zhao')]: ['completed', 'onboarding_finished'],
    });

    // The marketer's figures.
    const stats = (await as('marketer').get(`/v1/journeys/${journeyId}/stats`).query({ timeZone: 'Asia/Shanghai' }).expect(200)).body;
    expect(stats.totals).toMatchObject({ entered: 5, converted: 1, conversionRate: 0.2, pending: 0, waiting: 0, inProgress: 0 });
    expect(stats.totals.exits).toEqual(
      expect.arrayContaining([
        { status: 'completed', reason: 'onboarding_finished', count: 3 },
        { status: 'converted', reason: 'goal_reached', count: 1 },
        { status: 'exited', reason: EXIT_REASON, count: 1 },
      ]),
    );
    expect(stats.totals.exits).toHaveLength(3);
    const node = (id: string) => stats.nodes.find((n: { nodeId: string }) => n.nodeId === id);
    expect(node('wait_opening_page')).toMatchObject({ passed: 5, branches: { matched: 3, timed_out: 2 } });
    expect(node('sms_open_nudge')).toMatchObject({ passed: 2 });
    expect(node('wait_day3')).toMatchObject({ passed: 5 });
    expect(node('day3_split')).toMatchObject({ passed: 4, branches: { dropped_mid_opening: 1, no_account: 1, inactive: 1, else: 1 } });
    expect(node('wait_day7')).toMatchObject({ passed: 4 });
    expect(node('day7_check')).toMatchObject({ passed: 3, branches: { yes: 1, no: 2 } });
    expect(node('done')).toMatchObject({ passed: 3 });
    // The daily series adds up to the totals, each figure on the local day it happened.
    const day = (offset: number) => DateTime.fromMillis(startMs + offset, { zone: 'Asia/Shanghai' }).toISODate();
    const series: { date: string; entered: number; converted: number }[] = stats.series;
    expect(series.reduce((sum, d) => sum + d.entered, 0)).toBe(5);
    expect(series.find((d) => d.entered > 0)?.date).toBe(day(0));
    expect(series.filter((d) => d.converted > 0).map((d) => [d.date, d.converted])).toEqual([[day(5 * DAY), 1]]);

    // The enrollment list agrees, filtered by status.
    const completed = (await as('support').get(`/v1/journeys/${journeyId}/enrollments`).query({ status: 'completed' }).expect(200)).body;
    expect(completed.items.map((e: { customerId: string }) => e.customerId).sort()).toEqual(['lin', 'wang', 'zhao'].map(customerIdOf));

    // Support: why did Lin get two SMS? The history shows the path, each decision, each message.
    const lin = (await as('support').get(`/v1/customers/${customerIdOf('lin')}/history`).expect(200)).body;
    expect(lin.enrollments).toHaveLength(1);
    const run = lin.enrollments[0];
    expect(run).toMatchObject({ journeyId, versionId: `${journeyId}@1`, status: 'completed', exitReason: 'onboarding_finished', currentNode: 'done', waitingUntil: null });
    const decisions = run.steps.filter((s: { kind: string }) => s.kind === 'decision').map((s: { nodeId: string; detail: { port: string } }) => [s.nodeId, s.detail.port]);
    expect(decisions).toEqual([
      ['wait_opening_page', 'timed_out'],
      ['day3_split', 'no_account'],
      ['day7_check', 'no'],
    ]);
    const sent: { id: string; payload: { body: string } }[] = await db.query(
      `SELECT id, payload FROM recorded_sends WHERE customer_id = $1 AND channel = 'sms' ORDER BY id`,
      [customerIdOf('lin')],
    );
    expect(sent).toHaveLength(2);
    expect(run.messages.map((m: { nodeId: string; status: string; providerMessageId: string }) => [m.nodeId, m.status, m.providerMessageId])).toEqual([
      ['sms_open_nudge', 'sent', `rec-${sent[0].id}`],
      ['sms_open_again', 'sent', `rec-${sent[1].id}`],
    ]);
    // Liu's history says who ended the run and why; a viewer may read it too, an engineer may not.
    const liu = (await as('viewer').get(`/v1/customers/${customerIdOf('liu')}/history`).expect(200)).body;
    expect(liu.enrollments[0]).toMatchObject({ status: 'exited', exitReason: EXIT_REASON, currentNode: 'wait_day3', waitingUntil: null });
    await as('engineer').get(`/v1/customers/${customerIdOf('liu')}/history`).expect(403);

    // And the audit log has the marketer's work.
    const audit = (await as('marketer').get('/v1/audit-log').query({ entityType: 'journey', entityId: journeyId }).expect(200)).body;
    expect(audit.items.map((e: { action: string; actor: { role: string } }) => [e.action, e.actor.role]).reverse()).toEqual([
      ['journey.create', 'marketer'],
      ['journey.publish', 'marketer'],
    ]);
  }, 300_000);
});
