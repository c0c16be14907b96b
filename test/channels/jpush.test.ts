/**
 * The JPush channel behind the send ledger: the plain HTTP client pointed at the fake JPush (which
 * verifies HTTP Basic auth on every call and deduplicates by cid), the real database and
 * performAction: the notification rendered per customer, the vendor classification by category,
 * JPush's refusals classified, dead registration ids pruned, and a lost answer settled exactly once
 * by pushing again under the kept cid.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { DataSource } from 'typeorm';
import { createActionActivities, idempotencyKeyOf } from '../../activities/actions.js';
import { createJpushChannel, type JpushOptions } from '../../activities/channels/jpush/index.js';
import { PermanentChannelError, TransientChannelError, type ActionChannel } from '../../core/channels/channel.js';
import type { ActionRequest } from '../../engine/runtime.js';
import { createDataSource } from '../../store/data-source.js';
import { startFakeJpush, type FakeJpush } from '../fakes/jpush-server.js';
import { testDatabaseUrl } from '../support/env.js';
import { ledgerFixtures, ledgerOf, traitsOf } from './ledger-fixtures.js';

let db: DataSource;
let fake: FakeJpush;
let fixtures: Awaited<ReturnType<typeof ledgerFixtures>>;
const VENDOR_CHANNELS = { 'xiaomi.marketing': '101', 'xiaomi.transactional': '102', 'oppo.marketing': 'mkt', 'oppo.transactional': 'svc' };

beforeAll(async () => {
  db = createDataSource(testDatabaseUrl(), { poolSize: 2 });
  await db.initialize();
  fake = await startFakeJpush();
  fixtures = await ledgerFixtures(db, 'jpush');
});
afterAll(async () => {
  await fake?.close();
  await db?.destroy();
});
beforeEach(() => fake.reset());

function jpushChannel(overrides: Partial<JpushOptions> = {}): ActionChannel {
  return createJpushChannel({ db, appKey: fake.appKey, masterSecret: fake.masterSecret, baseUrl: fake.baseUrl, vendorChannels: VENDOR_CHANNELS, ...overrides });
}
const activities = (channel = jpushChannel()) => createActionActivities(db, [channel]);
const pushes = () => fake.requests.filter((r) => r.path === '/v3/push');

let devices = 0;
const regId = () => `1a0018970a${String(++devices).padStart(8, '0')}`;

/** A fresh customer with `traits` and a jpush request for them. */
async function request(traits: Record<string, unknown>, overrides: Partial<ActionRequest> = {}, params: Record<string, unknown> = {}): Promise<ActionRequest> {
  const base = await fixtures.smsRequest({ first_name: '李雷', ...traits });
  return {
    ...base,
    action: 'jpush',
    nodeId: 'push_cn',
    params: { title: '{{ traits.first_name }}，您好', body: '您的账户 {{ entry.account }} 已开通', data: { link: 'broker://account' }, ...params },
    entry: { account: '8801' },
    ...overrides,
  };
}

