/**
 * A fake Twilio REST server on 127.0.0.1 speaking the part of the Messages API the real `twilio` SDK
 * uses to send an SMS and to list sent messages (the channel's lookup), with faults a test can inject
 * per call or per recipient, plus a helper that posts signed status callbacks and inbound messages the
 * way Twilio does.
 */
import { randomBytes } from 'node:crypto';
import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import twilio from 'twilio';

/** What the fake can do to one request instead of accepting it. */
export type TwilioFault =
  /** HTTP 500, code 20500: nothing sent. */
  | { kind: 'server_error' }
  /** HTTP 429, code 20429: nothing sent. */
  | { kind: 'rate_limited' }
  /** Holds the request for `ms` and then answers 500: nothing sent, but a client with a shorter timeout gives up first. */
  | { kind: 'delay'; ms: number }
  /** HTTP 400, code 21211: the 'To' number is not a valid phone number. */
  | { kind: 'invalid_number' }
  /** HTTP 400, code 21610: the recipient replied STOP to this sender. */
  | { kind: 'unsubscribed' }
  /** Accepts (and records) the message, then answers 201 only after `ms`. */
  | { kind: 'slow_sent'; ms: number };

/** One request as the fake received it. */
export interface RecordedTwilioRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The query string, parsed (a list request's filters). */
  query: Record<string, string>;
  /** The form-encoded body, parsed. */
  form: Record<string, string>;
  /** The HTTP Basic credentials matched the account's. */
  authorized: boolean;
}

/** A message the fake accepted: the resource it answered (or would answer) with. */
export interface FakeTwilioMessage {
  sid: string;
  account_sid: string;
  to: string;
  from: string | null;
  messaging_service_sid: string | null;
  body: string;
  status: string;
  status_callback: string | null;
}

export interface FakeTwilio {
  /** Give this to the SDK (`client.api.baseUrl`). */
  baseUrl: string;
  accountSid: string;
  authToken: string;
  /** Every request, in arrival order, including refused ones and list (GET) requests. */
  requests: RecordedTwilioRequest[];
  /** Every message accepted (sent), in order. */
  messages: FakeTwilioMessage[];
  /** Messages accepted but not answered yet (only with `latencyMs`): sends in flight. */
  readonly inFlight: number;
  /** Applies `fault` to the next `times` Messages requests (whatever the recipient). */
  failNext(fault: TwilioFault, times?: number): void;
  /** Applies `fault` to every Messages request to `to` until reset(). */
  failRecipient(to: string, fault: TwilioFault): void;
  /** Forgets the faults set by failNext and failRecipient (the provider recovers); keeps requests and messages. */
  clearFaults(): void;
  /** Forgets requests, messages and faults. */
  reset(): void;
  close(): Promise<void>;
}

const ERRORS = {
  server_error: { status: 500, code: 20500, message: 'Internal Server Error' },
  rate_limited: { status: 429, code: 20429, message: 'Too Many Requests' },
  invalid_number: { status: 400, code: 21211, message: "The 'To' number is not a valid phone number." },
  unsubscribed: { status: 400, code: 21610, message: 'Attempt to send to unsubscribed recipient' },
  auth: { status: 401, code: 20003, message: 'Authenticate' },
  not_found: { status: 404, code: 20404, message: 'The requested resource was not found' },
  missing_to: { status: 400, code: 21604, message: "A 'To' phone number is required." },
  missing_body: { status: 400, code: 21602, message: 'Message body is required.' },
  missing_from: { status: 400, code: 21603, message: "A 'From' phone number is required." },
} as const;

const MESSAGES_PATH = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/;

/** `date` the way Twilio writes `date_created`: RFC 2822 with a numeric zone, e.g. "Tue, 04 Mar 2025 10:00:00 +0000". */
export const rfc2822 = (date: Date): string => date.toUTCString().replace(/GMT$/, '+0000');

