/**
 * The Aliyun SMS channel behind the send ledger: the official SDK (@alicloud/dysmsapi20170525) pointed at
 * the fake Aliyun server (which verifies every ACS3-HMAC-SHA256 signature), the real database and
 * performAction: the registered template and signature sent with per-customer parameters and our ledger
 * key as OutId, Aliyun's refusals classified, and a lost answer settled by QuerySendDetails.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { DataSource } from 'typeorm';
import { createActionActivities, idempotencyKeyOf } from '../../activities/actions.js';
import { createAliyunSmsChannel, type AliyunSmsOptions } from '../../activities/channels/aliyun-sms/index.js';
import { PermanentChannelError, TransientChannelError, type ActionChannel } from '../../core/channels/channel.js';
import type { ActionRequest } from '../../engine/runtime.js';
import { createDataSource } from '../../store/data-source.js';
import { ProviderTemplatesRepository } from '../../store/provider-templates.repository.js';
import { startFakeAliyunSms, type FakeAliyunSms } from '../fakes/aliyun-sms-server.js';
import { verifyAcs3 } from '../fakes/provider-signatures.js';
import { testDatabaseUrl } from '../support/env.js';
import { ledgerFixtures, ledgerOf } from './ledger-fixtures.js';

let db: DataSource;
let fake: FakeAliyunSms;
let fixtures: Awaited<ReturnType<typeof ledgerFixtures>>;
const TEMPLATE = `SMS_${Date.now()}`;

beforeAll(async () => {
  db = createDataSource(testDatabaseUrl(), { poolSize: 2 });
  await db.initialize();
  fake = await startFakeAliyunSms();
  fixtures = await ledgerFixtures(db, 'aliyun-sms');
  await new ProviderTemplatesRepository(db).put({
    channel: 'aliyun-sms',
    templateId: TEMPLATE,
    text: '${name}您好，您的账户${account}已开通',
    params: ['name', 'account'],
    signature: '极速证券',
    category: 'service',
  });
});
afterAll(async () => {
  await fake?.close();
  await db?.destroy();
});
beforeEach(() => fake.reset());

function aliyunChannel(overrides: Partial<AliyunSmsOptions> = {}): ActionChannel {
  return createAliyunSmsChannel({ db, accessKeyId: fake.accessKeyId, accessKeySecret: fake.accessKeySecret, baseUrl: fake.baseUrl, ...overrides });
}
const activities = (channel = aliyunChannel()) => createActionActivities(db, [channel]);
const sends = () => fake.requests.filter((r) => r.action === 'SendSms');

/** A fresh customer with `phone` and an aliyun-sms request for them naming the template. */
async function request(phone: string, params: Record<string, string> = { name: '{{ traits.first_name }}', account: '{{ entry.account }}' }): Promise<ActionRequest> {
  const base = await fixtures.smsRequest({ phone, first_name: '李雷' });
  return { ...base, action: 'aliyun-sms', params: { template: TEMPLATE, params }, entry: { account: '8801' } };
}
const mainland = (phone: string) => phone.slice(3);

