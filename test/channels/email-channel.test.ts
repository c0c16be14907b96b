/**
 * The proof that a channel is one folder plus one registration line: the `email` channel of
 * test/fixtures/channels/email/ joins the registry as `[...defaultChannelDescriptors(), emailDescriptor(...)]`,
 * the list the worker and the API are built from, and with no other edit it is validated at publish
 * through the HTTP API, documented in the OpenAPI document, sent once through the ledger, held back by
 * quiet hours, frequency caps and consent, updated by its signed delivery reports and shown in the
 * customer's history.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createActionActivities } from '../../activities/actions.js';
import { TransientChannelError } from '../../core/channels/channel.js';
import { actionSpecsOf, type ChannelDescriptor } from '../../core/channels/descriptor.js';
import { buildChannels, defaultChannelDescriptors } from '../../activities/channels/registry.js';
import type { Canvas } from '../../engine/canvas.js';
import { parseFrequencyCaps } from '../../engine/policy.js';
import { validateCanvas } from '../../engine/validate.js';
import type { ActionRequest } from '../../engine/runtime.js';
import { emailDescriptor, signEmailReport } from '../fixtures/channels/email/index.js';
import { startFakeEmailProvider, type FakeEmailProvider } from '../fixtures/channels/email/fake-provider.js';
import { canvas, startApi, type ApiHarness } from '../api/api-harness.js';
import { eventually } from '../support/runtime-harness.js';
import { ledgerFixtures, ledgerOf } from './ledger-fixtures.js';

const PUBLIC_BASE_URL = 'https://journeys.example.com';
const SIGNING_SECRET = 'fakemail-signing-secret';
const settings = { publicBaseUrl: PUBLIC_BASE_URL };
const unique = `${Date.now().toString(36)}-${process.pid}`;

let fake: FakeEmailProvider;
let registry: ChannelDescriptor[];
let api: ApiHarness;

beforeAll(async () => {
  fake = await startFakeEmailProvider();
  // The one registration line.
  registry = [...defaultChannelDescriptors(), emailDescriptor({ baseUrl: fake.baseUrl, apiKey: fake.apiKey, signingSecret: SIGNING_SECRET, timeoutMs: 1_000 })];
  api = await startApi('email', { channels: registry, channelSettings: settings }, { descriptors: registry, settings, policy: { caps: parseFrequencyCaps('email:1/P1D') } });
});
afterAll(async () => {
  await api?.stop();
  await fake?.close();
});

let customers = 0;
/** A fresh customer with an email address (UTC, so quiet hours are computed in UTC). */
async function customer(traits: Record<string, unknown> = {}): Promise<{ id: string; email: string }> {
  customers++;
  const id = `email-${unique}-c${customers}`;
  const email = `${id}@example.com`;
  await api.rt.db.query(`INSERT INTO customers (id, traits) VALUES ($1, $2)`, [id, JSON.stringify({ email, first_name: 'Mei', timeZone: 'UTC', ...traits })]);
  return { id, email };
}

const emailJourney = (name: string, params: Record<string, unknown>, extra: Partial<Canvas> = {}, category?: 'marketing' | 'transactional'): Canvas =>
  canvas(
    name,
    [
      { id: 'start', type: 'trigger', trigger: { kind: 'api' } },
      { id: 'welcome', type: 'action', action: 'email', ...(category ? { category } : {}), params },
      { id: 'done', type: 'exit' },
    ],
    [
      { from: 'start', to: 'welcome' },
      { from: 'welcome', to: 'done' },
    ],
    extra,
  );

const GOOD_PARAMS = { subject: 'Welcome, {{ traits.first_name }}', body: 'Your account is open.' };

async function publish(journeyId: string, doc: Canvas): Promise<void> {
  await api.http().put(`/v1/journeys/${journeyId}/publish`).send(doc).expect(201);
}

async function enroll(journeyId: string, customerId: string): Promise<string> {
  const res = await api.as('engineer').post(`/v1/journeys/${journeyId}/enrollments`).send({ customerId }).expect(201);
  return res.body.enrollmentId as string;
}

async function history(customerId: string) {
  return (await api.http().get(`/v1/customers/${customerId}/history`).expect(200)).body as {
    enrollments: { enrollmentId: string; status: string; steps: { kind: string; detail: Record<string, unknown> }[]; messages: Record<string, unknown>[] }[];
  };
}

const mailTo = (email: string) => fake.messages.filter((m) => m.to === email);

function postReport(fields: Record<string, string>, signature: string | null = signEmailReport(SIGNING_SECRET, fields.messageId, fields.event)) {
  const req = api.anonymous().post('/v1/providers/fakemail/status').send(fields);
  return signature === null ? req : req.set('X-Fakemail-Signature', signature);
}

