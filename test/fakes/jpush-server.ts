/**
 * A fake JPush REST API v3 on 127.0.0.1: `GET /v3/push/cid` (issues push ids from the app's pool) and
 * `POST /v3/push`. It verifies HTTP Basic authentication (`AppKey:MasterSecret`) on every request (a
 * wrong or missing one gets JPush's 401 with code 1004 and nothing is pushed), accepts only cids it
 * issued, and deduplicates by cid as JPush does: a second push under a cid that already succeeded gets
 * the first push's msg_id and pushes nothing. Registration ids the test declares dead are unknown to it
 * (a push finding none of its audience gets 1011); faults can be injected per call.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the fake does to a `POST /v3/push` instead of accepting it. */
export type JpushFault =
  /** An error answer with this HTTP status and JPush code (`code` null: a body without one). */
  | { kind: 'error'; status: number; code: number | null; message?: string }
  /** Accepts (and records) the push, then answers only after `ms`. */
  | { kind: 'slow_sent'; ms: number }
  /** Holds the request for `ms`, then answers 503 without pushing. */
  | { kind: 'delay'; ms: number };

/** The parts of a push object the fake reads (the rest is recorded as sent). */
export interface JpushPushBody {
  cid?: unknown;
  audience?: { registration_id?: string[]; alias?: string[] };
  notification?: Record<string, unknown>;
  options?: { third_party_channel?: Record<string, unknown> };
}

/** A push the fake accepted. */
export interface FakeJpushMessage {
  msgId: string;
  cid: string | null;
  payload: JpushPushBody;
  /** The registration ids (known ones) or aliases it reached. */
  reached: string[];
}

export interface RecordedJpushRequest {
  method: string;
  path: string;
  /** Null when the Basic credentials were the app's, else why not. */
  authProblem: string | null;
}

export interface FakeJpush {
  baseUrl: string;
  appKey: string;
  masterSecret: string;
  requests: RecordedJpushRequest[];
  messages: FakeJpushMessage[];
  /** Registration ids JPush no longer knows (the app was uninstalled). */
  dead: Set<string>;
  /** Aliases bound to a device. */
  aliases: Set<string>;
  failNext(fault: JpushFault, times?: number): void;
  reset(): void;
  close(): Promise<void>;
}

export async function startFakeJpush(): Promise<FakeJpush> {
  const appKey = randomUUID().replaceAll('-', '').slice(0, 24);
  const masterSecret = randomUUID().replaceAll('-', '').slice(0, 24);
  const requests: RecordedJpushRequest[] = [];
  const messages: FakeJpushMessage[] = [];
  const dead = new Set<string>();
  const aliases = new Set<string>();
  const pool = new Set<string>();
  /** msg_id of the first successful push under each cid. */
  const pushedUnder = new Map<string, string>();
  let queued: { fault: JpushFault; times: number }[] = [];
  let msgIds = 0;

  function authProblem(header: string | undefined): string | null {
    if (!header?.startsWith('Basic ')) return 'no Basic authorization';
    const [key, ...rest] = Buffer.from(header.slice(6), 'base64').toString('utf8').split(':');
    if (key !== appKey) return 'unknown AppKey';
    if (rest.join(':') !== masterSecret) return 'wrong Master Secret';
    return null;
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const problem = authProblem(req.headers.authorization);
      requests.push({ method: req.method ?? '', path: url.pathname, authProblem: problem });
      const answer = (status: number, json: object) => {
        if (res.destroyed) return;
        res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(json));
      };
      const refuse = (status: number, code: number, message: string) => answer(status, { error: { code, message } });
      if (problem !== null) return refuse(401, 1004, `Authen failed: ${problem}`);
      if (req.method === 'GET' && url.pathname === '/v3/push/cid') {
        const count = Math.min(Math.max(Number(url.searchParams.get('count') ?? 1), 1), 10);
        const cidlist = Array.from({ length: count }, () => `${appKey}-${randomUUID()}`);
        for (const cid of cidlist) pool.add(cid);
        return answer(200, { cidlist });
      }
      if (req.method === 'POST' && url.pathname === '/v3/push') {
        let payload: JpushPushBody;
        try {
          payload = JSON.parse(Buffer.concat(chunks).toString('utf8')) as JpushPushBody;
        } catch {
          return refuse(400, 1003, 'body is not JSON');
        }
        return push(payload, answer, refuse);
      }
      return refuse(404, 1009, `no such API: ${req.method} ${url.pathname}`);
    });
  });

  function push(payload: JpushPushBody, answer: (status: number, json: object) => void, refuse: (status: number, code: number, message: string) => void): void {
    const cid = typeof payload.cid === 'string' ? payload.cid : null;
    if (cid !== null && !pool.has(cid)) return refuse(400, 1003, 'cid is invalid: not issued to this app');
    const first = cid === null ? undefined : pushedUnder.get(cid);
    if (first !== undefined) return answer(200, { sendno: '0', msg_id: first });
    const head = queued[0];
    let fault: JpushFault | null = null;
    if (head) {
      if (--head.times <= 0) queued.shift();
      fault = head.fault;
    }
    if (fault?.kind === 'error') {
      return answer(fault.status, fault.code === null ? { message: fault.message ?? 'fault' } : { error: { code: fault.code, message: fault.message ?? `fault ${fault.code}` } });
    }
    if (fault?.kind === 'delay') {
      setTimeout(() => refuse(503, 1030, 'late'), fault.ms);
      return;
    }
    const audience = payload.audience ?? {};
    const reached = audience.registration_id ? audience.registration_id.filter((id) => !dead.has(id)) : (audience.alias ?? []).filter((a) => aliases.has(a));
    if (reached.length === 0) return refuse(400, 1011, 'cannot find user by this audience');
    const msgId = String(54_043_196 + ++msgIds);
    messages.push({ msgId, cid, payload, reached });
    if (cid !== null) pushedUnder.set(cid, msgId);
    const ok = () => answer(200, { sendno: '0', msg_id: msgId });
    if (fault?.kind === 'slow_sent') setTimeout(ok, fault.ms);
    else ok();
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    appKey,
    masterSecret,
    requests,
    messages,
    dead,
    aliases,
    failNext(fault, times = 1) {
      queued.push({ fault, times });
    },
    reset() {
      requests.length = 0;
      messages.length = 0;
      dead.clear();
      aliases.clear();
      queued = [];
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