describe('JPush channel', () => {
  it('pushes the rendered notification to the registration ids under a cid from the pool, authenticated with AppKey:MasterSecret', async () => {
    const ids = [regId(), regId()];
    const req = await request({ jpush_registration_ids: ids });
    const outcome = await activities().performAction(req);

    expect(fake.requests.map((r) => [r.method, r.path, r.authProblem])).toEqual([
      ['GET', '/v3/push/cid', null],
      ['POST', '/v3/push', null],
    ]);
    const [message] = fake.messages;
    expect(fake.messages).toHaveLength(1);
    expect(message.cid).toMatch(new RegExp(`^${fake.appKey}-`));
    expect(message.payload).toMatchObject({
      audience: { registration_id: ids },
      notification: {
        android: { title: '李雷，您好', alert: '您的账户 8801 已开通', extras: { link: 'broker://account', node_id: 'push_cn', enrollment_id: req.enrollmentId } },
        ios: { alert: { title: '李雷，您好', body: '您的账户 8801 已开通' } },
      },
    });
    expect(outcome).toMatchObject({ status: 'sent', provider: 'jpush', providerMessageId: message.msgId });
    expect(await ledgerOf(db, req)).toMatchObject({ status: 'sent', attempts: 1, provider: 'jpush', provider_message_id: message.msgId });

    // A repeated try returns the record and pushes nothing.
    expect(await activities().performAction(req)).toMatchObject({ status: 'sent', deduplicated: true });
    expect(pushes()).toHaveLength(1);
  });

  it.each([
    ['marketing', { huawei: { importance: 'LOW', category: 'MARKETING' }, honor: { importance: 'LOW' }, vivo: { classification: 0 }, xiaomi: { channel_id: '101' }, oppo: { channel_id: 'mkt' } }],
    ['transactional', { huawei: { importance: 'NORMAL', category: 'FINANCE' }, honor: { importance: 'NORMAL' }, vivo: { classification: 1 }, xiaomi: { channel_id: '102' }, oppo: { channel_id: 'svc' } }],
  ] as const)('classifies a %s push for each vendor channel', async (category, expected) => {
    const req = await request({ jpush_registration_ids: [regId()] }, { category });
    expect(await activities().performAction(req)).toMatchObject({ status: 'sent' });
    expect(fake.messages[0].payload.options?.third_party_channel).toEqual(expected);
  });

  it('is refused by the fake with a wrong Master Secret: nothing is pushed, the touch fails as bad_credentials', async () => {
    const req = await request({ jpush_registration_ids: [regId()] });
    const outcome = await activities(jpushChannel({ masterSecret: 'not-the-secret' })).performAction(req);
    expect(fake.requests).toEqual([expect.objectContaining({ authProblem: 'wrong Master Secret' })]);
    expect(fake.messages).toHaveLength(0);
    expect(outcome).toMatchObject({ status: 'failed', error: { code: 'bad_credentials' } });
    expect(outcome.error?.message).toMatch(/JPUSH_APP_KEY and JPUSH_MASTER_SECRET/);
  });

  it.each([
    ['2002 rate limit (HTTP 429)', { kind: 'error', status: 429, code: 2002 } as const, 'rate_limited'],
    ['1000 internal error (HTTP 500)', { kind: 'error', status: 500, code: 1000 } as const, 'provider_unavailable'],
    ['a 503 without a code', { kind: 'error', status: 503, code: null } as const, 'provider_unavailable'],
  ])('treats %s as transient: pending, then the retry pushes exactly once', async (_, fault, code) => {
    const req = await request({ jpush_registration_ids: [regId()] });
    fake.failNext(fault);
    const error = await activities().performAction(req).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientChannelError);
    expect(error).toMatchObject({ code });
    expect(await ledgerOf(db, req)).toMatchObject({ status: 'pending', error_code: code });
    expect(await activities().performAction(req)).toMatchObject({ status: 'sent', provider: 'jpush' });
    expect(fake.messages).toHaveLength(1);
    expect(pushes()).toHaveLength(2);
  });

  it.each([
    [1004, 401, 'bad_credentials'],
    [1008, 400, 'bad_credentials'],
    [1003, 400, 'invalid_message'],
    [1005, 400, 'invalid_message'],
    [4321, 400, 'jpush_4321'],
  ])('records JPush code %i (HTTP %i) as failed %s with the code in the message, never retried', async (jpushCode, status, code) => {
    const req = await request({ jpush_registration_ids: [regId()] });
    fake.failNext({ kind: 'error', status, code: jpushCode });
    const outcome = await activities().performAction(req);
    expect(outcome).toMatchObject({ status: 'failed', error: { code } });
    expect(outcome.error?.message).toContain(String(jpushCode));
    expect(await activities().performAction(req)).toMatchObject({ status: 'failed', deduplicated: true });
    expect(pushes()).toHaveLength(1);
  });

  it('on 1011 (none of the registration ids known) removes them from the profile and fails as no_valid_tokens', async () => {
    const [gone1, gone2] = [regId(), regId()];
    fake.dead.add(gone1).add(gone2);
    const req = await request({ jpush_registration_ids: [gone1, gone2], push_tokens: ['fcm-token'] });
    const outcome = await activities().performAction(req);
    expect(outcome).toMatchObject({ status: 'failed', error: { code: 'no_valid_tokens' } });
    expect(outcome.error?.message).toContain('1011');
    expect(await traitsOf(db, req.customerId)).toMatchObject({ jpush_registration_ids: [], push_tokens: ['fcm-token'] });
    expect(fake.messages).toHaveLength(0);
  });

  it('keeps the registration ids when JPush refuses for another reason', async () => {
    const id = regId();
    const req = await request({ jpush_registration_ids: [id] });
    fake.failNext({ kind: 'error', status: 400, code: 1003 });
    await activities().performAction(req);
    expect(await traitsOf(db, req.customerId)).toMatchObject({ jpush_registration_ids: [id] });
  });

  it('pushes to the alias the app bound (jpush_alias, else the customer id); an unbound alias is no_recipient', async () => {
    const bound = await request({ jpush_alias: 'u-8801' }, {}, { audience: 'alias' });
    fake.aliases.add('u-8801');
    expect(await activities().performAction(bound)).toMatchObject({ status: 'sent', provider: 'jpush' });
    expect(fake.messages[0].payload.audience).toEqual({ alias: ['u-8801'] });

    const byId = await request({}, {}, { audience: 'alias' });
    fake.aliases.add(byId.customerId);
    expect(await activities().performAction(byId)).toMatchObject({ status: 'sent' });
    expect(fake.messages[1].payload.audience).toEqual({ alias: [byId.customerId] });

    const unbound = await request({}, {}, { audience: 'alias' });
    expect(await activities().performAction(unbound)).toMatchObject({ status: 'failed', error: { code: 'no_recipient' } });
  });

  it('refuses a customer without registration ids before calling JPush', async () => {
    const req = await request({ jpush_registration_ids: [] });
    expect(await activities().performAction(req)).toMatchObject({ status: 'failed', error: { code: 'no_recipient' } });
    expect(fake.requests).toHaveLength(0);
  });

  it('on a timeout after JPush accepted the push, the next try pushes again under the kept cid and JPush answers the first msg_id: one push', async () => {
    const req = await request({ jpush_registration_ids: [regId()] });
    fake.failNext({ kind: 'slow_sent', ms: 2_000 });
    const hasty = jpushChannel({ timeoutMs: 300 });
    const error = await activities(hasty).performAction(req).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(TransientChannelError);
    expect(error).not.toBeInstanceOf(PermanentChannelError);
    expect(await ledgerOf(db, req)).toMatchObject({ status: 'sending' });
    expect(fake.messages).toHaveLength(1);

    const retry = await activities(hasty).performAction(req);
    expect(retry).toMatchObject({ status: 'sent', provider: 'jpush', providerMessageId: fake.messages[0].msgId });
    expect(fake.messages).toHaveLength(1);
    const cidCalls = fake.requests.filter((r) => r.path === '/v3/push/cid');
    expect(cidCalls).toHaveLength(1);
    expect(pushes()).toHaveLength(2);
    expect(await ledgerOf(db, req)).toMatchObject({ status: 'sent', provider_message_id: fake.messages[0].msgId });
    expect(idempotencyKeyOf(req)).toContain(req.enrollmentId);
  });

  it('on a timeout before JPush accepted anything, the next try pushes exactly once', async () => {
    const req = await request({ jpush_registration_ids: [regId()] });
    fake.failNext({ kind: 'delay', ms: 1_500 });
    const hasty = jpushChannel({ timeoutMs: 300 });
    await activities(hasty).performAction(req).catch(() => undefined);
    expect(await ledgerOf(db, req)).toMatchObject({ status: 'sending' });
    expect(await activities(hasty).performAction(req)).toMatchObject({ status: 'sent', provider: 'jpush' });
    expect(fake.messages).toHaveLength(1);
  });
});