/** A fresh `SM` + 32 hex message sid. */
export const messageSid = (): string => `SM${randomBytes(16).toString('hex')}`;

export interface FakeTwilioOptions {
  accountSid?: string;
  authToken?: string;
  /**
   * Latency of every send without a fault: the message is accepted (recorded) on arrival and the 201
   * is answered `latencyMs` later, so a client killed meanwhile has sent it without learning so.
   */
  latencyMs?: number;
}

export async function startFakeTwilio(opts: FakeTwilioOptions = {}): Promise<FakeTwilio> {
  const accountSid = opts.accountSid ?? `AC${randomBytes(16).toString('hex')}`;
  const authToken = opts.authToken ?? randomBytes(16).toString('hex');
  const requests: RecordedTwilioRequest[] = [];
  const messages: FakeTwilioMessage[] = [];
  let nextFaults: TwilioFault[] = [];
  const recipientFaults = new Map<string, TwilioFault>();
  /** When each accepted message was created (by sid): its `date_created`, and `date_sent` in lists. */
  const createdAt = new Map<string, Date>();
  const timers = new Set<NodeJS.Timeout>();
  let inFlight = 0;

  const later = (ms: number, fn: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  };

  const send = (res: http.ServerResponse, status: number, body: unknown) => {
    // The client may have given up (timeout) and closed the socket already.
    if (res.destroyed || res.writableEnded) return;
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const sendError = (res: http.ServerResponse, error: { status: number; code: number; message: string }) =>
    send(res, error.status, { ...error, more_info: `https://www.twilio.com/docs/errors/${error.code}` });

  const authorized = (headers: IncomingHttpHeaders, pathSid: string | undefined) => {
    const header = headers.authorization ?? '';
    if (!header.startsWith('Basic ')) return false;
    const [user, ...rest] = Buffer.from(header.slice(6), 'base64').toString('utf8').split(':');
    return user === accountSid && rest.join(':') === authToken && pathSid === accountSid;
  };

  const accept = (form: Record<string, string>): FakeTwilioMessage => {
    const message: FakeTwilioMessage = {
      sid: messageSid(),
      account_sid: accountSid,
      to: form.To,
      from: form.From ?? null,
      messaging_service_sid: form.MessagingServiceSid ?? null,
      body: form.Body,
      status: 'queued',
      status_callback: form.StatusCallback ?? null,
    };
    messages.push(message);
    createdAt.set(message.sid, new Date());
    return message;
  };

  const resource = (m: FakeTwilioMessage, listed = false) => {
    // RFC 2822 dates, as Twilio writes them ("Tue, 04 Mar 2025 10:00:00 +0000").
    const created = rfc2822(createdAt.get(m.sid) ?? new Date());
    return {
      ...m,
      api_version: '2010-04-01',
      date_created: created,
      date_updated: created,
      // The fake hands a message to the carrier at once: in a list, it has been sent when it was created.
      date_sent: listed ? created : null,
      direction: 'outbound-api',
      error_code: null,
      error_message: null,
      num_media: '0',
      num_segments: '1',
      price: null,
      price_unit: 'USD',
      uri: `/2010-04-01/Accounts/${accountSid}/Messages/${m.sid}.json`,
      subresource_uris: { media: `/2010-04-01/Accounts/${accountSid}/Messages/${m.sid}/Media.json` },
    };
  };

  /**
   * `GET .../Messages.json`: Twilio's list, newest first, filtered by `To`, `From` and `DateSent>`
   * (Twilio's "on or after this day": only the date part counts, in UTC), at most `PageSize` (default
   * 50) messages on a single page (`next_page_uri: null`; the fake does not page).
   */
  const list = (res: http.ServerResponse, path: string, query: URLSearchParams) => {
    const to = query.get('To');
    const from = query.get('From');
    const after = query.get('DateSent>');
    const sinceDay = after ? Date.parse(`${after.slice(0, 10)}T00:00:00Z`) : Number.NaN;
    const pageSize = Math.min(Math.max(Number(query.get('PageSize') ?? 50) || 50, 1), 1000);
    const found = messages
      .filter((m) => (to === null || m.to === to) && (from === null || m.from === from))
      .filter((m) => Number.isNaN(sinceDay) || (createdAt.get(m.sid)?.getTime() ?? 0) >= sinceDay)
      .reverse()
      .slice(0, pageSize);
    const uri = `${path}?${query.toString()}`;
    send(res, 200, {
      messages: found.map((m) => resource(m, true)),
      page: 0,
      page_size: pageSize,
      start: 0,
      end: Math.max(found.length - 1, 0),
      uri,
      first_page_uri: uri,
      next_page_uri: null,
      previous_page_uri: null,
    });
  };

  const handle = (req: http.IncomingMessage, res: http.ServerResponse, raw: string) => {
    const [path, search = ''] = (req.url ?? '/').split('?');
    const form = Object.fromEntries(new URLSearchParams(raw));
    const match = MESSAGES_PATH.exec(path);
    const ok = authorized(req.headers, match?.[1]);
    const query = new URLSearchParams(search);
    requests.push({ method: req.method ?? '', path, headers: req.headers, query: Object.fromEntries(query), form, authorized: ok });

    if (match && req.method === 'GET') return ok ? list(res, path, query) : sendError(res, ERRORS.auth);
    if (!match || req.method !== 'POST') return sendError(res, ERRORS.not_found);
    if (!ok) return sendError(res, ERRORS.auth);
    if (!form.To) return sendError(res, ERRORS.missing_to);
    if (!form.Body) return sendError(res, ERRORS.missing_body);
    if (!form.From && !form.MessagingServiceSid) return sendError(res, ERRORS.missing_from);

    const fault = nextFaults.shift() ?? recipientFaults.get(form.To);
    if (!fault && opts.latencyMs) {
      const message = accept(form);
      inFlight++;
      return later(opts.latencyMs, () => {
        inFlight--;
        send(res, 201, resource(message));
      });
    }
    if (!fault) return send(res, 201, resource(accept(form)));
    switch (fault.kind) {
      case 'delay':
        return later(fault.ms, () => sendError(res, ERRORS.server_error));
      case 'slow_sent': {
        const message = accept(form);
        return later(fault.ms, () => send(res, 201, resource(message)));
      }
      default:
        return sendError(res, ERRORS[fault.kind]);
    }
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}`,
    accountSid,
    authToken,
    requests,
    messages,
    get inFlight() {
      return inFlight;
    },
    failNext(fault, times = 1) {
      for (let i = 0; i < times; i++) nextFaults.push(fault);
    },
    failRecipient(to, fault) {
      recipientFaults.set(to, fault);
    },
    clearFaults() {
      nextFaults = [];
      recipientFaults.clear();
    },
    reset() {
      requests.length = 0;
      messages.length = 0;
      createdAt.clear();
      nextFaults = [];
      recipientFaults.clear();
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}

/** What a signed callback post got back. */
export interface CallbackResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Posts `params` form-encoded to `url` as Twilio posts status callbacks and inbound messages, signed
 * with `authToken` over `signedUrl` (default: `url`; pass the public URL when the app sits behind a
 * proxy). `signature: null` sends no signature header; a string sends that one instead.
 */
export async function postTwilioCallback(
  url: string,
  authToken: string,
  params: Record<string, string>,
  opts: { signedUrl?: string; signature?: string | null } = {},
): Promise<CallbackResponse> {
  const signature =
    opts.signature === undefined ? twilio.getExpectedTwilioSignature(authToken, opts.signedUrl ?? url, params) : opts.signature;
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' };
  if (signature !== null) headers['x-twilio-signature'] = signature;
  const res = await fetch(url, { method: 'POST', headers, body: new URLSearchParams(params).toString() });
  return { status: res.status, headers: Object.fromEntries(res.headers), body: await res.text() };
}