describe('an email channel added by one folder and one registry line', () => {
  it('is validated at publish through the HTTP API: a bad param is refused with its JSON path', async () => {
    const res = await api
      .http()
      .put(`/v1/journeys/email-bad-${unique}/publish`)
      .send(emailJourney('bad email', { subject: '', body: 'x', cc: 'boss@example.com' }))
      .expect(422);
    expect(res.body.error.code).toBe('invalid_canvas');
    const issues = res.body.error.issues as { code: string; path: string }[];
    expect(issues.map((i) => i.path)).toEqual(expect.arrayContaining(['$.nodes[1].params.subject']));
    expect(issues.every((i) => i.code === 'invalid_action_params')).toBe(true);
    // The same canvas with good params publishes; without the registry line there is no such action.
    await publish(`email-good-${unique}`, emailJourney('good email', GOOD_PARAMS));
    const without = validateCanvas(emailJourney('good email', GOOD_PARAMS), { actions: actionSpecsOf(defaultChannelDescriptors()) });
    expect(without).toEqual([expect.objectContaining({ code: 'unknown_action', path: '$.nodes[1].action' })]);
  });

  it('appears in the OpenAPI document: its params schema, keyed by action, and its delivery-report route', async () => {
    const doc = (await api.anonymous().get('/docs/openapi.json').expect(200)).body;
    const email = registry.find((d) => d.action === 'email')!;
    expect(doc.components.schemas.Action_email.properties.params).toEqual(email.spec.paramsSchema);
    expect(doc.components.schemas.Action_email.properties.action).toEqual({ type: 'string', enum: ['email'] });
    expect(doc.components.schemas.ActionNode.discriminator.mapping).toMatchObject({ email: '#/components/schemas/Action_email', sms: '#/components/schemas/Action_sms' });
    const route = doc.paths['/v1/providers/{provider}/status'].post;
    expect(route.parameters.find((p: { name: string }) => p.name === 'provider').schema.enum).toEqual(['twilio', 'aliyun-sms', 'tencent-sms', 'fakemail']);
  });

  it('sends once through a journey, records its signed delivery reports and shows both in the history', async () => {
    const journeyId = `email-run-${unique}`;
    await publish(journeyId, emailJourney('welcome email', GOOD_PARAMS));
    const { id, email } = await customer();
    await enroll(journeyId, id);
    await eventually('the run to end', async () => (await history(id)).enrollments[0]?.status === 'completed');
    expect(mailTo(email)).toEqual([expect.objectContaining({ subject: 'Welcome, Mei', text: 'Your account is open.', statusCallback: `${PUBLIC_BASE_URL}/v1/providers/fakemail/status` })]);
    const messageId = mailTo(email)[0].id;
    expect((await history(id)).enrollments[0].messages).toEqual([
      expect.objectContaining({ nodeId: 'welcome', action: 'email', status: 'sent', provider: 'fakemail', providerMessageId: messageId, deliveryStatus: null }),
    ]);

    // Unsigned or wrongly signed reports change nothing.
    await postReport({ messageId, event: 'delivered' }, null).expect(403);
    await postReport({ messageId, event: 'delivered' }, signEmailReport('another secret', messageId, 'delivered')).expect(403);
    expect((await history(id)).enrollments[0].messages[0]).toMatchObject({ deliveryStatus: null });

    await postReport({ messageId, event: 'delivered' }).expect(204);
    // A late, lower report never overwrites a later status; an unknown message is accepted and ignored.
    await postReport({ messageId, event: 'accepted' }).expect(204);
    await postReport({ messageId: 'em_nobody', event: 'delivered' }).expect(204);
    await postReport({ event: 'delivered' }, 'x').expect(403);
    expect((await history(id)).enrollments[0].messages[0]).toMatchObject({ deliveryStatus: 'delivered' });
  });

  it('holds a marketing email in quiet hours, and sends a transactional one at once', async () => {
    const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);
    const quiet = { quietHours: { email: { start: hhmm(Date.now() - 3_600_000), end: hhmm(Date.now() + 7_200_000) } } };
    await publish(`email-quiet-${unique}`, emailJourney('quiet marketing', GOOD_PARAMS, { settings: quiet }));
    await publish(`email-quiet-tx-${unique}`, emailJourney('quiet transactional', GOOD_PARAMS, { settings: quiet }, 'transactional'));
    const held = await customer();
    const told = await customer();
    const heldRun = await enroll(`email-quiet-${unique}`, held.id);
    await enroll(`email-quiet-tx-${unique}`, told.id);

    await eventually('the transactional run to end', async () => (await history(told.id)).enrollments[0]?.status === 'completed');
    expect(mailTo(told.email)).toHaveLength(1);
    const wait = await eventually('the quiet-hours wait', async () =>
      (await history(held.id)).enrollments[0]?.steps.find((s) => s.kind === 'wait_started' && s.detail.reason === 'quiet_hours'),
    );
    expect(wait.detail).toMatchObject({ action: 'email', kind: 'quiet_hours' });
    expect(mailTo(held.email)).toHaveLength(0);
    expect((await history(held.id)).enrollments[0].messages).toEqual([]);
    await api.as('support').post(`/v1/enrollments/${encodeURIComponent(heldRun)}/exit`).send({ reason: 'test_done' }).expect(202);
  });
});

