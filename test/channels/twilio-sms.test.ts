/**
 * The Twilio SMS channel behind the send ledger: the real `twilio` SDK against the fake Twilio server,
 * the real database, and performAction deciding what is retried, recorded or never sent twice.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { DataSource } from 'typeorm';
import { createActionActivities } from '../../activities/actions.js';
import { PermanentChannelError, TransientChannelError, type ActionChannel } from '../../activities/channels/channel.js';
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

  it('on a timeout, propagates the error and records the next try as `unknown` without a second request (at most once)', async () => {
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
    expect(retry).toMatchObject({ status: 'unknown', error: { code: 'outcome_unknown' }, deduplicated: true });
    expect(fake.requests).toHaveLength(1);
    expect(fake.messages.map((m) => m.to)).toEqual([phone]);
    expect(await ledgerOf(db, req)).toMatchObject({ status: 'unknown', attempts: 1, error_code: 'outcome_unknown' });
  });

  it('records `unknown` after a timeout even when Twilio sent nothing: the price of never sending twice', async () => {
    const req = await fixtures.smsRequest({ phone: fixtures.phone() });
    fake.failNext({ kind: 'delay', ms: 2_000 });
    const hasty = twilioChannel({ timeoutMs: 200 });
    await expect(activities(hasty).performAction(req)).rejects.toThrow(/timeout/i);
    expect(await activities(hasty).performAction(req)).toMatchObject({ status: 'unknown' });
    expect(fake.requests).toHaveLength(1);
    expect(fake.messages).toHaveLength(0);
  });

  it('needs a sender', () => {
    expect(() => twilioChannel({ from: undefined })).toThrow(/from.*messagingServiceSid/);
  });
});