describe('Aliyun SMS channel', () => {
  it('sends the registered template and signature with parameters rendered per customer and our ledger key as OutId, signed ACS3-HMAC-SHA256', async () => {
    const phone = fixtures.phone();
    const req = await request(phone);
    const outcome = await activities().performAction(req);

    expect(fake.requests).toEqual([expect.objectContaining({ action: 'SendSms', signatureProblem: null })]);
    expect(fake.messages).toEqual([
      expect.objectContaining({ phoneNumbers: mainland(phone), signName: '极速证券', templateCode: TEMPLATE, templateParam: { name: '李雷', account: '8801' }, outId: idempotencyKeyOf(req) }),
    ]);
    expect(outcome).toMatchObject({ status: 'sent', provider: 'aliyun', providerMessageId: idempotencyKeyOf(req) });
    expect(await ledgerOf(db, req)).toMatchObject({ status: 'sent', attempts: 1, provider: 'aliyun', provider_message_id: idempotencyKeyOf(req) });

    // A repeated try returns the record and sends nothing.
    expect(await activities().performAction(req)).toMatchObject({ status: 'sent', deduplicated: true });
    expect(sends()).toHaveLength(1);
  });

  it('is refused by the fake when signed with another secret: a wrongly signed request sends nothing (bad_credentials)', async () => {
    const req = await request(fixtures.phone());
    const outcome = await activities(aliyunChannel({ accessKeySecret: 'not-the-secret' })).performAction(req);
    expect(fake.requests).toEqual([expect.objectContaining({ signatureProblem: 'SignatureDoesNotMatch' })]);
    expect(fake.messages).toHaveLength(0);
    expect(outcome).toMatchObject({ status: 'failed', error: { code: 'bad_credentials' } });
    expect(outcome.error?.message).toMatch(/ALIYUN_ACCESS_KEY_SECRET/);
  });

  it('verifies what was signed: a query changed after signing, or a body that is not the signed hash, is refused', async () => {
    // Capture a genuine signed request with a recording server in front of the SDK, then tamper with it.
    const captured: { url: string; headers: Record<string, string | string[] | undefined>; body: Buffer }[] = [];
    const http = await import('node:http');
    const recorder = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        captured.push({ url: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks) });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"Code":"OK","Message":"OK","BizId":"1"}');
      });
    });
    await new Promise<void>((resolve) => recorder.listen(0, '127.0.0.1', resolve));
    try {
      const port = (recorder.address() as { port: number }).port;
      await activities(aliyunChannel({ baseUrl: `http://127.0.0.1:${port}` })).performAction(await request(fixtures.phone()));
      const [signed] = captured;
      const secrets = { [fake.accessKeyId]: fake.accessKeySecret };
      const received = { method: 'POST', url: signed.url, headers: signed.headers, body: signed.body };
      expect(verifyAcs3(received, secrets)).toBeNull();
      expect(verifyAcs3({ ...received, url: signed.url.replace(/TemplateCode=[^&]+/, 'TemplateCode=SMS_999') }, secrets)).toBe('SignatureDoesNotMatch');
      expect(verifyAcs3({ ...received, body: Buffer.from('x') }, secrets)).toMatch(/^SignatureDoesNotMatch/);
      expect(verifyAcs3({ ...received, headers: { ...signed.headers, 'x-acs-date': '2020-01-01T00:00:00Z' } }, secrets)).toBe('SignatureDoesNotMatch');
      expect(verifyAcs3(received, { [fake.accessKeyId]: 'another' })).toBe('SignatureDoesNotMatch');
    } finally {
      recorder.closeAllConnections();
      await new Promise((resolve) => recorder.close(resolve));
    }
  });

  it.each([
    ['isv.BUSINESS_LIMIT_CONTROL (flow control)', { kind: 'code', code: 'isv.BUSINESS_LIMIT_CONTROL' } as const, 'rate_limited'],
    ['Throttling.User (HTTP 400)', { kind: 'http', status: 400, code: 'Throttling.User' } as const, 'rate_limited'],
    ['ServiceUnavailable (HTTP 503)', { kind: 'http', status: 503, code: 'ServiceUnavailable' } as const, 'provider_unavailable'],
  ])('treats %s as transient: pending, then the retry sends exactly once', async (_, fault, code) => {
    const req = await request(fixtures.phone());
    fake.failNext(fault);
    const error = await activities().performAction(req).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientChannelError);
    expect(error).toMatchObject({ code });
    expect(await ledgerOf(db, req)).toMatchObject({ status: 'pending', error_code: code });
    expect(await activities().performAction(req)).toMatchObject({ status: 'sent', provider: 'aliyun' });
    expect(fake.messages).toHaveLength(1);
    expect(sends()).toHaveLength(2);
  });

  it.each([
    ['isv.MOBILE_NUMBER_ILLEGAL', 'invalid_number', /not a valid mainland China mobile number/],
    ['isv.SMS_TEMPLATE_ILLEGAL', 'template_refused', /template is not approved/],
    ['isv.SMS_SIGNATURE_ILLEGAL', 'signature_refused', /signature is not approved/],
    ['isv.BLACK_KEY_CONTROL_LIMIT', 'blacklisted', /blacklisted keyword/],
    ['isv.MOBILE_IN_BLACK', 'blacklisted', /blacklist/],
    ['isv.SOMETHING_NEW', 'aliyun_isv.SOMETHING_NEW', /Aliyun answered isv.SOMETHING_NEW/],
  ])('records %s as failed %s with the provider code and a plain explanation, never retried', async (aliyunCode, code, explanation) => {
    const req = await request(fixtures.phone());
    fake.failNext({ kind: 'code', code: aliyunCode, message: 'refused' });
    const outcome = await activities().performAction(req);
    expect(outcome).toMatchObject({ status: 'failed', error: { code } });
    expect(outcome.error?.message).toMatch(explanation);
    expect(outcome.error?.message).toContain(aliyunCode);
    expect(await ledgerOf(db, req)).toMatchObject({ status: 'failed', error_code: code });
    expect(await activities().performAction(req)).toMatchObject({ status: 'failed', deduplicated: true });
    expect(sends()).toHaveLength(1);
  });

  it('refuses before calling Aliyun: no phone, a number outside mainland China, a template re-registered with other parameters', async () => {
    const noPhone = { ...(await fixtures.smsRequest({ first_name: 'Mei' })), action: 'aliyun-sms', params: { template: TEMPLATE, params: { name: 'a', account: 'b' } } };
    expect(await activities().performAction(noPhone)).toMatchObject({ status: 'failed', error: { code: 'no_recipient' } });
    const foreign = await request('+14155550100');
    expect(await activities().performAction(foreign)).toMatchObject({ status: 'failed', error: { code: 'invalid_number' } });
    const changed = await request(fixtures.phone(), { name: 'x' });
    expect(await activities().performAction(changed)).toMatchObject({ status: 'failed', error: { code: 'template_changed' } });
    expect(sends()).toHaveLength(0);
  });

  it('on a timeout after Aliyun accepted the message, the next try finds it by QuerySendDetails (matched on OutId) and sends nothing', async () => {
    const phone = fixtures.phone();
    // Another journey's message to the same number the same day: not ours.
    await activities().performAction(await request(phone));
    const req = await request(phone);
    fake.failNext({ kind: 'slow_sent', ms: 2_000 });
    const hasty = aliyunChannel({ timeoutMs: 300 });
    const error = await activities(hasty).performAction(req).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(TransientChannelError);
    expect(error).not.toBeInstanceOf(PermanentChannelError);
    expect(await ledgerOf(db, req)).toMatchObject({ status: 'sending' });

    const retry = await activities(hasty).performAction(req);
    expect(retry).toMatchObject({ status: 'sent', provider: 'aliyun', providerMessageId: idempotencyKeyOf(req), deduplicated: true });
    expect(sends()).toHaveLength(2);
    expect(fake.messages.filter((m) => m.outId === idempotencyKeyOf(req))).toHaveLength(1);
    const [query] = fake.requests.filter((r) => r.action === 'QuerySendDetails');
    expect(query).toMatchObject({ signatureProblem: null, query: expect.objectContaining({ PhoneNumber: mainland(phone), PageSize: '50', CurrentPage: '1' }) });
    expect(query.query.SendDate).toMatch(/^\d{8}$/);
  });

  it('on a timeout before Aliyun accepted anything, the next try finds nothing and sends exactly once', async () => {
    const req = await request(fixtures.phone());
    fake.failNext({ kind: 'delay', ms: 1_500 });
    const hasty = aliyunChannel({ timeoutMs: 300 });
    await activities(hasty).performAction(req).catch(() => undefined);
    expect(await ledgerOf(db, req)).toMatchObject({ status: 'sending' });
    expect(await activities(hasty).performAction(req)).toMatchObject({ status: 'sent', provider: 'aliyun' });
    expect(fake.messages).toHaveLength(1);
    expect(fake.requests.map((r) => r.action)).toEqual(['SendSms', 'QuerySendDetails', 'SendSms']);
  });
});
