/**
 * A fake Firebase Cloud Messaging HTTP v1 server on 127.0.0.1 speaking the part of the API the real
 * `firebase-admin` SDK uses to send (`POST /v1/projects/{project}/messages:send`), with faults a test
 * can inject per call or per device token. Error bodies have the shape FCM answers with, so the SDK
 * maps them to its own codes (UNREGISTERED -> messaging/registration-token-not-registered, ...).
 *
 * The SDK's FCM URL is fixed (https://fcm.googleapis.com), so the fake hands out `httpAgent`: an agent
 * that claims the `https:` protocol but dials the fake in plain TCP. Pass it to `initializeApp` and call
 * `enableLegacyHttpTransport()` (the default HTTP/2 transport ignores agents).
 */
import { randomBytes } from 'node:crypto';
import http, { type ClientRequestArgs, type IncomingHttpHeaders } from 'node:http';
import net, { type AddressInfo } from 'node:net';

/** What the fake can do to one request instead of accepting it. */
export type FcmFault =
  /** HTTP 500 INTERNAL: nothing sent. */
  | { kind: 'internal' }
  /** HTTP 503 UNAVAILABLE: nothing sent. The SDK itself retries a 503 four times (about 7 s of back-off). */
  | { kind: 'unavailable' }
  /** HTTP 429 RESOURCE_EXHAUSTED / QUOTA_EXCEEDED: nothing sent. */
  | { kind: 'quota_exceeded' }
  /** HTTP 404 NOT_FOUND / UNREGISTERED: the app was uninstalled or the token expired. */
  | { kind: 'unregistered' }
  /** HTTP 400 INVALID_ARGUMENT: the token is not a valid FCM registration token. */
  | { kind: 'invalid_token' }
  /** Holds the request for `ms`, then answers as usual (or with `then`). */
  | { kind: 'delay'; ms: number; then?: FcmFault }
  /** Closes the connection without an answer; with `delivered`, after accepting the message. */
  | { kind: 'hang_up'; delivered?: boolean };

/** One request as the fake received it. */
export interface RecordedFcmRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The project named in the path, if the path is a send. */
  projectId: string | null;
  /** The JSON body, parsed (null when it was not JSON). */
  body: unknown;
  /** `body.message.token`, when present. */
  token: string | null;
  /** The Bearer token matched the fake's access token. */
  authorized: boolean;
  /** The HTTP status answered (0 for a hang-up). */
  status: number;
}

/** A message the fake accepted. */
export interface FakeFcmMessage {
  /** `projects/{p}/messages/{id}`, as answered. */
  name: string;
  token: string;
  notification: { title?: string; body?: string } | null;
  data: Record<string, string> | null;
}

export interface FakeFcm {
  projectId: string;
  /** The access token the fake accepts as `Authorization: Bearer ...`. */
  accessToken: string;
  port: number;
  /** Give this to `initializeApp({ httpAgent })`: it sends https://fcm.googleapis.com requests to the fake. */
  httpAgent: http.Agent;
  /** Every request, in arrival order, including refused ones. */
  requests: RecordedFcmRequest[];
  /** Every message accepted, in order. */
  messages: FakeFcmMessage[];
  /** Applies `fault` to the next `times` send requests, whatever the token. */
  failNext(fault: FcmFault, times?: number): void;
  /** Applies `fault` to every send to `token` (or to the next `times` of them) until reset(). */
  failToken(token: string, fault: FcmFault, times?: number): void;
  /** Forgets the faults (requests and messages stay). */
  clearFaults(): void;
  /** Forgets requests, messages and faults. */
  reset(): void;
  close(): Promise<void>;
}

const FCM_ERROR_TYPE = 'type.googleapis.com/google.firebase.fcm.v1.FcmError';

interface GoogleError {
  code: number;
  message: string;
  status: string;
  details?: object[];
}

/** The error bodies FCM answers with (`{ error: { code, message, status, details } }`). */
const fcmError = (code: number, status: string, message: string, errorCode?: string, extra: object[] = []): GoogleError => ({
  code,
  message,
  status,
  ...(errorCode ? { details: [{ '@type': FCM_ERROR_TYPE, errorCode }, ...extra] } : {}),
});

const ERRORS = {
  internal: () => fcmError(500, 'INTERNAL', 'Internal error encountered.', 'INTERNAL'),
  unavailable: () => fcmError(503, 'UNAVAILABLE', 'The service is currently unavailable.', 'UNAVAILABLE'),
  quota_exceeded: () =>
    fcmError(429, 'RESOURCE_EXHAUSTED', 'Quota exceeded for quota metric of service fcm.googleapis.com.', 'QUOTA_EXCEEDED'),
  unregistered: () => fcmError(404, 'NOT_FOUND', 'Requested entity was not found.', 'UNREGISTERED'),
  invalid_token: () =>
    fcmError(400, 'INVALID_ARGUMENT', 'The registration token is not a valid FCM registration token', 'INVALID_ARGUMENT', [
      {
        '@type': 'type.googleapis.com/google.rpc.BadRequest',
        fieldViolations: [{ field: 'message.token', description: 'Invalid registration token' }],
      },
    ]),
  // Google's front end answers these without FCM details.
  unauthenticated: () =>
    fcmError(
      401,
      'UNAUTHENTICATED',
      'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
    ),
  permission_denied: (project: string) =>
    fcmError(403, 'PERMISSION_DENIED', `Permission 'cloudmessaging.messages.create' denied on resource '//cloudresourcemanager.googleapis.com/projects/${project}' (or it may not exist).`),
  invalid_message: (why: string) => fcmError(400, 'INVALID_ARGUMENT', `Request contains an invalid argument: ${why}`, 'INVALID_ARGUMENT'),
  not_found: () => fcmError(404, 'NOT_FOUND', 'The requested URL was not found on this server.'),
} as const;

