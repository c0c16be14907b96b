/**
 * The Tencent Cloud SMS channel behind the send ledger: the official SDK (tencentcloud-sdk-nodejs-sms,
 * API 2021-01-11) pointed at the fake Tencent Cloud (which verifies every TC3-HMAC-SHA256 signature),
 * the real database and performAction: TemplateId, TemplateParamSet in the template's order, SignName,
 * SmsSdkAppId and our ledger key as SessionContext; refusals classified; a lost answer settled by
 * PullSmsSendStatusByPhoneNumber on SessionContext; status callbacks parsed.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { DataSource } from 'typeorm';
import { createActionActivities, idempotencyKeyOf } from '../../activities/actions.js';
import { parseTencentReports } from '../../activities/channels/tencent-sms/delivery-report.js';
import { createTencentSmsChannel, type TencentSmsOptions } from '../../activities/channels/tencent-sms/index.js';
import { PermanentChannelError, TransientChannelError, type ActionChannel } from '../../core/channels/channel.js';
import type { ActionRequest } from '../../engine/runtime.js';
import { createDataSource } from '../../store/data-source.js';
import { ProviderTemplatesRepository } from '../../store/provider-templates.repository.js';
import { startFakeTencentSms, tencentReport, type FakeTencentSms } from '../fakes/tencent-sms-server.js';
import { testDatabaseUrl } from '../support/env.js';
import { ledgerFixtures, ledgerOf } from './ledger-fixtures.js';

const APP_ID = '1400006666';
const TEMPLATE = String(Date.now() % 10_000_000);
let db: DataSource;
let fake: FakeTencentSms;
let fixtures: Awaited<ReturnType<typeof ledgerFixtures>>;

beforeAll(async () => {
  db = createDataSource(testDatabaseUrl(), { poolSize: 2 });
  await db.initialize();
  fake = await startFakeTencentSms();
  fixtures = await ledgerFixtures(db, 'tencent-sms');
  await new ProviderTemplatesRepository(db).put({
    channel: 'tencent-sms',
    templateId: TEMPLATE,
    text: '尊敬的{1}，您的开户申请已通过，请于{2}前完成首次入金',
    params: ['1', '2'],
    signature: '极速证券',
    category: 'service',
  });
});
afterAll(async () => {
  await fake?.close();
  await db?.destroy();
});
beforeEach(() => fake.reset());

function tencentChannel(overrides: Partial<TencentSmsOptions> = {}): ActionChannel {
  return createTencentSmsChannel({ db, secretId: fake.secretId, secretKey: fake.secretKey, smsSdkAppId: APP_ID, baseUrl: fake.baseUrl, agent: fake.agent, ...overrides });
}
const activities = (channel = tencentChannel()) => createActionActivities(db, [channel]);
const sends = () => fake.requests.filter((r) => r.action === 'SendSms');

async function request(phone: string, params: Record<string, string> = { '2': '{{ entry.deadline }}', '1': '{{ traits.first_name }}' }): Promise<ActionRequest> {
  const base = await fixtures.smsRequest({ phone, first_name: '李雷' });
  return { ...base, action: 'tencent-sms', params: { template: TEMPLATE, params }, entry: { deadline: '12月31日' } };
}

describe('Tencent Cloud SMS channel', () => {
  it('sends TemplateId, TemplateParamSet in the template order, SignName, SmsSdkAppId and SessionContext = ledger key, signed TC3-HMAC-SHA256', async () => {
    const phone = fixtures.phone();
    const req = await request(phone);
    const outcome = await activities().performAction(req);
    expect(fake.requests).toEqual([expect.objectContaining({ action: 'SendSms', signatureProblem: null })]);
    expect(fake.messages).toEqual([
      expect.objectContaining({ phoneNumber: phone, sdkAppId: APP_ID, signName: '极速证券', templateId: TEMPLATE, params: ['李雷', '12月31日'], sessionContext: idempotencyKeyOf(req) }),
    ]);
    const serialNo = fake.messages[0].serialNo;
    expect(outcome).toMatchObject({ status: 'sent', provider: 'tencent', providerMessageId: serialNo });
    expect(await ledgerOf(db, req)).toMatchObject({ status: 'sent', attempts: 1, provider_message_id: serialNo });
    expect(await activities().performAction(req)).toMatchObject({ status: 'sent', deduplicated: true });
    expect(sends()).toHaveLength(1);
  });

  it('is refused by the fake when signed with another key: nothing is sent (bad_credentials)', async () => {
    const outcome = await activities(tencentChannel({ secretKey: 'not-the-key' })).performAction(await request(fixtures.phone()));
    expect(fake.requests).toEqual([expect.objectContaining({ signatureProblem: 'AuthFailure.SignatureFailure' })]);
    expect(fake.messages).toHaveLength(0);
    expect(outcome).toMatchObject({ status: 'failed', error: { code: 'bad_credentials' } });
    expect(outcome.error?.message).toMatch(/TENCENTCLOUD_SECRET_KEY/);
  });

  it.each([
    ['a 30-second frequency limit on the number', { kind: 'status', code: 'LimitExceeded.PhoneNumberThirtySecondLimit' } as const, 'rate_limited'],
    ['API throttling', { kind: 'error', code: 'RequestLimitExceeded' } as const, 'rate_limited'],
    ['an internal error', { kind: 'error', code: 'InternalError.Timeout' } as const, 'provider_unavailable'],
  ])('treats %s as transient: pending, then the retry sends exactly once', async (_, fault, code) => {
    const req = await request(fixtures.phone());
    fake.failNext(fault);
    const error = await activities().performAction(req).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientChannelError);
    expect(error).toMatchObject({ code });
    expect(await ledgerOf(db, req)).toMatchObject({ status: 'pending', error_code: code });
    expect(await activities().performAction(req)).toMatchObject({ status: 'sent', provider: 'tencent' });
    expect(fake.messages).toHaveLength(1);
  });

  it.each([
    ['InvalidParameterValue.IncorrectPhoneNumber', 'invalid_number', /not a valid mobile number/],
    ['FailedOperation.TemplateIncorrectOrUnapproved', 'template_refused', /template is not approved/],
    ['FailedOperation.SignatureIncorrectOrUnapproved', 'signature_refused', /signature is not approved/],
    ['FailedOperation.PhoneNumberInBlacklist', 'blacklisted', /blacklist/],
    ['FailedOperation.SomethingNew', 'tencent_FailedOperation.SomethingNew', /Tencent Cloud answered/],
  ])('records %s as failed %s with the provider code and a plain explanation, never retried', async (tencentCode, code, explanation) => {
    const req = await request(fixtures.phone());
    fake.failNext({ kind: 'status', code: tencentCode });
    const outcome = await activities().performAction(req);
    expect(outcome).toMatchObject({ status: 'failed', error: { code } });
    expect(outcome.error?.message).toMatch(explanation);
    expect(outcome.error?.message).toContain(tencentCode);
    expect(await activities().performAction(req)).toMatchObject({ status: 'failed', deduplicated: true });
    expect(sends()).toHaveLength(1);
  });

  it('on a timeout after Tencent accepted the message, the next try finds it by PullSmsSendStatusByPhoneNumber (SessionContext) and sends nothing', async () => {
    const phone = fixtures.phone();
    await activities().performAction(await request(phone)); // another touch to the same number: not ours
    const req = await request(phone);
    fake.failNext({ kind: 'slow_sent', ms: 2_500 });
    const hasty = tencentChannel({ timeoutMs: 1_000 });
    const error = await activities(hasty).performAction(req).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(TransientChannelError);
    expect(error).not.toBeInstanceOf(PermanentChannelError);
    expect(await ledgerOf(db, req)).toMatchObject({ status: 'sending' });

    const ours = fake.messages.find((m) => m.sessionContext === idempotencyKeyOf(req))!;
    expect(await activities(hasty).performAction(req)).toMatchObject({ status: 'sent', provider: 'tencent', providerMessageId: ours.serialNo, deduplicated: true });
    expect(sends()).toHaveLength(2);
    const [pull] = fake.requests.filter((r) => r.action === 'PullSmsSendStatusByPhoneNumber');
    expect(pull).toMatchObject({ signatureProblem: null, body: expect.objectContaining({ PhoneNumber: phone, SmsSdkAppId: APP_ID, Offset: 0, Limit: 100 }) });
  });

  it('parses status callbacks in batches, matched on sid, and refuses malformed ones', () => {
    const message = { serialNo: '2019:1', phoneNumber: '+8613800000000', sdkAppId: APP_ID, signName: 's', templateId: 't', params: [], sessionContext: 'k', at: new Date() };
    expect(parseTencentReports([tencentReport(message, true), tencentReport(message, false)])).toEqual({
      reports: [
        { providerMessageId: '2019:1', status: 'delivered', rank: 4, errorCode: null },
        { providerMessageId: '2019:1', status: 'undelivered', rank: 4, errorCode: 'MK_0004' },
      ],
    });
    expect(parseTencentReports([{ sid: '1', report_status: 'MAYBE' }])).toEqual({ invalid: expect.stringContaining('report_status') });
    expect(parseTencentReports([{ report_status: 'SUCCESS' }])).toEqual({ invalid: 'report 0 has no sid' });
  });
});
