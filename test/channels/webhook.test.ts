/**
 * The webhook channel behind the send ledger: global fetch against the fake receiver, the real
 * database, and performAction deciding what is retried, recorded or re-sent. The receiver dedups
 * by Idempotency-Key (the webhook contract), so "delivered once" means one entry in `deliveries`.
 */
import { promises as dnsPromises } from 'node:dns';
import http from 'node:http';
import os from 'node:os';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { DataSource } from 'typeorm';
import { createActionActivities, idempotencyKeyOf } from '../../activities/actions.js';
import { PermanentChannelError, TransientChannelError, type ActionChannel } from '../../core/channels/channel.js';
import {
  createWebhookChannel,
  signWebhook,
  verifyWebhookSignature,
  type WebhookOptions,
} from '../../activities/channels/webhook/index.js';
import type { ActionRequest } from '../../engine/runtime.js';
import { createDataSource } from '../../store/data-source.js';
import { startFakeWebhookReceiver, type FakeWebhookReceiver } from '../fakes/webhook-receiver.js';
import { testDatabaseUrl } from '../support/env.js';
import { ledgerFixtures, ledgerOf } from './ledger-fixtures.js';

const SECRET = 'whsec-test-0123456789abcdef0123456789abcdef';
let db: DataSource;
let receiver: FakeWebhookReceiver;
let fixtures: Awaited<ReturnType<typeof ledgerFixtures>>;

beforeAll(async () => {
  db = createDataSource(testDatabaseUrl(), { poolSize: 2 });
  await db.initialize();
  receiver = await startFakeWebhookReceiver({ secret: SECRET });
  fixtures = await ledgerFixtures(db, 'webhook');
});
afterAll(async () => {
  await receiver?.close();
  await db?.destroy();
});
beforeEach(() => receiver.reset());

function webhookChannel(overrides: Partial<WebhookOptions> = {}): ActionChannel {
  // The fake receiver listens on 127.0.0.1 over http: the operator's allow-list names it.
  return createWebhookChannel({ secret: SECRET, allowedHosts: ['127.0.0.1'], ...overrides });
}
const activities = (channel = webhookChannel()) => createActionActivities(db, [channel]);

