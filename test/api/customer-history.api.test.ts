/**
 * The customer history answers support's questions through the HTTP API alone: what a message
 * carried (channel, masked recipient, rendered text, template version, provider id, every delivery
 * report with a plain explanation), what enrolled the customer, which journeys refused them and why,
 * and the customer's events. Real app, PostgreSQL, Temporal dev server, worker, and the real Twilio
 * SDK against the loopback fake.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { AddressInfo } from 'node:net';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { defaultChannelDescriptors } from '../../activities/channels/registry.js';
import { createApp } from '../../api/app.factory.js';
import { RuntimeGaugesRepository } from '../../store/runtime-gauges.repository.js';
import { keyedAgent } from '../support/api-keys.js';
import { postTwilioCallback, startFakeTwilio, type FakeTwilio } from '../fakes/twilio-server.js';
import { endedEnrollments, eventually, FAST_DEFAULTS } from '../support/runtime-harness.js';
import { canvas, startApi, type ApiHarness } from './api-harness.js';

const PUBLIC_BASE_URL = 'https://journeys.example.com';
const unique = Date.now().toString(36);
const HARNESS = 'customer-history';
let api: ApiHarness;
let fake: FakeTwilio;
let localBaseUrl: string;

beforeAll(async () => {
  fake = await startFakeTwilio();
  const settings = {
    twilioAccountSid: fake.accountSid,
    twilioAuthToken: fake.authToken,
    twilioFrom: '+15005550006',
    twilioApiBaseUrl: fake.baseUrl,
    publicBaseUrl: PUBLIC_BASE_URL,
  };
  api = await startApi(HARNESS, { messaging: { twilioAuthToken: fake.authToken, publicBaseUrl: PUBLIC_BASE_URL } }, { descriptors: defaultChannelDescriptors(), settings });
  await api.app.listen(0, '127.0.0.1');
  localBaseUrl = `http://127.0.0.1:${(api.app.getHttpServer().address() as AddressInfo).port}`;
});
afterAll(async () => {
  await api?.stop();
  await fake?.close();
});

async function publish(journeyId: string, body: object): Promise<void> {
  await api.http().put(`/v1/journeys/${journeyId}/publish`).send(body).expect(201);
}

async function postEvent(customerId: string, eventId: string, name: string, eventTime = new Date().toISOString(), properties: object = {}) {
  const res = await api.as('engineer').post('/v1/events').send({ events: [{ eventId, customerId, name, eventTime, properties }] }).expect(202);
  expect(res.body.results[0]).toMatchObject({ status: 'accepted', dispatch: 'dispatched' });
}

/** A Twilio status callback for `sid`, signed for our public URL and posted to the local one. */
function statusCallback(sid: string, status: string, extra: Record<string, string> = {}) {
  const path = '/v1/providers/twilio/status';
  const params = { AccountSid: fake.accountSid, MessageSid: sid, MessageStatus: status, ApiVersion: '2010-04-01', ...extra };
  return postTwilioCallback(`${localBaseUrl}${path}`, fake.authToken, params, { signedUrl: `${PUBLIC_BASE_URL}${path}` });
}

