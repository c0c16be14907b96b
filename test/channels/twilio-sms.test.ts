/**
 * The Twilio SMS channel behind the send ledger: the real `twilio` SDK against the fake Twilio server,
 * the real database, and performAction deciding what is retried, recorded or never sent twice (a try
 * whose answer was lost is settled by the channel's lookup: found at Twilio, or sent exactly once).
 */
import net, { type AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import twilio from 'twilio';
import type { DataSource } from 'typeorm';
import { createActionActivities } from '../../activities/actions.js';
import { PermanentChannelError, TransientChannelError, type ActionChannel } from '../../core/channels/channel.js';
import { createTwilioSmsChannel, type TwilioSmsOptions } from '../../activities/channels/twilio-sms/index.js';
import { createDataSource } from '../../store/data-source.js';
import { startFakeTwilio, type FakeTwilio } from '../fakes/twilio-server.js';
import { testDatabaseUrl } from '../support/env.js';
import { ledgerFixtures, ledgerOf, traitsOf } from './ledger-fixtures.js';

const FROM = '+15005550006';
let db: DataSource;
let fake: FakeTwilio;
let fixtures: Awaited<ReturnType<typeof ledgerFixtures>>;

beforeAll(async () => {
  db = createDataSource(testDatabaseUrl(), { poolSize: 2 });
  await db.initialize();
  fake = await startFakeTwilio();
  fixtures = await ledgerFixtures(db, 'twilio-sms');
});
afterAll(async () => {
  await fake?.close();
  await db?.destroy();
});
beforeEach(() => fake.reset());

function twilioChannel(overrides: Partial<TwilioSmsOptions> = {}): ActionChannel {
  return createTwilioSmsChannel({
    db,
    accountSid: fake.accountSid,
    authToken: fake.authToken,
    from: FROM,
    baseUrl: fake.baseUrl,
    ...overrides,
  });
}
const activities = (channel = twilioChannel()) => createActionActivities(db, [channel]);
/** The send requests (POST) the fake received; lookups are GETs. */
const posts = () => fake.requests.filter((r) => r.method === 'POST');
/** An origin nothing listens on: a port that was free a moment ago. */
async function closedOrigin(): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

describe('Twilio SMS channel', () => {
  it('sends one message through the SDK with the right recipient, sender, body and credentials, and records its sid', async () => {
    const phone = fixtures.phone();
    const req = await fixtures.smsRequest({ phone });
    const outcome = await activities().performAction(req);

    expect(fake.requests).toHaveLength(1);
    const [sent] = fake.requests;
    expect(sent.method).toBe('POST');
    expect(sent.path).toBe(`/2010-04-01/Accounts/${fake.accountSid}/Messages.json`);
    expect(sent.form).toEqual({ To: phone, From: FROM, Body: `Hi ${req.customerId}, your statement is ready` });
    expect(sent.headers.authorization).toBe(`Basic ${Buffer.from(`${fake.accountSid}:${fake.authToken}`).toString('base64')}`);
    expect(sent.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);

    const sid = fake.messages[0].sid;
    expect(sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(outcome).toMatchObject({ status: 'sent', provider: 'twilio', providerMessageId: sid });
    expect(await ledgerOf(db, req)).toMatchObject({ status: 'sent', attempts: 1, provider: 'twilio', provider_message_id: sid });

    // A repeated try (Temporal retrying a completed activity) returns the recorded result and sends nothing.
    expect(await activities().performAction(req)).toMatchObject({ status: 'sent', providerMessageId: sid, deduplicated: true });
    expect(fake.requests).toHaveLength(1);
  });

  it('sends from a Messaging Service and asks for status callbacks when configured so', async () => {
    const phone = fixtures.phone();
    const channel = twilioChannel({
      from: undefined,
      messagingServiceSid: 'MG0123456789abcdef0123456789abcdef',
      statusCallbackUrl: 'https://journeys.example.com/v1/providers/twilio/status',
    });
    await activities(channel).performAction(await fixtures.smsRequest({ phone }));
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0].form).toMatchObject({
      To: phone,
      MessagingServiceSid: 'MG0123456789abcdef0123456789abcdef',
      StatusCallback: 'https://journeys.example.com/v1/providers/twilio/status',
    });
    expect(fake.requests[0].form.From).toBeUndefined();
  });

  it.each([
    ['HTTP 500', { kind: 'server_error' } as const, 'provider_unavailable'],
    ['HTTP 429', { kind: 'rate_limited' } as const, 'rate_limited'],
  ])('treats %s as transient: the ledger goes back to pending, and the retry sends exactly once', async (_, fault, code) => {
    const phone = fixtures.phone();
    const req = await fixtures.smsRequest({ phone });
    fake.failNext(fault);
    const error = await activities().performAction(req).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientChannelError);
    expect(error).toMatchObject({ code });
    expect(await ledgerOf(db, req)).toMatchObject({ status: 'pending', error_code: code });
    expect(fake.messages).toHaveLength(0);

    const retry = await activities().performAction(req);
    expect(retry).toMatchObject({ status: 'sent', provider: 'twilio' });
    expect(fake.requests).toHaveLength(2);
    expect(fake.messages).toHaveLength(1);
    expect(fake.messages[0].to).toBe(phone);
    expect(await ledgerOf(db, req)).toMatchObject({ status: 'sent', attempts: 2, error_code: null, provider_message_id: fake.messages[0].sid });
  });

  it('records an invalid number (21211) as failed `invalid_number` and never retries it', async () => {
    const phone = fixtures.phone();
    const req = await fixtures.smsRequest({ phone });
    fake.failRecipient(phone, { kind: 'invalid_number' });
    expect(await activities().performAction(req)).toMatchObject({ status: 'failed', error: { code: 'invalid_number' } });
    expect(await activities().performAction(req)).toMatchObject({ status: 'failed', deduplicated: true });
    expect(fake.requests).toHaveLength(1);
    expect(await ledgerOf(db, req)).toMatchObject({ status: 'failed', attempts: 1, error_code: 'invalid_number' });
  });

  it('records an unsubscribed recipient (21610) as `opted_out` and marks the customer opted out of SMS', async () => {
    const phone = fixtures.phone();
    const req = await fixtures.smsRequest({ phone, consent: { email: true } });
    fake.failRecipient(phone, { kind: 'unsubscribed' });
    expect(await activities().performAction(req)).toMatchObject({ status: 'failed', error: { code: 'opted_out' } });
    expect(await ledgerOf(db, req)).toMatchObject({ status: 'failed', error_code: 'opted_out' });
    const traits = await traitsOf(db, req.customerId);
    expect(traits.consent).toEqual({ email: true, sms: false });
    expect(typeof traits.sms_opted_out_at).toBe('string');
    expect(traits.phone).toBe(phone);

    // The next journey's marketing SMS to them is held back by the consent policy without asking Twilio.
    const next = { ...req, nodeId: 'sms-2' };
    expect(await activities().performAction(next)).toMatchObject({ status: 'suppressed', error: { code: 'no_consent' } });
    expect(fake.requests).toHaveLength(1);
  });

  it('records wrong credentials (401, 20003) as failed `bad_credentials` without retrying', async () => {
    const req = await fixtures.smsRequest({ phone: fixtures.phone() });
    const wrong = twilioChannel({ authToken: 'not-the-token' });
    expect(await activities(wrong).performAction(req)).toMatchObject({ status: 'failed', error: { code: 'bad_credentials' } });
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0].authorized).toBe(false);
    expect(fake.messages).toHaveLength(0);
    expect(await ledgerOf(db, req)).toMatchObject({ status: 'failed', error_code: 'bad_credentials' });
  });

  it('fails a customer without a phone, or with a non-E.164 one, before calling Twilio', async () => {
    const none = await fixtures.smsRequest({});
    const local = await fixtures.smsRequest({ phone: '138 0000 0000' });
    expect(await activities().performAction(none)).toMatchObject({ status: 'failed', error: { code: 'no_recipient' } });
    expect(await activities().performAction(local)).toMatchObject({ status: 'failed', error: { code: 'invalid_number' } });
    expect(fake.requests).toHaveLength(0);
  });

  it('on a timeout after Twilio accepted the message ("slow but sent"), the next try finds it by lookup and sends nothing', async () => {
    const phone = fixtures.phone();
    const req = await fixtures.smsRequest({ phone });
    // "Slow but sent": Twilio accepted the message but answered after our timeout.
    fake.failNext({ kind: 'slow_sent', ms: 2_000 });
    const hasty = twilioChannel({ timeoutMs: 200 });
    const error = await activities(hasty).performAction(req).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(TransientChannelError);
    expect(error).not.toBeInstanceOf(PermanentChannelError);
    expect(String((error as Error).message)).toMatch(/timeout/i);
    expect(await ledgerOf(db, req)).toMatchObject({ status: 'sending' });

    const retry = await activities(hasty).performAction(req);
    const [message] = fake.messages;
    expect(retry).toMatchObject({ status: 'sent', provider: 'twilio', providerMessageId: message.sid, deduplicated: true });
    expect(fake.messages).toHaveLength(1);
    expect(message).toMatchObject({ to: phone, from: FROM, body: `Hi ${req.customerId}, your statement is ready` });
    expect(posts()).toHaveLength(1);
    // The lookup: one list request filtered by recipient, sender and day.
    const [listed] = fake.requests.filter((r) => r.method === 'GET');
    expect(listed).toMatchObject({ path: `/2010-04-01/Accounts/${fake.accountSid}/Messages.json`, authorized: true });
    expect(listed.query).toMatchObject({ To: phone, From: FROM, PageSize: '100' });
    expect(listed.query['DateSent>']).toMatch(/^\d{4}-\d{2}-\d{2}T00:00:00Z$/);
    expect(await ledgerOf(db, req)).toMatchObject({ status: 'sent', attempts: 1, error_code: null, provider: 'twilio', provider_message_id: message.sid });

    // Settled: a further try returns the record without asking Twilio anything.
    const requestsBefore = fake.requests.length;
    expect(await activities(hasty).performAction(req)).toMatchObject({ status: 'sent', providerMessageId: message.sid, deduplicated: true });
    expect(fake.requests).toHaveLength(requestsBefore);
  });

  it('finds a slow-but-sent message sent from a Messaging Service (matched on the service, listed by recipient only)', async () => {
    const phone = fixtures.phone();
    const req = await fixtures.smsRequest({ phone });
    const service = twilioChannel({ from: undefined, messagingServiceSid: 'MG0123456789abcdef0123456789abcdef', timeoutMs: 200 });
    fake.failNext({ kind: 'slow_sent', ms: 2_000 });
    await expect(activities(service).performAction(req)).rejects.toThrow(/timeout/i);

    expect(await activities(service).performAction(req)).toMatchObject({ status: 'sent', providerMessageId: fake.messages[0].sid, deduplicated: true });
    expect(fake.messages).toHaveLength(1);
    expect(posts()).toHaveLength(1);
    expect(await ledgerOf(db, req)).toMatchObject({ status: 'sent', provider_message_id: fake.messages[0].sid });
  });

  it('on a timeout before Twilio accepted anything, the next try finds nothing and sends exactly once', async () => {
    const phone = fixtures.phone();
    const req = await fixtures.smsRequest({ phone });
    // Twilio holds the request and then refuses it: nothing was sent, but the client gave up first.
    fake.failNext({ kind: 'delay', ms: 2_000 });
    const hasty = twilioChannel({ timeoutMs: 200 });
    await expect(activities(hasty).performAction(req)).rejects.toThrow(/timeout/i);
    expect(await ledgerOf(db, req)).toMatchObject({ status: 'sending' });
    expect(fake.messages).toHaveLength(0);

    const retry = await activities(hasty).performAction(req);
    expect(fake.messages).toHaveLength(1);
    expect(fake.messages[0].to).toBe(phone);
    expect(retry).toMatchObject({ status: 'sent', provider: 'twilio', providerMessageId: fake.messages[0].sid });
    expect(retry.deduplicated).toBeFalsy();
    expect(posts()).toHaveLength(2);
    expect(await ledgerOf(db, req)).toMatchObject({ status: 'sent', attempts: 1, provider_message_id: fake.messages[0].sid });
  });

  it('after a try that never reached Twilio (connection refused), the next try finds nothing and sends exactly once', async () => {
    const phone = fixtures.phone();
    const req = await fixtures.smsRequest({ phone });
    const unreachable = twilioChannel({ baseUrl: await closedOrigin() });
    const error = await activities(unreachable).performAction(req).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(TransientChannelError);
    expect(await ledgerOf(db, req)).toMatchObject({ status: 'sending' });
    expect(fake.requests).toHaveLength(0);

    const retry = await activities().performAction(req);
    expect(retry).toMatchObject({ status: 'sent', provider: 'twilio', providerMessageId: fake.messages[0].sid });
    expect(fake.messages).toHaveLength(1);
    expect(fake.messages[0].to).toBe(phone);
    expect(posts()).toHaveLength(1);
    expect(await ledgerOf(db, req)).toMatchObject({ status: 'sent', provider_message_id: fake.messages[0].sid });
  });

  it('does not take an identical message already recorded for another touch for the lost one', async () => {
    const phone = fixtures.phone();
    const body = 'Your statement is ready';
    // Another journey's touch sent the same text to the same number a moment ago, and recorded it.
    const other = await fixtures.smsRequest({ phone }, body);
    expect(await activities().performAction(other)).toMatchObject({ status: 'sent' });
    const otherSid = fake.messages[0].sid;

    const req = await fixtures.smsRequest({ phone }, body);
    const unreachable = twilioChannel({ baseUrl: await closedOrigin() });
    await expect(activities(unreachable).performAction(req)).rejects.toThrow();
    const retry = await activities().performAction(req);
    expect(fake.messages).toHaveLength(2);
    expect(fake.messages.map((m) => [m.to, m.body])).toEqual([
      [phone, body],
      [phone, body],
    ]);
    expect(retry).toMatchObject({ status: 'sent', providerMessageId: fake.messages[1].sid });
    expect(retry.providerMessageId).not.toBe(otherSid);
    expect(await ledgerOf(db, other)).toMatchObject({ provider_message_id: otherSid });
  });

  it('lists sent messages the way the SDK reads them (fake check: filters, RFC 2822 dates, newest first)', async () => {
    const phone = fixtures.phone();
    await activities().performAction(await fixtures.smsRequest({ phone }, 'first'));
    await activities().performAction(await fixtures.smsRequest({ phone }, 'second'));
    await activities().performAction(await fixtures.smsRequest({ phone: fixtures.phone() }, 'elsewhere'));
    const client = twilio(fake.accountSid, fake.authToken, { autoRetry: false });
    client.api.baseUrl = fake.baseUrl;
    const today = new Date();
    today.setUTCHours(0, 0, 0, 0);
    const listed = await client.messages.list({ to: phone, from: FROM, dateSentAfter: today, limit: 20 });
    expect(listed.map((m) => m.body)).toEqual(['second', 'first']);
    expect(listed[0].sid).toBe(fake.messages[1].sid);
    expect(listed[0].dateCreated).toBeInstanceOf(Date);
    expect(Math.abs(listed[0].dateCreated.getTime() - Date.now())).toBeLessThan(10_000);
    const tomorrow = new Date(today.getTime() + 86_400_000);
    expect(await client.messages.list({ to: phone, dateSentAfter: tomorrow, limit: 20 })).toEqual([]);
    expect(await client.messages.list({ to: phone, from: '+15005550001', limit: 20 })).toEqual([]);
    const wrong = twilio(fake.accountSid, 'not-the-token', { autoRetry: false });
    wrong.api.baseUrl = fake.baseUrl;
    expect(await wrong.messages.list({ to: phone }).catch((e: unknown) => e)).toMatchObject({ status: 401, code: 20003 });
  });

  it('needs a sender', () => {
    expect(() => twilioChannel({ from: undefined })).toThrow(/from.*messagingServiceSid/);
  });
});