/** A fresh enrolled customer and a `webhook` action request for them. */
async function webhookRequest(params: Record<string, unknown> = {}): Promise<ActionRequest> {
  const base = await fixtures.smsRequest({ email: 'lin@example.com' });
  return {
    ...base,
    nodeId: 'crm-lead',
    action: 'webhook',
    params: { url: `${receiver.baseUrl}/leads`, body: { source: 'journey', score: 42 }, ...params },
  };
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const header = (value: string | string[] | undefined) => (Array.isArray(value) ? value.join(',') : (value ?? ''));

describe('webhook channel: the request', () => {
  it('posts the signed journey context once, with the ledger key as Idempotency-Key, and records the receiver\'s request id', async () => {
    const req = await webhookRequest();
    const outcome = await activities().performAction(req);

    expect(receiver.requests).toHaveLength(1);
    const [sent] = receiver.requests;
    expect(sent.method).toBe('POST');
    expect(sent.path).toBe('/leads');
    expect(sent.headers['content-type']).toBe('application/json');
    expect(sent.idempotencyKey).toBe(idempotencyKeyOf(req));
    expect(JSON.parse(sent.body)).toEqual({
      journey: { id: req.journeyId, versionId: req.versionId, name: req.journeyName },
      enrollmentId: req.enrollmentId,
      nodeId: 'crm-lead',
      customerId: req.customerId,
      data: { source: 'journey', score: 42 },
    });

    // The signature verifies over the raw body and the timestamp sent with it ...
    const timestamp = header(sent.headers['x-journey-timestamp']);
    const signature = header(sent.headers['x-journey-signature']);
    expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(10);
    expect(signature).toMatch(/^v1=[0-9a-f]{64}$/);
    expect(sent.signatureValid).toBe(true);
    expect(verifyWebhookSignature(SECRET, timestamp, sent.body, signature)).toBe(true);
    expect(verifyWebhookSignature(SECRET, timestamp, Buffer.from(sent.body), signature)).toBe(true);
    // ... and fails for a tampered body, another secret, another timestamp, or a stale one.
    expect(verifyWebhookSignature(SECRET, timestamp, sent.body.replace('42', '43'), signature)).toBe(false);
    expect(verifyWebhookSignature(`${SECRET}x`, timestamp, sent.body, signature)).toBe(false);
    expect(verifyWebhookSignature(SECRET, String(Number(timestamp) - 1), sent.body, signature)).toBe(false);
    expect(verifyWebhookSignature(SECRET, timestamp, sent.body, signature, 300, Number(timestamp) + 301)).toBe(false);
    expect(verifyWebhookSignature(SECRET, timestamp, sent.body, signature, 300, Number(timestamp) + 299)).toBe(true);
    const old = Math.floor(Date.now() / 1000) - 3600;
    expect(verifyWebhookSignature(SECRET, old, sent.body, signWebhook(SECRET, old, sent.body))).toBe(false);
    expect(verifyWebhookSignature(SECRET, old, sent.body, signWebhook(SECRET, old, sent.body), 7200)).toBe(true);

    expect(receiver.deliveries).toHaveLength(1);
    const requestId = receiver.deliveries[0].requestId;
    expect(outcome).toMatchObject({ status: 'sent', provider: 'webhook', providerMessageId: requestId });
    expect(await ledgerOf(db, req)).toMatchObject({ status: 'sent', attempts: 1, provider: 'webhook', provider_message_id: requestId });

    // A repeated try returns the recorded result and calls nobody.
    expect(await activities().performAction(req)).toMatchObject({ status: 'sent', providerMessageId: requestId, deduplicated: true });
    expect(receiver.requests).toHaveLength(1);
  });

  it('sends the canvas headers, but never lets them replace the signature, the key or the content type', async () => {
    const req = await webhookRequest({
      method: 'PUT',
      headers: {
        'X-Api-Key': 'crm-key-1',
        'x-journey-signature': 'v1=forged',
        'X-Journey-Timestamp': '1',
        'IDEMPOTENCY-KEY': 'chosen-by-canvas',
        'Content-Type': 'text/plain',
        Host: 'evil.example.com',
      },
    });
    expect(await activities().performAction(req)).toMatchObject({ status: 'sent' });
    const [sent] = receiver.requests;
    expect(sent.method).toBe('PUT');
    expect(sent.headers['x-api-key']).toBe('crm-key-1');
    expect(sent.headers['x-journey-signature']).not.toContain('forged');
    expect(sent.headers['x-journey-timestamp']).not.toBe('1');
    expect(sent.headers['idempotency-key']).toBe(idempotencyKeyOf(req));
    expect(sent.headers['content-type']).toBe('application/json');
    expect(sent.headers.host).toBe(`127.0.0.1:${receiver.port}`);
    expect(sent.signatureValid).toBe(true);
  });

  it('sends `data: null` without a body, and names the status when the receiver gives no request id', async () => {
    const req = await webhookRequest({ body: undefined });
    receiver.failNext({ kind: 'status', status: 202, body: '' });
    expect(await activities().performAction(req)).toMatchObject({ status: 'sent', providerMessageId: 'webhook-202' });
    expect(JSON.parse(receiver.requests[0].body).data).toBeNull();
  });
});

describe('webhook channel: outcomes', () => {
  it.each([503, 500, 429, 408, 425])(
    'treats %i as transient: the ledger goes back to pending, and the retry delivers once under the same key',
    async (status) => {
      const req = await webhookRequest();
      receiver.failNext({ kind: 'status', status });
      const error = await activities().performAction(req).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TransientChannelError);
      expect(error).toMatchObject({ code: `http_${status}` });
      expect(await ledgerOf(db, req)).toMatchObject({ status: 'pending', error_code: `http_${status}` });
      expect(receiver.deliveries).toHaveLength(0);

      expect(await activities().performAction(req)).toMatchObject({ status: 'sent', provider: 'webhook' });
      expect(receiver.requests).toHaveLength(2);
      expect(receiver.requests.map((r) => r.idempotencyKey)).toEqual([idempotencyKeyOf(req), idempotencyKeyOf(req)]);
      expect(receiver.deliveries).toHaveLength(1);
      expect(await ledgerOf(db, req)).toMatchObject({
        status: 'sent',
        attempts: 2,
        error_code: null,
        provider_message_id: receiver.deliveries[0].requestId,
      });
    },
  );

  it.each([400, 401, 404, 422])('records %i as failed `http_<status>` and never retries it', async (status) => {
    const req = await webhookRequest();
    receiver.failNext({ kind: 'status', status, body: '{"error":"lead rejected: missing email"}' });
    const outcome = await activities().performAction(req);
    expect(outcome).toMatchObject({ status: 'failed', error: { code: `http_${status}` } });
    expect(outcome.error?.message).toContain('lead rejected: missing email');
    expect(await activities().performAction(req)).toMatchObject({ status: 'failed', deduplicated: true });
    expect(receiver.requests).toHaveLength(1);
    expect(await ledgerOf(db, req)).toMatchObject({ status: 'failed', attempts: 1, error_code: `http_${status}` });
  });

  it('does not follow a redirect: the signed request is not sent elsewhere', async () => {
    const req = await webhookRequest();
    receiver.failNext({ kind: 'status', status: 307, headers: { location: `${receiver.baseUrl}/elsewhere` } });
    expect(await activities().performAction(req)).toMatchObject({ status: 'failed', error: { code: 'http_307' } });
    expect(receiver.requests.map((r) => r.path)).toEqual(['/leads']);
  });

  it('refuses a non-https URL unless the host is allowed, without calling it', async () => {
    const strict = webhookChannel({ allowedHosts: [] });
    const plain = await webhookRequest();
    const outcome = await activities(strict).performAction(plain);
    expect(outcome).toMatchObject({ status: 'failed', error: { code: 'insecure_url' } });
    expect(outcome.error?.message).toContain('https://');
    const ftp = await webhookRequest({ url: 'ftp://127.0.0.1/leads' });
    expect(await activities(strict).performAction(ftp)).toMatchObject({ status: 'failed', error: { code: 'invalid_url' } });
    expect(receiver.requests).toHaveLength(0);
    expect(await ledgerOf(db, plain)).toMatchObject({ status: 'failed', error_code: 'insecure_url' });
  });

  it('treats a refused connection as transient: nothing was sent', async () => {
    const req = await webhookRequest({ url: `http://127.0.0.1:${await closedPort()}/leads` });
    const error = await activities().performAction(req).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientChannelError);
    expect(error).toMatchObject({ code: 'unreachable' });
    expect(await ledgerOf(db, req)).toMatchObject({ status: 'pending', error_code: 'unreachable' });
  });

  it('treats an unresolvable host as transient, and any other network error as an unknown outcome', async () => {
    const failing = (code: string): typeof fetch => async () => {
      throw new TypeError('fetch failed', { cause: Object.assign(new Error(code), { code }) });
    };
    const dns = await webhookRequest({ url: 'https://no-such-host.invalid/leads' });
    await expect(activities(webhookChannel({ fetchImpl: failing('ENOTFOUND') })).performAction(dns)).rejects.toMatchObject({
      name: 'TransientChannelError',
      code: 'unreachable',
    });
    const reset = await webhookRequest({ url: 'https://crm.example.com/leads' });
    const error = await activities(webhookChannel({ fetchImpl: failing('ECONNRESET') })).performAction(reset).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(TransientChannelError);
    expect(error).not.toBeInstanceOf(PermanentChannelError);
    expect(await ledgerOf(db, reset)).toMatchObject({ status: 'sending' });
  });
});

