/**
 * The fake FCM server against the real firebase-admin SDK: each fault comes out of the SDK as the error
 * code real FCM produces, so channel tests built on the fake prove the channel's handling of FCM.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { deleteApp, initializeApp, type App } from 'firebase-admin/app';
import { getMessaging, type Messaging } from 'firebase-admin/messaging';
import { startFakeFcm, type FakeFcm } from '../fakes/fcm-server.js';

let fake: FakeFcm;
const apps: App[] = [];

/** Messaging on a fresh app pointed at the fake, authenticating with `accessToken`. */
function messagingFor(accessToken: string, projectId = fake.projectId): Messaging {
  const app = initializeApp(
    {
      projectId,
      credential: { getAccessToken: async () => ({ access_token: accessToken, expires_in: 3600 }) },
      httpAgent: fake.httpAgent,
    },
    `fcm-fake-test-${apps.length}`,
  );
  apps.push(app);
  const messaging = getMessaging(app);
  messaging.enableLegacyHttpTransport();
  return messaging;
}

const outcomes = (res: Awaited<ReturnType<Messaging['sendEachForMulticast']>>) =>
  res.responses.map((r) => (r.success ? 'ok' : r.error?.code));

beforeAll(async () => {
  fake = await startFakeFcm();
});
afterAll(async () => {
  await Promise.all(apps.map((app) => deleteApp(app)));
  await fake?.close();
});

describe('fake FCM server with the real firebase-admin SDK', () => {
  it('accepts a multicast and records each request with its Bearer token and message', async () => {
    fake.reset();
    const res = await messagingFor(fake.accessToken).sendEachForMulticast({
      tokens: ['tok-a', 'tok-b'],
      notification: { title: 'T', body: 'B' },
      data: { k: 'v' },
    });
    expect(outcomes(res)).toEqual(['ok', 'ok']);
    expect(res.responses.map((r) => r.messageId)).toEqual(
      ['tok-a', 'tok-b'].map((token) => fake.messages.find((m) => m.token === token)?.name),
    );
    expect(res.responses[0].messageId).toMatch(new RegExp(`^projects/${fake.projectId}/messages/`));
    expect(fake.requests).toHaveLength(2);
    for (const req of fake.requests) {
      expect(req).toMatchObject({ method: 'POST', path: `/v1/projects/${fake.projectId}/messages:send`, authorized: true, status: 200 });
      expect(req.headers.authorization).toBe(`Bearer ${fake.accessToken}`);
      expect(req.body).toEqual({ message: { token: req.token, notification: { title: 'T', body: 'B' }, data: { k: 'v' } } });
    }
  });

  it('answers each fault the way the SDK maps to its FCM error code', async () => {
    fake.reset();
    fake.failToken('unregistered', { kind: 'unregistered' });
    fake.failToken('invalid', { kind: 'invalid_token' });
    fake.failToken('internal', { kind: 'internal' });
    fake.failToken('quota', { kind: 'quota_exceeded' });
    fake.failToken('unavailable', { kind: 'unavailable' });
    fake.failToken('slow', { kind: 'delay', ms: 300 });
    fake.failToken('slow-unregistered', { kind: 'delay', ms: 100, then: { kind: 'unregistered' } });
    fake.failToken('hang-up', { kind: 'hang_up' });
    const tokens = ['unregistered', 'invalid', 'internal', 'quota', 'unavailable', 'slow', 'slow-unregistered', 'hang-up'];
    const res = await messagingFor(fake.accessToken).sendEachForMulticast({ tokens, notification: { title: 'T', body: 'B' } });
    expect(outcomes(res)).toEqual([
      'messaging/registration-token-not-registered',
      'messaging/invalid-argument',
      'messaging/internal-error',
      'messaging/message-rate-exceeded',
      'messaging/server-unavailable',
      'ok',
      'messaging/registration-token-not-registered',
      'app/network-error',
    ]);
    expect(res.responses[1].error?.message).toMatch(/registration token/);
    // The SDK itself retries 503 and connection resets four times; nothing else.
    const triesOf = (token: string) => fake.requests.filter((r) => r.token === token).length;
    expect(tokens.map(triesOf)).toEqual([1, 1, 1, 1, 5, 1, 1, 5]);
    expect(fake.messages.map((m) => m.token)).toEqual(['slow']);
  }, 30000);

  it('per-call faults apply to the next requests whatever the token, then stop', async () => {
    fake.reset();
    fake.failNext({ kind: 'internal' }, 2);
    const messaging = messagingFor(fake.accessToken);
    const first = await messaging.sendEachForMulticast({ tokens: ['x', 'y'], notification: { title: 'T', body: 'B' } });
    expect(outcomes(first)).toEqual(['messaging/internal-error', 'messaging/internal-error']);
    const second = await messaging.sendEachForMulticast({ tokens: ['x'], notification: { title: 'T', body: 'B' } });
    expect(outcomes(second)).toEqual(['ok']);
  });

  it('a reset after FCM accepted the message is retried by the SDK: the device gets it twice', async () => {
    // Why the channel cannot promise exactly-once past FCM's front door: documented in the channel README.
    fake.reset();
    fake.failToken('reset-after-accept', { kind: 'hang_up', delivered: true }, 1);
    const res = await messagingFor(fake.accessToken).sendEachForMulticast({ tokens: ['reset-after-accept'], notification: { title: 'T' } });
    expect(outcomes(res)).toEqual(['ok']);
    expect(fake.messages.filter((m) => m.token === 'reset-after-accept')).toHaveLength(2);
  });

  it('refuses a wrong access token with 401 UNAUTHENTICATED and another project with 403', async () => {
    fake.reset();
    const wrongToken = await messagingFor('ya29.not-the-right-one').sendEachForMulticast({ tokens: ['a'], notification: { title: 'T' } });
    expect(outcomes(wrongToken)).toEqual(['messaging/third-party-auth-error']);
    const wrongProject = await messagingFor(fake.accessToken, 'someone-elses-project').sendEachForMulticast({
      tokens: ['a'],
      notification: { title: 'T' },
    });
    expect(outcomes(wrongProject)).toEqual(['messaging/mismatched-credential']);
    expect(fake.requests.map((r) => [r.status, r.authorized])).toEqual([
      [401, false],
      [403, true],
    ]);
    expect(fake.messages).toHaveLength(0);
  });
});
