/**
 * The FCM push channel behind the send ledger: the real firebase-admin SDK against the fake FCM server,
 * the real database. Covers the multicast, dead-token clean-up, and how each kind of FCM failure is
 * recorded (sent, failed for good, retried, unknown).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import net, { type AddressInfo } from 'node:net';
import type { DataSource } from 'typeorm';
import { createActionActivities, idempotencyKeyOf } from '../../activities/actions.js';
import { TransientChannelError } from '../../core/channels/channel.js';
import { createFcmPushChannel, type FcmPushChannel } from '../../activities/channels/fcm-push/index.js';
import type { ActionRequest } from '../../engine/runtime.js';
import { createDataSource } from '../../store/data-source.js';
import { LoopbackAgent, startFakeFcm, type FakeFcm } from '../fakes/fcm-server.js';
import { ledgerFixtures } from './ledger-fixtures.js';
import { testDatabaseUrl } from '../support/env.js';

let db: DataSource;
let fake: FakeFcm;
let push: FcmPushChannel;
const channels: FcmPushChannel[] = [];
let fixtures: Awaited<ReturnType<typeof ledgerFixtures>>;
/** Token names and the journey id, unique per test run. */
let run: string;

/** A push channel against the fake, authenticating with `accessToken`. */
function channel(accessToken = fake.accessToken, httpAgent = fake.httpAgent): FcmPushChannel {
  const created = createFcmPushChannel({
    db,
    projectId: fake.projectId,
    credential: { getAccessToken: async () => ({ access_token: accessToken, expires_in: 3600 }) },
    httpAgent,
  });
  channels.push(created);
  return created;
}

beforeAll(async () => {
  db = createDataSource(testDatabaseUrl(), { poolSize: 3 });
  await db.initialize();
  fake = await startFakeFcm();
  push = channel();
  fixtures = await ledgerFixtures(db, 'push');
  run = fixtures.journeyId;
});
afterAll(async () => {
  await Promise.all(channels.map((c) => c.close()));
  await fake?.close();
  await db?.destroy();
});

/** A customer with these push tokens (no trait when null), an enrollment, and a push request for it. */
async function request(tokens: string[] | null): Promise<ActionRequest> {
  const sms = await fixtures.smsRequest(tokens ? { first_name: 'Mei', push_tokens: tokens } : { first_name: 'Mei' });
  return {
    ...sms,
    nodeId: 'push_statement',
    action: 'push',
    params: {
      title: 'Hi {{ traits.first_name }}',
      body: 'Your statement is ready',
      data: { deep_link: 'broker://statements/latest', journey_id: 'spoofed' },
    },
  };
}

const tokensFor = (label: string, count: number) => Array.from({ length: count }, (_, i) => `${run}-${label}-${i}`);
const tokensOf = async (req: ActionRequest) =>
  ((await db.query(`SELECT traits -> 'push_tokens' AS tokens FROM customers WHERE id = $1`, [req.customerId])) as { tokens: unknown }[])[0]
    .tokens;
const ledgerOf = async (req: ActionRequest) =>
  ((await db.query(
    `SELECT status, attempts, provider, provider_message_id, error_code FROM messages WHERE idempotency_key = $1`,
    [idempotencyKeyOf(req)],
  )) as { status: string; attempts: number; provider: string | null; provider_message_id: string | null; error_code: string | null }[])[0];
const requestsTo = (tokens: string[]) => fake.requests.filter((r) => r.token !== null && tokens.includes(r.token));
const deliveredTo = (tokens: string[]) => fake.messages.filter((m) => tokens.includes(m.token));