describe('messages in the history carry what was sent', () => {
  const journeyId = `receipt-${unique}`;
  const customerId = `mei-${unique}`;
  const event = `ordered_${unique}`;

  it('shows channel, masked recipient, rendered text, template version, provider id and every delivery report as it arrived', async () => {
    await publish(
      journeyId,
      canvas(
        'Receipt',
        [
          { id: 'start', type: 'trigger', trigger: { kind: 'event', event } },
          { id: 'sms', type: 'action', action: 'sms', params: { body: 'Hi {{ traits.first_name }}, order {{ entry.order }} is paid' } },
          { id: 'push', type: 'action', action: 'push', params: { title: 'Order {{ entry.order }}', body: 'Thanks, {{ traits.first_name }}' } },
          { id: 'done', type: 'exit', reason: 'told' },
        ],
        [
          { from: 'start', to: 'sms' },
          { from: 'sms', to: 'push' },
          { from: 'push', to: 'done' },
        ],
      ),
    );
    await api.as('engineer').put(`/v1/customers/${customerId}`).send({ traits: { first_name: 'Mei', phone: '+8613800001234' } }).expect(200);
    const eventTime = '2026-01-05T08:00:00.000Z';
    await postEvent(customerId, `order-${unique}`, event, eventTime, { order: 'A-17' });
    await endedEnrollments(api.rt.db, journeyId, 1);

    const sid = fake.messages.at(-1)!.sid;
    expect(fake.messages.at(-1)).toMatchObject({ to: '+8613800001234', body: 'Hi Mei, order A-17 is paid' });
    // Reports arrive out of order: the late `queued` is kept in the list but does not undo `undelivered`.
    for (const [status, extra] of [['sent', {}], ['undelivered', { ErrorCode: '30003' }], ['queued', {}]] as const) {
      expect((await statusCallback(sid, status, extra)).status).toBe(204);
    }

    const support = await api.as('support').get(`/v1/customers/${customerId}/history`).expect(200);
    const [run] = support.body.enrollments;
    expect(run.entry).toEqual({
      kind: 'event',
      eventId: `order-${unique}`,
      eventName: event,
      eventTime,
      text: `Entered on event "${event}" (id order-${unique}) at ${eventTime}`,
    });
    expect(run.messages).toEqual([
      {
        nodeId: 'sms',
        channel: 'sms',
        action: 'sms',
        status: 'sent',
        recipient: '+*********1234',
        recipientMasked: true,
        content: { body: 'Hi Mei, order A-17 is paid' },
        templateVersion: `${journeyId}@1`,
        provider: 'twilio',
        providerMessageId: sid,
        errorCode: null,
        errorMessage: null,
        deliveryStatus: 'undelivered',
        deliveryErrorCode: '30003',
        deliveryReports: [
          { status: 'sent', errorCode: null, explanation: 'the carrier accepted the message', receivedAt: expect.any(String) },
          {
            status: 'undelivered',
            errorCode: '30003',
            explanation: "the carrier could not deliver the message: Twilio error 30003, the customer's phone is unreachable (switched off or out of coverage)",
            receivedAt: expect.any(String),
          },
          { status: 'queued', errorCode: null, explanation: 'Twilio accepted the message and queued it', receivedAt: expect.any(String) },
        ],
        createdAt: expect.any(String),
      },
      {
        nodeId: 'push',
        channel: 'push',
        action: 'push',
        status: 'failed',
        recipient: null,
        recipientMasked: false,
        content: { title: 'Order A-17', body: 'Thanks, Mei' },
        templateVersion: `${journeyId}@1`,
        provider: null,
        providerMessageId: null,
        errorCode: 'no_recipient',
        errorMessage: `customer ${customerId} has no push_tokens`,
        deliveryStatus: null,
        deliveryErrorCode: null,
        deliveryReports: [],
        createdAt: expect.any(String),
      },
    ]);

    // Admin reads the number in full (engineers, the other full-recipient role, do not read histories at all).
    const admin = await api.http().get(`/v1/customers/${customerId}/history`).expect(200);
    expect(admin.body.enrollments[0].messages[0]).toMatchObject({ recipient: '+8613800001234', recipientMasked: false });
  });
});

