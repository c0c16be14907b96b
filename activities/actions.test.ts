/**
 * The send ledger against the real database: a repeated try never sends twice, a try that crashed
 * mid-send is settled by the channel's lookup (or recorded as unknown without one), transient
 * failures are retried and permanent ones recorded.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { DataSource } from 'typeorm';
import type { ActionRequest } from '../engine/runtime.js';
import { createDataSource } from '../store/data-source.js';
import { ledgerFixtures, ledgerOf } from '../test/channels/ledger-fixtures.js';
import { testDatabaseUrl } from '../test/support/env.js';
import { createActionActivities, idempotencyKeyOf } from './actions.js';
import { TransientChannelError, type ActionChannel } from '../core/channels/channel.js';
import { createRecordingChannel } from './channels/recording/index.js';

let db: DataSource;
let fixtures: Awaited<ReturnType<typeof ledgerFixtures>>;

beforeAll(async () => {
  db = createDataSource(testDatabaseUrl(), { poolSize: 2 });
  await db.initialize();
  fixtures = await ledgerFixtures(db, 'ledger');
});
afterAll(async () => {
  await db?.destroy();
});

/** A fresh enrolled customer (the ledger references the enrollment) and an SMS request for them. */
const request = (phone: string | null = '+8613800000000'): Promise<ActionRequest> =>
  fixtures.smsRequest(phone ? { phone } : {}, 'Hello {{ customer.id }}');

const sendsFor = async (req: ActionRequest) =>
  (await db.query(`SELECT payload FROM recorded_sends WHERE idempotency_key = $1`, [idempotencyKeyOf(req)])) as { payload: { body: string } }[];

describe('performAction behind the send ledger', () => {
  it('sends once, rendered; a repeated try returns the first result without sending', async () => {
    const { performAction } = createActionActivities(db, [createRecordingChannel(db, 'sms')]);
    const req = await request();
    const first = await performAction(req);
    const second = await performAction(req);
    expect(first).toMatchObject({ status: 'sent', provider: 'recorder' });
    expect(second).toMatchObject({ status: 'sent', providerMessageId: first.providerMessageId, deduplicated: true });
    expect(await sendsFor(req)).toEqual([{ payload: { body: `Hello ${req.customerId}` } }]);
    expect(await ledgerOf(db, req)).toMatchObject({ status: 'sent', attempts: 1 });
  });

  it('settles a try that crashed after the provider accepted the message, without a second send', async () => {
    const recording = createRecordingChannel(db, 'sms');
    const req = await request();
    // The crash: the provider got the message, the ledger still says `sending`.
    const crashing: ActionChannel = {
      ...recording,
      async execute(ctx) {
        await recording.execute(ctx);
        throw new Error('worker lost before recording the result');
      },
    };
    await expect(createActionActivities(db, [crashing]).performAction(req)).rejects.toThrow('worker lost');
    expect(await ledgerOf(db, req)).toMatchObject({ status: 'sending' });
    const retry = await createActionActivities(db, [recording]).performAction(req);
    expect(retry).toMatchObject({ status: 'sent', deduplicated: true });
    expect(await sendsFor(req)).toHaveLength(1);
    expect(await ledgerOf(db, req)).toMatchObject({ status: 'sent' });
  });

  it('sends on retry when the crashed try never reached the provider', async () => {
    const recording = createRecordingChannel(db, 'sms');
    const req = await request();
    const dying: ActionChannel = { ...recording, execute: async () => Promise.reject(new Error('socket hang up')) };
    await expect(createActionActivities(db, [dying]).performAction(req)).rejects.toThrow('socket hang up');
    const retry = await createActionActivities(db, [recording]).performAction(req);
    expect(retry).toMatchObject({ status: 'sent' });
    expect(retry.deduplicated).toBeFalsy();
    expect(await sendsFor(req)).toHaveLength(1);
  });

  it('records `unknown` instead of risking a second message when the channel cannot look a send up', async () => {
    const recording = createRecordingChannel(db, 'sms');
    const req = await request();
    let sends = 0;
    const blind: ActionChannel = { ...recording, lookup: undefined, execute: async () => { sends++; throw new Error('timeout'); } };
    await expect(createActionActivities(db, [blind]).performAction(req)).rejects.toThrow('timeout');
    const retry = await createActionActivities(db, [blind]).performAction(req);
    expect(retry).toMatchObject({ status: 'unknown', error: { code: 'outcome_unknown' } });
    expect(sends).toBe(1);
    expect(await ledgerOf(db, req)).toMatchObject({ status: 'unknown', error_code: 'outcome_unknown' });
  });

  it('retries after a transient provider error (nothing sent) and sends exactly once', async () => {
    const recording = createRecordingChannel(db, 'sms');
    const req = await request();
    let calls = 0;
    const flaky: ActionChannel = {
      ...recording,
      async execute(ctx) {
        calls++;
        if (calls === 1) throw new TransientChannelError('provider_unavailable', 'HTTP 503');
        return recording.execute(ctx);
      },
    };
    const activities = createActionActivities(db, [flaky]);
    await expect(activities.performAction(req)).rejects.toThrow('HTTP 503');
    expect(await ledgerOf(db, req)).toMatchObject({ status: 'pending', error_code: 'provider_unavailable' });
    expect(await activities.performAction(req)).toMatchObject({ status: 'sent' });
    expect(await sendsFor(req)).toHaveLength(1);
    expect(await ledgerOf(db, req)).toMatchObject({ status: 'sent', attempts: 2, error_code: null });
  });

  it('records a permanent failure once and never retries it', async () => {
    const { performAction } = createActionActivities(db, [createRecordingChannel(db, 'sms')]);
    const req = await request(null);
    const first = await performAction(req);
    expect(first).toMatchObject({ status: 'failed', error: { code: 'no_recipient' } });
    expect(await performAction(req)).toMatchObject({ status: 'failed', deduplicated: true });
    expect(await sendsFor(req)).toHaveLength(0);
    expect(await ledgerOf(db, req)).toMatchObject({ status: 'failed', attempts: 1, error_code: 'no_recipient' });
  });

  it('refuses an action no channel is registered for, without retrying', async () => {
    const { performAction } = createActionActivities(db, [createRecordingChannel(db, 'sms')]);
    const req = { ...(await request()), action: 'wechat' };
    await expect(performAction(req)).rejects.toMatchObject({ type: 'unknown_action', nonRetryable: true });
  });
});