/** A host name the system resolver maps to 127.0.0.1 only (where the receiver listens): this machine's name when /etc/hosts says so. */
async function loopbackName(): Promise<string> {
  for (const name of [os.hostname(), 'localhost']) {
    const addresses = await dnsPromises.lookup(name, { all: true }).catch(() => []);
    if (addresses.length > 0 && addresses.every((a) => a.address === '127.0.0.1')) return name;
  }
  throw new Error('no host name resolves to 127.0.0.1 only on this machine');
}

describe('webhook channel: where a webhook may go (SSRF guard at send time)', () => {
  it('refuses a host name that resolves to a non-public address, after DNS resolution, without sending', async () => {
    // Published as a public name; at send time it resolves to the cloud metadata address (DNS rebinding).
    const rebinding = webhookChannel({ allowedHosts: [], resolve: async () => [{ address: '169.254.169.254', family: 4 }] });
    const req = await webhookRequest({ url: 'https://crm.example.com/leads' });
    const outcome = await activities(rebinding).performAction(req);
    expect(outcome).toMatchObject({ status: 'failed', error: { code: 'forbidden_target' } });
    expect(outcome.error?.message).toContain('169.254.169.254');
    expect(await ledgerOf(db, req)).toMatchObject({ status: 'failed', error_code: 'forbidden_target' });
  });

  it('refuses a name the system resolver maps to loopback (this machine\'s /etc/hosts), without reaching the receiver', async () => {
    const name = await loopbackName();
    const req = await webhookRequest({ url: `https://${name}:${new URL(receiver.baseUrl).port}/leads` });
    const outcome = await activities(webhookChannel({ allowedHosts: [] })).performAction(req);
    expect(outcome).toMatchObject({ status: 'failed', error: { code: 'forbidden_target' } });
    expect(receiver.requests).toHaveLength(0);
  });

  it.each(['https://127.0.0.1:9/leads', 'https://[::ffff:127.0.0.1]/leads', 'https://169.254.169.254/latest/meta-data'])(
    'refuses the literal address %s before connecting',
    async (url) => {
      const req = await webhookRequest({ url });
      expect(await activities(webhookChannel({ allowedHosts: [] })).performAction(req)).toMatchObject({ status: 'failed', error: { code: 'forbidden_target' } });
    },
  );

  it('an allow-listed host name reaches its private address (http:// too); the same name not listed is refused', async () => {
    const name = await loopbackName();
    const url = `http://${name}:${new URL(receiver.baseUrl).port}/leads`;
    const refused = await webhookRequest({ url: url.replace('http:', 'https:') });
    expect(await activities(webhookChannel({ allowedHosts: [] })).performAction(refused)).toMatchObject({ status: 'failed', error: { code: 'forbidden_target' } });
    const req = await webhookRequest({ url });
    expect(await activities(webhookChannel({ allowedHosts: [name.toUpperCase()] })).performAction(req)).toMatchObject({ status: 'sent' });
    expect(receiver.requests).toHaveLength(1);
  });

  it('never follows a redirect to the metadata address', async () => {
    const req = await webhookRequest();
    receiver.failNext({ kind: 'status', status: 302, headers: { location: 'http://169.254.169.254/latest/meta-data/' } });
    expect(await activities().performAction(req)).toMatchObject({ status: 'failed', error: { code: 'http_302' } });
    expect(receiver.requests.map((r) => r.path)).toEqual(['/leads']);
  });
});