describe('FCM push channel behind the send ledger', () => {
  it('multicasts to every device with the rendered notification, the data payload and our Bearer token, once', async () => {
    const tokens = tokensFor('multi', 3);
    const req = await request(tokens);
    const { performAction } = createActionActivities(db, [push]);

    const outcome = await performAction(req);

    const first = fake.messages.find((m) => m.token === tokens[0]);
    expect(outcome).toMatchObject({ status: 'sent', provider: 'fcm', providerMessageId: first?.name });
    expect(requestsTo(tokens)).toHaveLength(3);
    for (const sent of requestsTo(tokens)) {
      expect(sent.path).toBe(`/v1/projects/${fake.projectId}/messages:send`);
      expect(sent.headers.authorization).toBe(`Bearer ${fake.accessToken}`);
      expect(sent.body).toEqual({
        message: {
          token: sent.token,
          notification: { title: 'Hi Mei', body: 'Your statement is ready' },
          data: { deep_link: 'broker://statements/latest', journey_id: run, enrollment_id: req.enrollmentId, node_id: 'push_statement' },
        },
      });
    }
    expect(deliveredTo(tokens).map((m) => m.token).sort()).toEqual(tokens);
    expect(await ledgerOf(req)).toMatchObject({ status: 'sent', attempts: 1, provider: 'fcm', provider_message_id: first?.name });

    // A retried activity finds the ledger settled and sends nothing.
    expect(await performAction(req)).toMatchObject({ status: 'sent', providerMessageId: first?.name, deduplicated: true });
    expect(requestsTo(tokens)).toHaveLength(3);
    expect(await tokensOf(req)).toEqual(tokens);
  });

  it('sends to the good device and removes the unregistered and invalid tokens, keeping one registered meanwhile', async () => {
    const [good, unregistered, invalid] = tokensFor('mixed', 3);
    const req = await request([unregistered, good, invalid]);
    fake.failToken(unregistered, { kind: 'unregistered' });
    fake.failToken(invalid, { kind: 'invalid_token' });
    // Hold the good send so the app can register a new device while the push is in flight.
    fake.failToken(good, { kind: 'delay', ms: 400 });

    const pending = createActionActivities(db, [push]).performAction(req);
    while (requestsTo([good]).length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    await db.query(
      `UPDATE customers SET traits = jsonb_set(traits, '{push_tokens}', (traits -> 'push_tokens') || '["registered-meanwhile"]') WHERE id = $1`,
      [req.customerId],
    );
    const outcome = await pending;

    expect(outcome).toMatchObject({ status: 'sent', providerMessageId: deliveredTo([good])[0].name });
    expect(deliveredTo([good, unregistered, invalid]).map((m) => m.token)).toEqual([good]);
    expect(await tokensOf(req)).toEqual([good, 'registered-meanwhile']);
    expect(await ledgerOf(req)).toMatchObject({ status: 'sent', attempts: 1 });
  });

  it('fails for good with no_valid_tokens when every device is unregistered, and drops all the tokens', async () => {
    const tokens = tokensFor('dead', 2);
    const req = await request(tokens);
    for (const token of tokens) fake.failToken(token, { kind: 'unregistered' });
    const { performAction } = createActionActivities(db, [push]);

    expect(await performAction(req)).toMatchObject({ status: 'failed', error: { code: 'no_valid_tokens' } });
    expect(await tokensOf(req)).toEqual([]);
    expect(await ledgerOf(req)).toMatchObject({ status: 'failed', attempts: 1, error_code: 'no_valid_tokens' });

    expect(await performAction(req)).toMatchObject({ status: 'failed', deduplicated: true });
    expect(requestsTo(tokens)).toHaveLength(2);
  });

  it('leaves the send pending when FCM is unavailable for every device; the retry sends exactly once per device', async () => {
    const tokens = tokensFor('unavailable', 2);
    const req = await request(tokens);
    for (const token of tokens) fake.failToken(token, { kind: 'unavailable' });
    const { performAction } = createActionActivities(db, [push]);

    const error = await performAction(req).then(
      () => null,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(TransientChannelError);
    expect(error).toMatchObject({ code: 'provider_unavailable' });
    expect(await ledgerOf(req)).toMatchObject({ status: 'pending', error_code: 'provider_unavailable' });
    expect(deliveredTo(tokens)).toHaveLength(0);
    expect(await tokensOf(req)).toEqual(tokens);

    fake.clearFaults();
    expect(await performAction(req)).toMatchObject({ status: 'sent', provider: 'fcm' });
    expect(deliveredTo(tokens).map((m) => m.token).sort()).toEqual(tokens);
    expect(await ledgerOf(req)).toMatchObject({ status: 'sent', attempts: 2, error_code: null });
  }, 30000);

  it('fails for good with bad_credentials when FCM refuses the access token, keeping every token', async () => {
    const tokens = tokensFor('auth', 2);
    const req = await request(tokens);
    const { performAction } = createActionActivities(db, [channel('ya29.revoked')]);

    expect(await performAction(req)).toMatchObject({ status: 'failed', error: { code: 'bad_credentials' } });
    expect(requestsTo(tokens).map((r) => [r.status, r.authorized])).toEqual([
      [401, false],
      [401, false],
    ]);
    expect(deliveredTo(tokens)).toHaveLength(0);
    expect(await tokensOf(req)).toEqual(tokens);
    expect(await ledgerOf(req)).toMatchObject({ status: 'failed', attempts: 1, error_code: 'bad_credentials' });
  });

  it.each([
    ['no push_tokens trait', null],
    ['an empty push_tokens list', []],
  ])('fails for good with no_recipient for %s, without calling FCM', async (_, tokens) => {
    const req = await request(tokens);
    const before = fake.requests.length;
    expect(await createActionActivities(db, [push]).performAction(req)).toMatchObject({
      status: 'failed',
      error: { code: 'no_recipient' },
    });
    expect(fake.requests.length).toBe(before);
    expect(await ledgerOf(req)).toMatchObject({ status: 'failed', error_code: 'no_recipient' });
  });

  it('rethrows a network failure (outcome unknown) and the next try records unknown without sending', async () => {
    const tokens = tokensFor('network', 1);
    const req = await request(tokens);
    // A port nothing listens on: the connection is refused.
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const deadPort = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const { performAction } = createActionActivities(db, [channel(fake.accessToken, new LoopbackAgent(deadPort))]);

    await expect(performAction(req)).rejects.toMatchObject({ code: 'app/network-error' });
    expect(await ledgerOf(req)).toMatchObject({ status: 'sending' });
    expect(await performAction(req)).toMatchObject({ status: 'unknown', error: { code: 'outcome_unknown' } });
    expect(await ledgerOf(req)).toMatchObject({ status: 'unknown', attempts: 1 });
    expect(await tokensOf(req)).toEqual(tokens);
  });
});