describe('entry is explained', () => {
  it('names the API key and idempotency key of an API entry, and the segment and segment run of a segment entry', async () => {
    const apiJourney = `api-entry-${unique}`;
    const customerId = `entry-${unique}`;
    await publish(apiJourney, canvas('API entry', [{ id: 'start', type: 'trigger', trigger: { kind: 'api' } }, { id: 'done', type: 'exit' }], [{ from: 'start', to: 'done' }]));
    await api.as('engineer').post(`/v1/journeys/${apiJourney}/enrollments`).send({ customerId, idempotencyKey: `k-${unique}` }).expect(201);
    await endedEnrollments(api.rt.db, apiJourney, 1);

    const segment = `cohort-${unique}`;
    await api.as('marketer').post('/v1/segments').send({ key: segment, name: 'Cohort', rule: { trait: 'cohort', op: 'eq', value: unique } }).expect(201);
    const segJourney = `seg-entry-${unique}`;
    await publish(segJourney, canvas('Segment entry', [{ id: 'start', type: 'trigger', trigger: { kind: 'segment', segment } }, { id: 'done', type: 'exit' }], [{ from: 'start', to: 'done' }]));
    // Joining the segment by a profile change enrols into the segment-triggered journey.
    await api.as('engineer').put(`/v1/customers/${customerId}`).send({ traits: { cohort: unique } }).expect(200);
    await endedEnrollments(api.rt.db, segJourney, 1);
    // A segment run enrols every member into an API-triggered journey.
    const runJourney = `run-entry-${unique}`;
    await publish(runJourney, canvas('Run entry', [{ id: 'start', type: 'trigger', trigger: { kind: 'api' } }, { id: 'done', type: 'exit' }], [{ from: 'start', to: 'done' }]));
    const started = await api.as('marketer').post(`/v1/journeys/${runJourney}/segment-runs`).send({ segment }).expect(202);
    await endedEnrollments(api.rt.db, runJourney, 1);

    const history = (await api.as('support').get(`/v1/customers/${customerId}/history`).expect(200)).body;
    const entries = Object.fromEntries(history.enrollments.map((e: { journeyId: string; entry: unknown }) => [e.journeyId, e.entry]));
    expect(entries[apiJourney]).toEqual({
      kind: 'api',
      keyName: `engineer:${HARNESS} engineer`,
      idempotencyKey: `k-${unique}`,
      text: `Enrolled through the API by API key "engineer:${HARNESS} engineer" with idempotency key "k-${unique}"`,
    });
    expect(entries[segJourney]).toEqual({ kind: 'segment', segment, segmentRun: null, text: `Entered segment "${segment}" through a profile or event change that put them in it` });
    expect(entries[runJourney]).toEqual({
      kind: 'segment',
      segment,
      segmentRun: started.body.operationId,
      text: `Entered segment "${segment}" through segment run ${started.body.operationId}`,
    });
  });
});