const SEND_PATH = /^\/v1\/projects\/([^/]+)\/messages:send$/;

/** An agent that says `https:` (so the SDK's https request accepts it) but connects to `port` on 127.0.0.1 in plain TCP. */
export class LoopbackAgent extends http.Agent {
  readonly protocol = 'https:';

  constructor(private readonly port: number) {
    super({ keepAlive: true });
  }

  override createConnection(_options: ClientRequestArgs): net.Socket {
    return net.connect({ host: '127.0.0.1', port: this.port });
  }
}

/** Why a send body is not a message FCM would take, or null when it is. */
function invalidMessage(body: unknown): string | null {
  const message = (body as { message?: unknown } | null)?.message as Record<string, unknown> | undefined;
  if (!message || typeof message !== 'object') return 'message is required';
  if (typeof message.token !== 'string' || message.token === '') return 'message.token is required';
  const { notification, data } = message as { notification?: Record<string, unknown>; data?: Record<string, unknown> };
  if (notification !== undefined) {
    for (const key of ['title', 'body']) {
      if (notification[key] !== undefined && typeof notification[key] !== 'string') return `message.notification.${key} must be a string`;
    }
  }
  if (data !== undefined) {
    for (const [key, value] of Object.entries(data)) {
      if (typeof value !== 'string') return `message.data.${key} must be a string`;
    }
  }
  return null;
}

/** Starts the fake on a free loopback port. */
export async function startFakeFcm(options: { projectId?: string; accessToken?: string } = {}): Promise<FakeFcm> {
  const projectId = options.projectId ?? 'je-test-project';
  const accessToken = options.accessToken ?? `ya29.fake-${randomBytes(8).toString('hex')}`;
  const requests: RecordedFcmRequest[] = [];
  const messages: FakeFcmMessage[] = [];
  let nextFaults: { fault: FcmFault; left: number }[] = [];
  let tokenFaults = new Map<string, { fault: FcmFault; left: number }>();
  let sequence = 0;

  /** The fault for this send, counting it against its `times`. */
  function takeFault(token: string | null): FcmFault | null {
    const next = nextFaults.find((f) => f.left > 0);
    if (next) {
      next.left--;
      return next.fault;
    }
    const byToken = token === null ? undefined : tokenFaults.get(token);
    if (byToken && byToken.left > 0) {
      byToken.left--;
      return byToken.fault;
    }
    return null;
  }

  function accept(project: string, body: unknown): { name: string } {
    const message = (body as { message: Record<string, unknown> }).message;
    sequence++;
    const name = `projects/${project}/messages/0:${Date.now()}${String(sequence).padStart(6, '0')}%${randomBytes(4).toString('hex')}`;
    messages.push({
      name,
      token: message.token as string,
      notification: (message.notification as FakeFcmMessage['notification']) ?? null,
      data: (message.data as FakeFcmMessage['data']) ?? null,
    });
    return { name };
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void handle(req, res, Buffer.concat(chunks).toString('utf8'));
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, raw: string): Promise<void> {
    let body: unknown = null;
    try {
      body = raw ? JSON.parse(raw) : null;
    } catch {
      body = null;
    }
    const path = req.url ?? '/';
    const project = SEND_PATH.exec(path)?.[1] ?? null;
    const token = (body as { message?: { token?: unknown } } | null)?.message?.token;
    const record: RecordedFcmRequest = {
      method: req.method ?? '',
      path,
      headers: req.headers,
      projectId: project,
      body,
      token: typeof token === 'string' ? token : null,
      authorized: req.headers.authorization === `Bearer ${accessToken}`,
      status: 0,
    };
    requests.push(record);

    const answer = (status: number, json: unknown) => {
      record.status = status;
      res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' });
      res.end(JSON.stringify(json));
    };
    const refuse = (error: GoogleError) => answer(error.code, { error });

    if (req.method !== 'POST' || project === null) return refuse(ERRORS.not_found());
    if (!record.authorized) return refuse(ERRORS.unauthenticated());
    if (project !== projectId) return refuse(ERRORS.permission_denied(project));
    const invalid = invalidMessage(body);
    if (invalid) return refuse(ERRORS.invalid_message(invalid));

    let fault = takeFault(record.token);
    while (fault?.kind === 'delay') {
      const { ms, then } = fault;
      await new Promise((resolve) => setTimeout(resolve, ms));
      fault = then ?? null;
    }
    if (fault === null) return answer(200, accept(project, body));
    if (fault.kind === 'hang_up') {
      if (fault.delivered) accept(project, body);
      req.socket.destroy();
      return;
    }
    return refuse(ERRORS[fault.kind]());
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const httpAgent = new LoopbackAgent(port);

  return {
    projectId,
    accessToken,
    port,
    httpAgent,
    requests,
    messages,
    failNext(fault, times = 1) {
      nextFaults.push({ fault, left: times });
    },
    failToken(token, fault, times = Number.POSITIVE_INFINITY) {
      tokenFaults.set(token, { fault, left: times });
    },
    clearFaults() {
      nextFaults = [];
      tokenFaults = new Map();
    },
    reset() {
      requests.length = 0;
      messages.length = 0;
      nextFaults = [];
      tokenFaults = new Map();
    },
    async close() {
      httpAgent.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}
