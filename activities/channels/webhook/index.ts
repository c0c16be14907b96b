/**
 * The webhook channel: carries out `webhook` actions by calling the canvas's HTTP endpoint (a CRM
 * lead intake, a partner's system) with a signed JSON body, and turns the answer into the ledger's
 * vocabulary (sent, permanent, transient, unknown). See "Webhooks" in docs/channels.md.
 *
 * The contract with receivers: every request carries `Idempotency-Key` (the ledger's key, the same
 * on every try of one touch), and a receiver MUST treat a second request with a key it has already
 * processed as a repeat (answer 2xx, do nothing again). That is what lets this channel resend after
 * an unknown outcome (see lookup below) and still have the effect happen exactly once.
 */
import { BUILTIN_ACTIONS } from '../../../engine/actions.js';
import { PermanentChannelError, TransientChannelError, type ActionChannel, type ChannelContext } from '../../../core/channels/channel.js';
import { webhookUrlRefusal } from '../../../engine/webhook-target.js';
import { ForbiddenTargetError, guardedFetch, type ResolveAll } from './guarded-fetch.js';
import { signWebhook } from './signature.js';

export { DEFAULT_TOLERANCE_SECONDS, signWebhook, verifyWebhookSignature } from './signature.js';

export interface WebhookOptions {
  /** Signing secret (JE_WEBHOOK_SECRET): the HMAC key of `X-Journey-Signature`. */
  secret: string;
  /** Per-request timeout (connect, send, answer); keep it under the touch activities' 30 s start-to-close. Default 10 s. */
  timeoutMs?: number;
  /**
   * Hosts that may be called although they are not public or use http:// (JE_WEBHOOK_ALLOWED_HOSTS).
   * Every other URL must be https:// and resolve to public addresses only (see guarded-fetch.ts).
   */
  allowedHosts?: readonly string[];
  /** Replaces the guarded transport (tests of error handling). */
  fetchImpl?: typeof fetch;
  /** Replaces the system resolver of the guarded transport (tests: a name that resolves to a private address). */
  resolve?: ResolveAll;
}

export const WEBHOOK_PROVIDER = 'webhook';