describe('refusals are recorded', () => {
  it('lists "not enrolled" for every journey whose trigger matched, with the rule and the run in the way', async () => {
    const customerId = `refused-${unique}`;
    const event = `visited_${unique}`;
    const trigger = { id: 'start', type: 'trigger', trigger: { kind: 'event', event } } as const;
    const once = `once-${unique}`;
    const cool = `cool-${unique}`;
    const live = `live-${unique}`;
    const paused = `paused-${unique}`;
    await publish(once, canvas('Once', [trigger, { id: 'done', type: 'exit' }], [{ from: 'start', to: 'done' }], { settings: { reentry: { policy: 'once' } } }));
    await publish(cool, canvas('Cool', [trigger, { id: 'done', type: 'exit' }], [{ from: 'start', to: 'done' }], { settings: { reentry: { policy: 'cooldown', cooldown: 'P7D' } } }));
    await publish(
      live,
      canvas('Live', [trigger, { id: 'hold', type: 'wait', duration: 'PT1H' }, { id: 'done', type: 'exit' }], [
        { from: 'start', to: 'hold' },
        { from: 'hold', to: 'done' },
      ]),
    );
    await publish(paused, canvas('Paused', [trigger, { id: 'done', type: 'exit' }], [{ from: 'start', to: 'done' }]));
    await api.as('marketer').post(`/v1/journeys/${paused}/pause`).send({ reason: 'copy review' }).expect(200);

    await postEvent(customerId, `v1-${unique}`, event);
    await endedEnrollments(api.rt.db, once, 1);
    await endedEnrollments(api.rt.db, cool, 1);
    await postEvent(customerId, `v2-${unique}`, event);
    // The same event sent again records nothing twice.
    const again = await api.as('engineer').post('/v1/events').send({ events: [{ eventId: `v2-${unique}`, customerId, name: event, eventTime: new Date().toISOString() }] });
    expect(again.body.results[0]).toMatchObject({ status: 'duplicate' });

    const history = (await api.as('support').get(`/v1/customers/${customerId}/history`).expect(200)).body;
    const runOf = (j: string) => `journey:${j}:customer:${customerId}:run:1`;
    const endedAt = Date.parse(history.enrollments.find((e: { journeyId: string }) => e.journeyId === cool).endedAt);
    const rows = history.notEnrolled
      .map((r: { journeyId: string; reason: string; rule: string; enrollmentId: string | null; trigger: { eventId: string } }) => [
        r.journeyId,
        r.trigger.eventId,
        r.reason,
        r.rule,
        r.enrollmentId,
      ])
      .sort((a: string[], b: string[]) => `${a[0]}${a[1]}`.localeCompare(`${b[0]}${b[1]}`));
    expect(rows).toEqual(
      [
        [cool, `v2-${unique}`, 'cooldown', `re-entry cooldown of P7D: run ${runOf(cool)} ended at ${new Date(endedAt).toISOString()}; entry allowed again from ${new Date(endedAt + 7 * 86_400_000).toISOString()}`, runOf(cool)],
        [live, `v2-${unique}`, 'already_enrolled', `one live run per customer: run ${runOf(live)} is still in the journey`, runOf(live)],
        [once, `v2-${unique}`, 'reentry_not_allowed', `re-entry policy "once": the customer already went through the journey (run ${runOf(once)})`, runOf(once)],
        [paused, `v1-${unique}`, 'journey_paused', 'the journey is paused: it admits no new customers', null],
        [paused, `v2-${unique}`, 'journey_paused', 'the journey is paused: it admits no new customers', null],
      ].sort((a, b) => `${a[0]}${a[1]}`.localeCompare(`${b[0]}${b[1]}`)),
    );
    expect(history.notEnrolled[0].trigger).toMatchObject({ kind: 'event', eventName: event });
  });
});

