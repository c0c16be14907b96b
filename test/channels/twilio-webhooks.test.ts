/**
 * Twilio's webhooks through the real Nest app: signed status callbacks update the ledger's delivery
 * status, signed STOP/START replies change SMS consent, and unsigned or wrongly signed posts change nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { AddressInfo } from 'node:net';
import twilio from 'twilio';
import { createActionActivities } from '../../activities/actions.js';
import { createTwilioSmsChannel } from '../../activities/channels/twilio-sms/index.js';
import { createApp } from '../../api/app.factory.js';
import type { ActionRequest } from '../../engine/runtime.js';
import { postTwilioCallback, startFakeTwilio, type FakeTwilio } from '../fakes/twilio-server.js';
import { FAST_DEFAULTS, startRuntime, type RuntimeHarness } from '../support/runtime-harness.js';
import { ledgerFixtures, ledgerOf, traitsOf } from './ledger-fixtures.js';

const PUBLIC_BASE_URL = 'https://journeys.example.com';
let rt: RuntimeHarness;
let app: NestExpressApplication;
let fake: FakeTwilio;
let fixtures: Awaited<ReturnType<typeof ledgerFixtures>>;
let localBaseUrl: string;

beforeAll(async () => {
  rt = await startRuntime('twilio-webhooks', { worker: false });
  fake = await startFakeTwilio();
  app = await createApp({
    db: rt.db,
    temporal: rt.client,
    taskQueue: rt.taskQueue,
    defaults: FAST_DEFAULTS,
    messaging: { twilioAuthToken: fake.authToken, publicBaseUrl: PUBLIC_BASE_URL },
  });
  await app.listen(0, '127.0.0.1');
  localBaseUrl = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  fixtures = await ledgerFixtures(rt.db, 'twilio-hooks');
});
afterAll(async () => {
  await app?.close();
  await fake?.close();
  await rt?.stop();
});

/** Twilio posts to our public URL (a proxy forwards it here): sign for that one, post to this one. */
function post(path: string, params: Record<string, string>, opts: { signature?: string | null; signedUrl?: string } = {}) {
  return postTwilioCallback(`${localBaseUrl}${path}`, fake.authToken, params, { signedUrl: `${PUBLIC_BASE_URL}${path}`, ...opts });
}

/** Sends an SMS through the Twilio channel and the ledger; returns the request and Twilio's sid. */
async function sentSms(traits: Record<string, unknown> = {}): Promise<{ req: ActionRequest; sid: string; phone: string }> {
  const phone = fixtures.phone();
  const channel = createTwilioSmsChannel({ db: rt.db, accountSid: fake.accountSid, authToken: fake.authToken, from: '+15005550006', baseUrl: fake.baseUrl });
  const req = await fixtures.smsRequest({ phone, ...traits });
  const outcome = await createActionActivities(rt.db, [channel]).performAction(req);
  expect(outcome).toMatchObject({ status: 'sent' });
  return { req, sid: outcome.providerMessageId!, phone };
}

const statusParams = (sid: string, phone: string, status: string, extra: Record<string, string> = {}) => ({
  AccountSid: fake.accountSid,
  MessageSid: sid,
  SmsSid: sid,
  MessageStatus: status,
  SmsStatus: status,
  To: phone,
  From: '+15005550006',
  ApiVersion: '2010-04-01',
  ...extra,
});