describe('the email channel behind the send ledger', () => {
  let fixtures: Awaited<ReturnType<typeof ledgerFixtures>>;
  let performAction: (req: ActionRequest) => ReturnType<ReturnType<typeof createActionActivities>['performAction']>;

  beforeAll(async () => {
    fixtures = await ledgerFixtures(api.rt.db, 'email-ledger');
    // The worker's own call: the registry's senders for the settings, with the operator's caps.
    const channels = buildChannels(registry, { db: api.rt.db, settings });
    ({ performAction } = createActionActivities(api.rt.db, channels, { policy: { caps: parseFrequencyCaps('email:1/P1D') } }));
  });

  let n = 0;
  async function emailRequest(traits: Record<string, unknown> = {}, category: 'marketing' | 'transactional' = 'marketing'): Promise<ActionRequest & { email: string }> {
    n++;
    const email = `ledger-${unique}-${n}@example.com`;
    const req = await fixtures.smsRequest({ email, ...traits });
    return { ...req, nodeId: 'email', action: 'email', category, params: { subject: 'Hi {{ customer.id }}', body: 'Statement ready' }, email };
  }

  /** The same customer's enrollment in another journey, at a node of the same action (caps count across journeys). */
  async function nextEnrollment(req: ActionRequest, category: 'marketing' | 'transactional' = req.category): Promise<ActionRequest> {
    const journeyId = `${req.journeyId}-j${++n}`;
    const versionId = `${journeyId}@1`;
    const enrollmentId = `${journeyId}:${req.customerId}`;
    const db = api.rt.db;
    await db.query(`INSERT INTO journeys (id, name) VALUES ($1, 'another journey')`, [journeyId]);
    await db.query(`INSERT INTO journey_versions (id, journey_id, version, canvas, plan, trigger_kind) VALUES ($1, $2, 1, '{}', '{}', 'api')`, [versionId, journeyId]);
    await db.query(`INSERT INTO enrollments (id, journey_id, version_id, customer_id, seq, status) VALUES ($1, $2, $3, $4, 1, 'active')`, [
      enrollmentId,
      journeyId,
      versionId,
      req.customerId,
    ]);
    return { ...req, journeyId, versionId, enrollmentId, category, at: Date.now() };
  }

  it('does not send twice when the activity is retried', async () => {
    const req = await emailRequest();
    const posts = fake.posts;
    expect(await performAction(req)).toMatchObject({ status: 'sent', provider: 'fakemail' });
    expect(await performAction(req)).toMatchObject({ status: 'sent', deduplicated: true });
    expect(fake.posts - posts).toBe(1);
    expect(mailTo(req.email)).toHaveLength(1);
  });

  it('retries a 503 to one message, and settles a lost answer by lookup without a second send', async () => {
    const refused = await emailRequest();
    fake.failNext('unavailable');
    await expect(performAction(refused)).rejects.toBeInstanceOf(TransientChannelError);
    expect(await ledgerOf(api.rt.db, refused)).toMatchObject({ status: 'pending' });
    expect(await performAction(refused)).toMatchObject({ status: 'sent' });
    expect(mailTo(refused.email)).toHaveLength(1);

    const slow = await emailRequest();
    fake.failNext('slow_accept', 2_500);
    await expect(performAction(slow)).rejects.toThrow();
    expect(await ledgerOf(api.rt.db, slow)).toMatchObject({ status: 'sending' });
    const posts = fake.posts;
    expect(await performAction(slow)).toMatchObject({ status: 'sent', deduplicated: true, providerMessageId: mailTo(slow.email)[0].id });
    expect(fake.posts).toBe(posts);
    expect(mailTo(slow.email)).toHaveLength(1);
  });

  it('obeys the frequency cap and consent for marketing email, not for transactional', async () => {
    const first = await emailRequest();
    expect(await performAction(first)).toMatchObject({ status: 'sent' });
    expect(await performAction(await nextEnrollment(first))).toMatchObject({ status: 'suppressed', error: { code: 'frequency_cap' } });
    expect(await performAction(await nextEnrollment(first, 'transactional'))).toMatchObject({ status: 'sent' });
    expect(mailTo(first.email)).toHaveLength(2);

    const optedOut = await emailRequest({ consent: { email: false } });
    expect(await performAction(optedOut)).toMatchObject({ status: 'suppressed', error: { code: 'no_consent' } });
    expect(await performAction(await nextEnrollment(optedOut, 'transactional'))).toMatchObject({ status: 'sent' });
    expect(mailTo(optedOut.email)).toHaveLength(1);
  });
});