describe('GET /v1/customers/:customerId/events', () => {
  const customerId = `events-${unique}`;

  beforeAll(async () => {
    const at = (minute: number) => `2026-02-01T10:${String(minute).padStart(2, '0')}:00.000Z`;
    const events = [
      { eventId: `e1-${unique}`, customerId, name: 'app_launch', eventTime: at(1), properties: { n: 1 } },
      { eventId: `e2-${unique}`, customerId, name: 'fund_viewed', eventTime: at(2), properties: { fund: 'F1' } },
      { eventId: `e3-${unique}`, customerId, name: 'app_launch', eventTime: at(3), properties: { n: 2 } },
      { eventId: `e4-${unique}`, customerId, name: 'app_launch', eventTime: at(4), properties: { n: 3 } },
    ];
    await api.as('engineer').post('/v1/events').send({ events }).expect(202);
  });

  it('pages newest first and filters by name and time', async () => {
    const first = await api.as('support').get(`/v1/customers/${customerId}/events`).query({ limit: 3 }).expect(200);
    expect(first.body.items.map((e: { eventId: string }) => e.eventId)).toEqual([`e4-${unique}`, `e3-${unique}`, `e2-${unique}`]);
    expect(first.body.items[0]).toEqual({
      eventId: `e4-${unique}`,
      name: 'app_launch',
      eventTime: '2026-02-01T10:04:00.000Z',
      receivedAt: expect.any(String),
      properties: { n: 3 },
    });
    const second = await api.as('support').get(`/v1/customers/${customerId}/events`).query({ limit: 3, cursor: first.body.nextCursor }).expect(200);
    expect(second.body).toEqual({ items: [expect.objectContaining({ eventId: `e1-${unique}` })], nextCursor: null });

    const filtered = await api
      .as('marketer')
      .get(`/v1/customers/${customerId}/events`)
      .query({ name: 'app_launch', from: '2026-02-01T10:02:00Z', to: '2026-02-01T10:04:00Z' })
      .expect(200);
    expect(filtered.body).toEqual({ items: [expect.objectContaining({ eventId: `e3-${unique}`, properties: { n: 2 } })], nextCursor: null });
  });

  it('400s a bad filter or cursor with its path, 404s an unknown customer, 403s a role without access', async () => {
    // The schema refuses `from` (one answer per layer: the cursor is checked once the schema passes).
    const bad = await api.as('support').get(`/v1/customers/${customerId}/events`).query({ from: 'yesterday', cursor: 'nope' }).expect(400);
    expect(bad.body.error.code).toBe('invalid_query');
    expect(bad.body.error.issues.map((i: { path: string }) => i.path)).toEqual(['$query.from']);
    const badCursor = await api.as('support').get(`/v1/customers/${customerId}/events`).query({ cursor: 'nope' }).expect(400);
    expect(badCursor.body.error.issues.map((i: { path: string }) => i.path)).toEqual(['$query.cursor']);
    const forged = Buffer.from(JSON.stringify(['2026-02-01T10:00:00.000Z', 'x'])).toString('base64url');
    await api.as('support').get(`/v1/customers/${customerId}/events`).query({ cursor: forged }).expect(400);
    expect((await api.as('support').get(`/v1/customers/nobody-${unique}/events`).expect(404)).body.error.code).toBe('customer_not_found');
    await api.anonymous().get(`/v1/customers/${customerId}/events`).expect(401);
  });
});

describe('waits show their real deadline', () => {
  const GRACE_MS = 3_600_000;
  let graceApp: NestExpressApplication;

  beforeAll(async () => {
    // The same runtime, with a one-hour late-event grace for the runs this app starts.
    graceApp = await createApp({ db: api.rt.db, temporal: api.rt.client, taskQueue: api.rt.taskQueue, defaults: { ...FAST_DEFAULTS, lateEventGraceMs: GRACE_MS } });
  });
  afterAll(async () => {
    await graceApp?.close();
  });

  it('a run in its late-event grace shows both moments, is not stuck, and counts as waiting', async () => {
    const journeyId = `grace-${unique}`;
    const customerId = `grace-cust-${unique}`;
    await publish(
      journeyId,
      canvas(
        'Grace',
        [
          { id: 'start', type: 'trigger', trigger: { kind: 'api' } },
          { id: 'opened', type: 'wait_for_event', event: `opened_${unique}`, timeout: 'PT1S' },
          { id: 'yes', type: 'exit', reason: 'opened' },
          { id: 'no', type: 'exit', reason: 'silent' },
        ],
        [
          { from: 'start', to: 'opened' },
          { from: 'opened', port: 'matched', to: 'yes' },
          { from: 'opened', port: 'timed_out', to: 'no' },
        ],
      ),
    );
    const admin = () => keyedAgent(graceApp.getHttpServer(), api.keys.admin);
    await admin().post(`/v1/journeys/${journeyId}/enrollments`).send({ customerId }).expect(201);
    const [row] = await eventually('the run waiting at opened', async () => {
      const rows: { waiting_until: Date }[] = await api.rt.db.query(
        `SELECT waiting_until FROM enrollments WHERE journey_id = $1 AND current_node = 'opened' AND waiting_until < now()`,
        [journeyId],
      );
      return rows.length === 1 ? rows : null;
    });
    const nominal = row.waiting_until.toISOString();
    const movesOn = new Date(row.waiting_until.getTime() + GRACE_MS).toISOString();

    const history = (await api.as('support').get(`/v1/customers/${customerId}/history`).expect(200)).body;
    expect(history.enrollments[0]).toMatchObject({ status: 'active', currentNode: 'opened', waitingUntil: nominal, movesOnAt: movesOn });
    expect(history.enrollments[0].steps.at(-1)).toMatchObject({
      kind: 'wait_started',
      detail: { windowEnd: nominal, lateEventGraceMs: GRACE_MS, movesOnAt: movesOn },
    });
    const listed = (await api.as('support').get(`/v1/journeys/${journeyId}/enrollments`).expect(200)).body;
    expect(listed.items[0]).toMatchObject({ waitingUntil: nominal, movesOnAt: movesOn });

    // Past its window but inside the grace: not overdue, even with no tolerance at all.
    const stuck = (await api.as('support').get('/v1/operations/stuck-runs').query({ graceSeconds: 0, limit: 1000 }).expect(200)).body;
    expect(stuck.items.filter((r: { journeyId: string }) => r.journeyId === journeyId)).toEqual([]);
    const stats = (await api.as('viewer').get(`/v1/journeys/${journeyId}/stats`).expect(200)).body;
    expect(stats.totals).toMatchObject({ waiting: 1, inProgress: 0 });
    // The diff before a publish says who stays on the running version.
    const diff = (await api.as('marketer').get(`/v1/journeys/${journeyId}/diff`).expect(200)).body;
    expect(diff.liveRuns).toEqual([{ version: 1, versionId: `${journeyId}@1`, live: 1 }]);
  });
});

