/**
 * A fake webhook receiver on 127.0.0.1 that keeps the webhook contract (docs/channels.md,
 * "Webhooks"): it records every request as received (method, path, headers, raw body), processes a
 * delivery at most once per Idempotency-Key (a repeat is answered like the first, without being
 * processed again) and, given the signing secret, checks each request's signature. Faults are
 * injected per request: a status code, a delay, or a connection reset after reading the body.
 */
import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { verifyWebhookSignature } from '../../activities/channels/webhook/index.js';

/** What the receiver does to one request instead of accepting it. */
export type WebhookFault =
  /** Answers `status` without processing the delivery (a 503, a 400...). */
  | { kind: 'status'; status: number; body?: string; headers?: Record<string, string> }
  /**
   * Holds the answer for `ms`. With `processed` (the default) the delivery is processed first and
   * answered 200 late ("slow but done"); without, it answers 503 late and processes nothing.
   */
  | { kind: 'delay'; ms: number; processed?: boolean }
  /** Reads the whole body, then destroys the connection without an answer; with `processed`, after processing the delivery. */
  | { kind: 'reset'; processed?: boolean };

/** One request as the receiver got it. */
export interface RecordedWebhookRequest {
  method: string;
  /** Path and query. */
  path: string;
  headers: IncomingHttpHeaders;
  /** The raw body, as received: what the signature covers. */
  body: string;
  idempotencyKey: string | null;
  /** The signature verified against the receiver's secret (false when the receiver has none). */
  signatureValid: boolean;
  /** The request repeated an Idempotency-Key already processed, and was answered without processing. */
  duplicate: boolean;
  /** The HTTP status answered (0: the connection was reset, or the client gave up first). */
  status: number;
}

/** A delivery the receiver processed: one per distinct Idempotency-Key. */
export interface WebhookDelivery {
  idempotencyKey: string;
  /** The `X-Request-Id` the receiver answered with (and answers again to every repeat). */
  requestId: string;
  method: string;
  body: string;
  /** The body parsed as JSON (null if it was not JSON). */
  json: unknown;
}

export interface FakeWebhookReceiver {
  /** `http://127.0.0.1:<port>`; append any path. */
  baseUrl: string;
  port: number;
  /** Every request, in arrival order, repeats and refused ones included. */
  requests: RecordedWebhookRequest[];
  /** Distinct deliveries processed, in order: the effect a customer would see. */
  deliveries: WebhookDelivery[];
  /** Applies `fault` to the next `times` requests. */
  failNext(fault: WebhookFault, times?: number): void;
  /** Forgets requests, deliveries and faults. */
  reset(): void;
  close(): Promise<void>;
}

export interface FakeWebhookReceiverOptions {
  /** Signing secret to check `X-Journey-Signature` against (recorded in `signatureValid`, not enforced). */
  secret?: string;
}

export async function startFakeWebhookReceiver({ secret }: FakeWebhookReceiverOptions = {}): Promise<FakeWebhookReceiver> {
  const requests: RecordedWebhookRequest[] = [];
  const deliveries: WebhookDelivery[] = [];
  const byKey = new Map<string, WebhookDelivery>();
  const faults: WebhookFault[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const sockets = new Set<Socket>();
  let counter = 0;

  /** Processes the delivery once per key; returns it and whether it was a repeat. */
  function processDelivery(record: RecordedWebhookRequest): { delivery: WebhookDelivery | null; duplicate: boolean } {
    const key = record.idempotencyKey;
    if (key === null) return { delivery: null, duplicate: false };
    const seen = byKey.get(key);
    if (seen) return { delivery: seen, duplicate: true };
    let json: unknown = null;
    try {
      json = JSON.parse(record.body);
    } catch {
      // recorded as null
    }
    const delivery: WebhookDelivery = { idempotencyKey: key, requestId: `req-${++counter}`, method: record.method, body: record.body, json };
    byKey.set(key, delivery);
    deliveries.push(delivery);
    return { delivery, duplicate: false };
  }

  function answer(res: http.ServerResponse, record: RecordedWebhookRequest, status: number, headers: Record<string, string> = {}, body = '') {
    if (res.destroyed || res.writableEnded) return;
    record.status = status;
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(body);
  }

  /** Processes (unless `done` already did) and answers 200 with the delivery's request id. */
  function accept(res: http.ServerResponse, record: RecordedWebhookRequest, done = processDelivery(record)) {
    const { delivery, duplicate } = done;
    record.duplicate = duplicate;
    if (!delivery) {
      answer(res, record, 400, {}, JSON.stringify({ error: 'Idempotency-Key header is required' }));
      return;
    }
    answer(res, record, 200, { 'x-request-id': delivery.requestId }, JSON.stringify({ ok: true, duplicate }));
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const header = (name: string) => {
        const value = req.headers[name];
        return typeof value === 'string' ? value : null;
      };
      const record: RecordedWebhookRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body,
        idempotencyKey: header('idempotency-key'),
        signatureValid: secret ? verifyWebhookSignature(secret, header('x-journey-timestamp'), body, header('x-journey-signature')) : false,
        duplicate: false,
        status: 0,
      };
      requests.push(record);

      const fault = faults.shift();
      if (!fault) {
        accept(res, record);
        return;
      }
      switch (fault.kind) {
        case 'status':
          answer(res, record, fault.status, fault.headers, fault.body ?? JSON.stringify({ error: `injected ${fault.status}` }));
          return;
        case 'delay': {
          const done = (fault.processed ?? true) ? processDelivery(record) : null;
          if (done) record.duplicate = done.duplicate;
          const timer = setTimeout(() => {
            timers.delete(timer);
            if (done) accept(res, record, done);
            else answer(res, record, 503, {}, JSON.stringify({ error: 'injected slow 503' }));
          }, fault.ms);
          timers.add(timer);
          return;
        }
        case 'reset':
          if (fault.processed) record.duplicate = processDelivery(record).duplicate;
          req.socket.destroy();
          return;
      }
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}`,
    port,
    requests,
    deliveries,
    failNext(fault, times = 1) {
      for (let i = 0; i < times; i++) faults.push(fault);
    },
    reset() {
      requests.length = 0;
      deliveries.length = 0;
      byKey.clear();
      faults.length = 0;
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