describe('POST /v1/providers/twilio/status', () => {
  it('records a signed delivery report on the ledger row of that message, and ignores a late earlier status', async () => {
    const { req, sid, phone } = await sentSms();
    const delivered = await post('/v1/providers/twilio/status', statusParams(sid, phone, 'delivered'));
    expect(delivered.status).toBe(204);
    expect(delivered.body).toBe('');
    const row = await ledgerOf(rt.db, req);
    expect(row).toMatchObject({ status: 'sent', delivery_status: 'delivered', delivery_error_code: null });
    expect(row.delivery_updated_at).toBeInstanceOf(Date);

    // Twilio does not promise order: a `sent` arriving after `delivered` must not undo it.
    expect((await post('/v1/providers/twilio/status', statusParams(sid, phone, 'sent'))).status).toBe(204);
    expect(await ledgerOf(rt.db, req)).toMatchObject({ delivery_status: 'delivered' });
  });

  it('stores the error code of an undelivered message, and opts the customer out on 21610', async () => {
    const { req, sid, phone } = await sentSms({ consent: { sms: true } });
    const res = await post('/v1/providers/twilio/status', statusParams(sid, phone, 'undelivered', { ErrorCode: '21610' }));
    expect(res.status).toBe(204);
    expect(await ledgerOf(rt.db, req)).toMatchObject({ delivery_status: 'undelivered', delivery_error_code: '21610' });
    expect((await traitsOf(rt.db, req.customerId)).consent).toEqual({ sms: false });
  });

  it('answers 204 to a report about a message it does not know, changing nothing', async () => {
    const res = await post('/v1/providers/twilio/status', statusParams('SM00000000000000000000000000000000', '+8613900000000', 'delivered'));
    expect(res.status).toBe(204);
    const rows: unknown[] = await rt.db.query(`SELECT 1 FROM messages WHERE provider_message_id = 'SM00000000000000000000000000000000'`);
    expect(rows).toHaveLength(0);
  });

  type Forgery = (path: string, params: Record<string, string>) => { signature?: string | null; signedUrl?: string };
  it.each<[string, Forgery]>([
    ['no signature', () => ({ signature: null })],
    ['a signature made with another auth token', (path, params) => ({ signature: twilio.getExpectedTwilioSignature('another-token', `${PUBLIC_BASE_URL}${path}`, params) })],
    ['a signature over our internal URL instead of the public one', (path) => ({ signedUrl: `${localBaseUrl}${path}` })],
  ])('refuses a report with %s (403) and changes nothing', async (_, forge) => {
    const { req, sid, phone } = await sentSms();
    const path = '/v1/providers/twilio/status';
    const params = statusParams(sid, phone, 'failed', { ErrorCode: '21610' });
    const res = await post(path, params, forge(path, params));
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'invalid_signature' } });
    expect(await ledgerOf(rt.db, req)).toMatchObject({ delivery_status: null, delivery_error_code: null });
    expect((await traitsOf(rt.db, req.customerId)).consent).toBeUndefined();
  });

  it('refuses a signed report whose fields were changed in transit', async () => {
    const { req, sid, phone } = await sentSms();
    const signed = statusParams(sid, phone, 'delivered');
    const signature = twilio.getExpectedTwilioSignature(fake.authToken, `${PUBLIC_BASE_URL}/v1/providers/twilio/status`, signed);
    const res = await post('/v1/providers/twilio/status', { ...signed, MessageStatus: 'failed' }, { signature });
    expect(res.status).toBe(403);
    expect(await ledgerOf(rt.db, req)).toMatchObject({ delivery_status: null });
  });
});

describe('POST /v1/providers/twilio/inbound', () => {
  const inbound = (from: string, body: string) => ({
    AccountSid: fake.accountSid,
    MessageSid: 'SM' + 'ab'.repeat(16),
    From: from,
    To: '+15005550006',
    Body: body,
    NumMedia: '0',
  });

  it('opts the customer with that phone out on " stop " and back in on START, answering empty TwiML', async () => {
    const phone = fixtures.phone();
    const req = await fixtures.smsRequest({ phone, consent: { sms: true, email: true } });

    const stop = await post('/v1/providers/twilio/inbound', inbound(phone, ' stop '));
    expect(stop.status).toBe(200);
    expect(stop.headers['content-type']).toMatch(/^text\/xml/);
    expect(stop.body).toMatch(/<Response\/>$/);
    let traits = await traitsOf(rt.db, req.customerId);
    expect(traits.consent).toEqual({ sms: false, email: true });
    expect(typeof traits.sms_opted_out_at).toBe('string');

    const start = await post('/v1/providers/twilio/inbound', inbound(phone, 'Start'));
    expect(start.status).toBe(200);
    traits = await traitsOf(rt.db, req.customerId);
    expect(traits.consent).toEqual({ sms: true, email: true });
    expect(traits.sms_opted_out_at).toBeUndefined();
  });

  it.each(['UNSUBSCRIBE', 'cancel', 'End', 'QUIT'])('treats %s as an opt-out', async (keyword) => {
    const phone = fixtures.phone();
    const req = await fixtures.smsRequest({ phone });
    expect((await post('/v1/providers/twilio/inbound', inbound(phone, keyword))).status).toBe(200);
    expect((await traitsOf(rt.db, req.customerId)).consent).toEqual({ sms: false });
  });

  it('leaves consent alone for an ordinary reply, and for an unsigned STOP', async () => {
    const phone = fixtures.phone();
    const req = await fixtures.smsRequest({ phone });
    expect((await post('/v1/providers/twilio/inbound', inbound(phone, 'please stop calling me at work'))).status).toBe(200);
    const unsigned = await post('/v1/providers/twilio/inbound', inbound(phone, 'STOP'), { signature: null });
    expect(unsigned.status).toBe(403);
    expect(JSON.parse(unsigned.body)).toMatchObject({ error: { code: 'invalid_signature' } });
    expect((await traitsOf(rt.db, req.customerId)).consent).toBeUndefined();
  });
});