describe('stats count outcomes, not only arrivals', () => {
  it('counts per action node and in the daily series: sent, delivered, suppressed by reason (no recipient, consent); the metric agrees', async () => {
    const journeyId = `outcomes-${unique}`;
    const event = `joined_${unique}`;
    await publish(
      journeyId,
      canvas(
        'Outcomes',
        [
          { id: 'start', type: 'trigger', trigger: { kind: 'event', event } },
          { id: 'push', type: 'action', action: 'push', params: { title: 'Hello', body: 'Welcome' } },
          { id: 'sms', type: 'action', action: 'sms', params: { body: 'Welcome' } },
          { id: 'done', type: 'exit' },
        ],
        [
          { from: 'start', to: 'push' },
          { from: 'push', to: 'sms' },
          { from: 'sms', to: 'done' },
        ],
      ),
    );
    // Neither has a push token; the second has opted out of SMS.
    const people = [
      { id: `out-a-${unique}`, traits: { phone: '+8613800005551' } },
      { id: `out-b-${unique}`, traits: { phone: '+8613800005552', consent: { sms: false } } },
    ];
    for (const p of people) {
      await api.as('engineer').put(`/v1/customers/${p.id}`).send({ traits: p.traits }).expect(200);
      await postEvent(p.id, `j-${p.id}`, event);
    }
    await endedEnrollments(api.rt.db, journeyId, 2);

    const stats = (await api.as('viewer').get(`/v1/journeys/${journeyId}/stats`).expect(200)).body;
    const byNode = Object.fromEntries(stats.nodes.map((n: { nodeId: string; messages: unknown }) => [n.nodeId, n.messages]));
    expect(byNode).toEqual({
      push: { attempted: 2, sent: 0, delivered: 0, failed: {}, suppressed: { no_recipient: 2 } },
      sms: { attempted: 2, sent: 1, delivered: 0, failed: {}, suppressed: { no_consent: 1 } },
      done: null,
    });
    const all = { attempted: 4, sent: 1, delivered: 0, failed: {}, suppressed: { no_recipient: 2, no_consent: 1 } };
    expect(stats.totals.messages).toEqual(all);
    expect(stats.series.map((d: { messages: unknown }) => d.messages)).toEqual([all]);

    const gauge = await new RuntimeGaugesRepository(api.rt.db).suppressedSends();
    const n = (action: string, reason: string) => gauge.find((g) => g.action === action && g.reason === reason)?.n ?? 0;
    expect(n('push', 'no_recipient')).toBeGreaterThanOrEqual(2);
    expect(n('sms', 'no_consent')).toBeGreaterThanOrEqual(1);
    // A provider failure is not a suppression.
    expect(gauge.filter((g) => g.reason === 'outcome_unknown')).toEqual([]);
  });
});