describe('webhook channel: unknown outcomes are re-sent, and the receiver dedups them (exactly once)', () => {
  /** The channel, counting lookup() calls. */
  function counted(options: Partial<WebhookOptions>) {
    const channel = webhookChannel(options);
    const calls: string[] = [];
    const wrapped: ActionChannel = {
      ...channel,
      async lookup(key) {
        calls.push(key);
        return channel.lookup!(key);
      },
    };
    return { channel: wrapped, calls };
  }

  it('on a timeout after the receiver got the request: rethrows; the next try looks up (null) and resends with the same key', async () => {
    const req = await webhookRequest();
    receiver.failNext({ kind: 'delay', ms: 1_500 }); // processed, answered too late
    const { channel, calls } = counted({ timeoutMs: 200 });

    const error = await activities(channel).performAction(req).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(TransientChannelError);
    expect(error).not.toBeInstanceOf(PermanentChannelError);
    expect((error as Error).message).toMatch(/no answer within 200 ms/);
    expect(await ledgerOf(db, req)).toMatchObject({ status: 'sending' });
    expect(receiver.deliveries).toHaveLength(1);
    expect(calls).toHaveLength(0);

    const retry = await activities(channel).performAction(req);
    expect(calls).toEqual([idempotencyKeyOf(req)]);
    expect(receiver.requests).toHaveLength(2);
    expect(receiver.requests.map((r) => r.idempotencyKey)).toEqual([idempotencyKeyOf(req), idempotencyKeyOf(req)]);
    expect(receiver.requests.map((r) => r.duplicate)).toEqual([false, true]);
    expect(receiver.requests.every((r) => r.signatureValid)).toBe(true);
    // Byte-identical bodies: the receiver sees the same delivery twice and acts once.
    expect(receiver.requests[1].body).toBe(receiver.requests[0].body);
    expect(receiver.deliveries).toHaveLength(1);
    expect(retry).toMatchObject({ status: 'sent', providerMessageId: receiver.deliveries[0].requestId });
    expect(await ledgerOf(db, req)).toMatchObject({ status: 'sent', attempts: 1, provider_message_id: receiver.deliveries[0].requestId });
  });

  it.each([
    ['after the receiver processed it', true],
    ['before the receiver processed it', false],
  ])('on a connection reset %s: rethrows, and the resend leaves exactly one delivery', async (_label, processed) => {
    const req = await webhookRequest();
    receiver.failNext({ kind: 'reset', processed });
    const { channel, calls } = counted({});
    const error = await activities(channel).performAction(req).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(TransientChannelError);
    expect(await ledgerOf(db, req)).toMatchObject({ status: 'sending' });

    expect(await activities(channel).performAction(req)).toMatchObject({ status: 'sent' });
    expect(calls).toHaveLength(1);
    expect(receiver.requests).toHaveLength(2);
    expect(receiver.requests[1].duplicate).toBe(processed);
    expect(receiver.deliveries).toHaveLength(1);
    expect(await ledgerOf(db, req)).toMatchObject({ status: 'sent' });
  });
});