/** Headers the channel sets itself: a canvas's `headers` cannot replace them. */
const SIGNED_HEADERS = ['content-type', 'idempotency-key', 'x-journey-timestamp', 'x-journey-signature'];
/** Headers that belong to the transport: a canvas's values for them are dropped. */
const TRANSPORT_HEADERS = ['host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'te', 'trailer', 'expect'];
const RESERVED_HEADERS = new Set([...SIGNED_HEADERS, ...TRANSPORT_HEADERS]);

/** 408 Request Timeout, 425 Too Early, 429 Too Many Requests: the receiver refused to process the request now. */
const TRANSIENT_4XX = new Set([408, 425, 429]);

/** Errors raised while connecting, i.e. before a byte of the request left: nothing can have been processed. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

/** The URL without query or fragment (they may carry tokens): for messages and the ledger's recipient. */
function describeUrl(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

function errorCodeOf(err: unknown): string | undefined {
  const cause = (err as { cause?: unknown } | null)?.cause;
  const code = (cause as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Builds the `webhook` channel. */
export function createWebhookChannel(opts: WebhookOptions): ActionChannel {
  if (typeof opts.secret !== 'string' || opts.secret.length === 0) {
    throw new Error('the webhook channel needs a signing secret (JE_WEBHOOK_SECRET)');
  }
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const allowedHosts = opts.allowedHosts ?? [];
  const fetchImpl = opts.fetchImpl ?? guardedFetch(allowedHosts, opts.resolve);

  /** The URL, checked again at send time (a canvas published before the rule, or an allow-list since shortened). */
  function targetOf(params: Record<string, unknown>): URL {
    const refused = webhookUrlRefusal(params.url, allowedHosts);
    if (refused) throw new PermanentChannelError(refused.code, `the webhook URL ${refused.message}`);
    return new URL(String(params.url));
  }

  function headersOf(ctx: ChannelContext, body: string): Headers {
    const headers = new Headers();
    const extra = ctx.params.headers;
    if (extra !== undefined && extra !== null) {
      if (typeof extra !== 'object' || Array.isArray(extra)) {
        throw new PermanentChannelError('invalid_headers', 'the webhook headers must be an object of header names to string values');
      }
      for (const [name, value] of Object.entries(extra as Record<string, unknown>)) {
        if (RESERVED_HEADERS.has(name.toLowerCase())) continue;
        try {
          headers.set(name, String(value));
        } catch {
          throw new PermanentChannelError('invalid_headers', `the webhook header "${name}" has an invalid name or value`);
        }
      }
    }
    // Set last, so nothing the canvas gave can stand in their place.
    const timestamp = Math.floor(Date.now() / 1000);
    headers.set('Content-Type', 'application/json');
    headers.set('Idempotency-Key', ctx.idempotencyKey);
    headers.set('X-Journey-Timestamp', String(timestamp));
    headers.set('X-Journey-Signature', signWebhook(opts.secret, timestamp, body));
    return headers;
  }

  /** The receiver's answer body, shortened, for the failure message (best effort). */
  async function excerpt(res: Response): Promise<string> {
    try {
      const text = (await res.text()).replace(/\s+/g, ' ').trim();
      return text ? `: ${text.length > 200 ? `${text.slice(0, 200)}...` : text}` : '';
    } catch {
      return '';
    }
  }

  return {
    action: 'webhook',
    kind: 'touch',
    spec: BUILTIN_ACTIONS.webhook,
    async execute(ctx) {
      const url = targetOf(ctx.params);
      const method = ctx.params.method === 'PUT' ? 'PUT' : 'POST';
      const { request } = ctx;
      // Serialized once: the signature covers exactly these bytes. Every try of a touch sends the same body.
      const body = JSON.stringify({
        journey: { id: request.journeyId, versionId: request.versionId, name: request.journeyName },
        enrollmentId: request.enrollmentId,
        nodeId: request.nodeId,
        customerId: ctx.customer.id,
        data: ctx.params.body ?? null,
      });
      const headers = headersOf(ctx, body);
      const target = `${method} ${describeUrl(url)}`;

      let res: Response;
      try {
        // Redirects are not followed: the signed request would be re-sent (or turned into a GET) elsewhere.
        res = await fetchImpl(url, { method, headers, body, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
      } catch (err) {
        const cause = (err as { cause?: unknown } | null)?.cause;
        if (cause instanceof ForbiddenTargetError) {
          // Refused while connecting, after DNS resolution: nothing was sent.
          throw new PermanentChannelError('forbidden_target', `webhook ${target}: ${cause.message} (an operator can allow the host with JE_WEBHOOK_ALLOWED_HOSTS)`);
        }
        const code = errorCodeOf(err);
        if (code && NOT_SENT_CODES.has(code)) {
          // The connection was never made (refused, or the name did not resolve): nothing was sent.
          throw new TransientChannelError('unreachable', `webhook ${target} is unreachable (${code})`);
        }
        // A timeout, a reset or anything else once the request may have left: the receiver may have
        // processed it. Not a channel error: the ledger keeps the row `sending`, and the next try
        // (lookup() answers null) sends again under the same Idempotency-Key for the receiver to dedup.
        const reason = (err as Error)?.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : `${(err as Error)?.message ?? String(err)}${code ? ` (${code})` : ''}`;
        throw new Error(`webhook ${target}: ${reason}; outcome unknown, the next try resends with the same Idempotency-Key`, { cause: err });
      }

      const status = res.status;
      if (status >= 200 && status < 300) {
        await res.body?.cancel().catch(() => undefined);
        return {
          provider: WEBHOOK_PROVIDER,
          providerMessageId: res.headers.get('x-request-id') || `webhook-${status}`,
          recipient: describeUrl(url),
        };
      }
      const detail = `webhook ${target} answered ${status}${await excerpt(res)}`;
      if (TRANSIENT_4XX.has(status) || status >= 500) {
        // The receiver said it did not process the request now; the retry carries the same
        // Idempotency-Key, so even a receiver that did part of the work dedups it.
        throw new TransientChannelError(`http_${status}`, detail);
      }
      if (status >= 300 && status < 400) {
        throw new PermanentChannelError(`http_${status}`, `${detail} (a redirect, which is not followed: use the final URL in the canvas)`);
      }
      // Any other answer (4xx): the receiver refused this request; sending it again cannot help.
      throw new PermanentChannelError(`http_${status}`, detail);
    },
    /**
     * Always null: we keep no record of what a receiver processed, and receivers offer no way to
     * ask. Null tells the ledger "not known to have been sent, safe to send again", which is true
     * here only because of the webhook contract: receivers MUST dedup by Idempotency-Key. A try that
     * timed out or lost its connection mid-request is therefore re-sent with the same key, and the
     * receiver answers the repeat without acting twice: exactly one effect, where a channel without
     * lookup would record `unknown` and might have delivered nothing at all.
     */
    async lookup() {
      return null;
    },
  };
}