describe('POST /v1/customers/:customerId/consent', () => {
  it('support records an opt-out with a reason (audited), the next marketing SMS is held back, and an opt-in lifts it', async () => {
    const customerId = `phone-call-${unique}`;
    const journeyId = `promo-${unique}`;
    const event = `promo_${unique}`;
    await api.as('engineer').put(`/v1/customers/${customerId}`).send({ traits: { phone: '+8613800007777', consent: { push: true } } }).expect(200);
    const out = await api.as('support').post(`/v1/customers/${customerId}/consent`).send({ channel: 'sms', consented: false, reason: 'asked by phone to stop texts' }).expect(200);
    expect(out.body).toMatchObject({ customerId, consent: { sms: false, push: true }, traits: { sms_opted_out_at: expect.any(String) } });
    const audit = await api.http().get('/v1/audit-log').query({ entityType: 'customer', entityId: customerId }).expect(200);
    expect(audit.body.items).toMatchObject([
      { action: 'customer.consent', actor: { role: 'support' }, detail: { channel: 'sms', consented: false, reason: 'asked by phone to stop texts' } },
    ]);

    await publish(
      journeyId,
      canvas('Promo', [{ id: 'start', type: 'trigger', trigger: { kind: 'event', event } }, { id: 'sms', type: 'action', action: 'sms', params: { body: 'Sale' } }, { id: 'done', type: 'exit' }], [
        { from: 'start', to: 'sms' },
        { from: 'sms', to: 'done' },
      ], { settings: { reentry: { policy: 'after_exit' } } }),
    );
    await postEvent(customerId, `p1-${unique}`, event);
    await endedEnrollments(api.rt.db, journeyId, 1);
    const held = (await api.as('support').get(`/v1/customers/${customerId}/history`).expect(200)).body.enrollments[0].messages[0];
    expect(held).toMatchObject({ status: 'suppressed', errorCode: 'no_consent', recipient: null });

    const back = await api.as('support').post(`/v1/customers/${customerId}/consent`).send({ channel: 'sms', consented: true, reason: 'called back to opt in' }).expect(200);
    expect(back.body.consent).toEqual({ sms: true, push: true });
    expect(back.body.traits).not.toHaveProperty('sms_opted_out_at');
    await postEvent(customerId, `p2-${unique}`, event);
    await endedEnrollments(api.rt.db, journeyId, 2);
    const sent = (await api.as('support').get(`/v1/customers/${customerId}/history`).expect(200)).body.enrollments[0].messages[0];
    expect(sent).toMatchObject({ status: 'sent', content: { body: 'Sale' } });
  });

  it('400s bad input with JSON paths, 404s an unknown customer, 403s a marketer', async () => {
    const bad = await api.as('support').post(`/v1/customers/x-${unique}/consent`).send({ channel: 'fax', consented: 'no' }).expect(400);
    expect(bad.body.error.code).toBe('invalid_body');
    expect(bad.body.error.issues.map((i: { path: string; code: string }) => `${i.path}:${i.code}`).sort()).toEqual([
      '$.channel:invalid_value',
      '$.consented:invalid_type',
      '$.reason:required',
    ]);
    const body = { channel: 'push', consented: false, reason: 'r' };
    expect((await api.as('support').post(`/v1/customers/nobody-${unique}/consent`).send(body).expect(404)).body.error.code).toBe('customer_not_found');
    expect((await api.as('marketer').post(`/v1/customers/nobody-${unique}/consent`).send(body).expect(403)).body.error.code).toBe('forbidden_role');
  });
});