describe('verifyWebhookSignature', () => {
  const body = '{"data":null}';
  const now = 1_800_000_000;
  const good = signWebhook(SECRET, now, body);

  it('accepts one of several v1 entries (secret rotation)', () => {
    expect(verifyWebhookSignature(SECRET, now, body, `${signWebhook('old-secret', now, body)}, ${good}`, 300, now)).toBe(true);
  });

  it.each([
    ['no header', undefined],
    ['an empty header', ''],
    ['another version', good.replace('v1=', 'v0=')],
    ['a short signature', good.slice(0, 40)],
    ['non-hex characters', `v1=${'z'.repeat(64)}`],
  ])('refuses %s', (_label, signature) => {
    expect(verifyWebhookSignature(SECRET, now, body, signature, 300, now)).toBe(false);
  });

  it('refuses a missing or malformed timestamp', () => {
    expect(verifyWebhookSignature(SECRET, undefined, body, good, 300, now)).toBe(false);
    expect(verifyWebhookSignature(SECRET, `${now}.0`, body, good, 300, now)).toBe(false);
    expect(verifyWebhookSignature(SECRET, '-1', body, good, 300, now)).toBe(false);
  });

  it('needs a secret to build the channel', () => {
    expect(() => createWebhookChannel({ secret: '' })).toThrow(/JE_WEBHOOK_SECRET/);
  });
});