describe('publish-time checks', () => {
  it('refuses a journey naming an unknown segment (trigger or condition) at its node, and publishes once the segment exists', async () => {
    const segment = `later-${unique}`;
    const byTrigger = canvas('Unknown trigger segment', [{ id: 'start', type: 'trigger', trigger: { kind: 'segment', segment } }, { id: 'done', type: 'exit' }], [
      { from: 'start', to: 'done' },
    ]);
    const byCondition = canvas(
      'Unknown condition segment',
      [
        { id: 'start', type: 'trigger', trigger: { kind: 'api' } },
        { id: 'vip', type: 'condition', condition: { not: { segment } } },
        { id: 'yes', type: 'exit' },
        { id: 'no', type: 'exit' },
      ],
      [
        { from: 'start', to: 'vip' },
        { from: 'vip', port: 'yes', to: 'yes' },
        { from: 'vip', port: 'no', to: 'no' },
      ],
    );
    for (const [id, doc, path] of [[`seg-trigger-${unique}`, byTrigger, '$.nodes[0]'], [`seg-cond-${unique}`, byCondition, '$.nodes[1]']] as const) {
      const refused = await api.as('marketer').put(`/v1/journeys/${id}/publish`).send(doc).expect(422);
      expect(refused.body.error).toMatchObject({
        code: 'invalid_canvas',
        issues: [{ code: 'unknown_segment', path, message: expect.stringContaining(`There is no segment "${segment}"`) }],
      });
      const stored: unknown[] = await api.rt.db.query(`SELECT 1 FROM journey_versions WHERE journey_id = $1`, [id]);
      expect(stored).toEqual([]);
    }
    await api.as('marketer').post('/v1/segments').send({ key: segment, name: 'Later', rule: { trait: 'vip', op: 'eq', value: true } }).expect(201);
    await api.as('marketer').put(`/v1/journeys/seg-cond-${unique}/publish`).send(byCondition).expect(201);
  });
});

describe('validation lists what actions need from the profile', () => {
  it('answers needs_profile_data as info for sms, push, and crm_task without a queue', async () => {
    const doc = canvas(
      'Needs',
      [
        { id: 'start', type: 'trigger', trigger: { kind: 'api' } },
        { id: 'sms', type: 'action', action: 'sms', params: { body: 'Hi' } },
        { id: 'push', type: 'action', action: 'push', params: { title: 'Hi', body: 'There' } },
        { id: 'am', type: 'action', action: 'crm_task', params: { title: 'Call' } },
        { id: 'desk', type: 'action', action: 'crm_task', params: { title: 'Call', queue: 'vip_desk' } },
        { id: 'done', type: 'exit' },
      ],
      [
        { from: 'start', to: 'sms' },
        { from: 'sms', to: 'push' },
        { from: 'push', to: 'am' },
        { from: 'am', to: 'desk' },
        { from: 'desk', to: 'done' },
      ],
    );
    const res = await api.as('marketer').post('/v1/journeys/validate').send(doc).expect(200);
    expect(res.body).toMatchObject({ valid: true, issues: [] });
    expect(res.body.info).toEqual([
      { code: 'needs_profile_data', path: '$.nodes[1]', message: 'sms reaches only customers with the "phone" trait; the others get nothing (recorded as no_recipient)' },
      { code: 'needs_profile_data', path: '$.nodes[2]', message: 'push reaches only customers with the "push_tokens" trait; the others get nothing (recorded as no_recipient)' },
      { code: 'needs_profile_data', path: '$.nodes[3]', message: 'crm_task reaches only customers with the "account_manager" trait; the others get nothing (recorded as no_recipient)' },
    ]);
  });
});
