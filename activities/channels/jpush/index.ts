/**
 * The JPush channel (`jpush`, 极光推送): a notification to the customer's app through JPush's REST API
 * v3 with a plain HTTP client (the official Node SDK hard-codes its hosts). Android pushes reach
 * mainland China phones through the vendor channels (Huawei, Honor, Xiaomi, OPPO, vivo) with the
 * classification each vendor requires. Exactly once through JPush's `cid`: a push id obtained before
 * the first try and kept, so every later try of the touch pushes under the same cid and JPush drops it.
 */
import type { DataSource } from 'typeorm';
import { BUILTIN_ACTIONS, type ActionSpec } from '../../../engine/actions.js';
import type { Logger } from '../../../observability/logger.js';
import { PermanentChannelError, type ActionChannel, type ChannelContext } from '../../../core/channels/channel.js';
import { CustomersRepository } from '../../../store/customers.repository.js';
import { JpushCidsRepository } from '../../../store/jpush-cids.repository.js';
import { jpushRefusal } from './outcome.js';
import { pushPayload, type JpushAudience, type VendorChannelIds } from './payload.js';

export const JPUSH_ACTION = 'jpush';
/** The ledger's `provider` of JPush pushes; the provider message id is JPush's `msg_id`. */
export const JPUSH_PROVIDER = 'jpush';
/** The profile trait holding the app's JPush registration ids (one per device). */
export const REGISTRATION_IDS_TRAIT = 'jpush_registration_ids';
/** The profile trait holding the alias the app bound to the customer; default: the customer id. */
export const ALIAS_TRAIT = 'jpush_alias';

/** The `push` action's title, body and data params: a JPush notification takes the same. */
const PUSH_PARAMS = (BUILTIN_ACTIONS.push.paramsSchema as { properties: Record<string, object> }).properties;

export const JPUSH_SPEC: ActionSpec = {
  description: "Send an app push notification through JPush (极光推送) to the customer's devices, via the phone vendors' channels in mainland China.",
  paramsSchema: {
    type: 'object',
    required: ['title', 'body'],
    additionalProperties: false,
    properties: {
      ...PUSH_PARAMS,
      audience: {
        enum: ['registration_id', 'alias'],
        description: `registration_id (default): the devices in the customer's ${REGISTRATION_IDS_TRAIT} trait; alias: the alias the app bound to the customer (${ALIAS_TRAIT}, else the customer id).`,
      },
    },
  },
  templateParams: ['title', 'body'],
  profileNeeds: { trait: REGISTRATION_IDS_TRAIT, unlessParam: 'audience' },
  consentKind: 'push',
};

/** How the channel reaches JPush. */
export interface JpushOptions {
  db: DataSource;
  appKey: string;
  masterSecret: string;
  /** API origin, default `https://api.jpush.cn`; tests point it at a fake (`http://127.0.0.1:port`). */
  baseUrl?: string;
  /** Xiaomi and OPPO channel ids by `vendor.category` (JPUSH_VENDOR_CHANNELS). */
  vendorChannels?: VendorChannelIds;
  /** Per-request timeout; under the touch activities' 30 s start-to-close. Default 10 s. */
  timeoutMs?: number;
  /** Where a failed clean-up of dead registration ids is reported. */
  logger?: Pick<Logger, 'warn'>;
}

/** JPush honours a cid for one day; a kept cid older than this is not trusted to deduplicate any more. */
export const CID_WINDOW_MS = 23 * 3_600_000;
/** JPush's limit of registration ids per push. */
const MAX_REGISTRATION_IDS = 1000;

/** Whom the touch goes to. */
function audienceOf({ customer, params }: ChannelContext): JpushAudience {
  if (params.audience === 'alias') {
    const alias = customer.traits[ALIAS_TRAIT];
    return { alias: [typeof alias === 'string' && alias.trim() !== '' ? alias.trim() : customer.id] };
  }
  const raw = customer.traits[REGISTRATION_IDS_TRAIT];
  const ids = Array.isArray(raw) ? [...new Set(raw.filter((t): t is string => typeof t === 'string' && t.trim() !== ''))] : [];
  if (ids.length === 0) {
    throw new PermanentChannelError('no_recipient', `customer ${customer.id} has no ${REGISTRATION_IDS_TRAIT}: the app has not registered a device with JPush`);
  }
  return { registration_id: ids.slice(-MAX_REGISTRATION_IDS) };
}

/** The app's extras: the node's `data` plus the ids the app reports an open with (set last: a canvas cannot spoof them). */
function extrasOf({ params, request }: ChannelContext): Record<string, string> {
  const extras: Record<string, string> = {};
  for (const [key, value] of Object.entries((params.data ?? {}) as Record<string, unknown>)) {
    extras[key] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  extras.journey_id = request.journeyId;
  extras.enrollment_id = request.enrollmentId;
  extras.node_id = request.nodeId;
  return extras;
}

/** Whom the touch reaches, in words (the ledger's recipient). */
function describe(audience: JpushAudience): string {
  if ('alias' in audience) return `alias ${audience.alias[0]}`;
  const n = audience.registration_id.length;
  return `${n} registration id${n === 1 ? '' : 's'}`;
}

/** The recipient of a touch (refusing a customer without devices), for the recording stand-in. */
export const jpushRecipientOf = (ctx: ChannelContext): string => describe(audienceOf(ctx));

interface JpushAnswer {
  status: number;
  body: Record<string, unknown>;
}

/** Builds the `jpush` channel on a JPush application. */
export function createJpushChannel(opts: JpushOptions): ActionChannel {
  const origin = (opts.baseUrl ?? 'https://api.jpush.cn').replace(/\/+$/, '');
  const authorization = `Basic ${Buffer.from(`${opts.appKey}:${opts.masterSecret}`).toString('base64')}`;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const cids = new JpushCidsRepository(opts.db);
  const customers = new CustomersRepository(opts.db);

  /** One call; a network error or timeout is thrown as is (outcome unknown). */
  async function call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<JpushAnswer> {
    let res: Response;
    let text: string;
    try {
      res = await fetch(`${origin}${path}`, {
        method,
        headers: { authorization, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await res.text();
    } catch (err) {
      // No answer: JPush may have the push. A plain Error leaves the ledger row `sending`.
      throw new Error(`JPush gave no answer to ${method} ${path}: ${(err as Error).message}`, { cause: err });
    }
    let parsed: unknown = null;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = null;
    }
    return { status: res.status, body: (typeof parsed === 'object' && parsed !== null ? parsed : { text }) as Record<string, unknown> };
  }

  function refusal(answer: JpushAnswer, audience: 'registration_id' | 'alias') {
    const error = (answer.body.error ?? {}) as { code?: unknown; message?: unknown };
    const code = typeof error.code === 'number' ? error.code : null;
    return jpushRefusal(answer.status, code, typeof error.message === 'string' ? error.message : String(answer.body.text ?? 'no message'), audience);
  }

  /** The cid the touch pushes under: the one kept by an earlier try, else a new one from JPush's pool, kept first. */
  async function cidFor(idempotencyKey: string): Promise<string> {
    const kept = await cids.cidOf(idempotencyKey);
    if (kept) {
      if (Date.now() - kept.issuedAt.getTime() > CID_WINDOW_MS) {
        throw new PermanentChannelError(
          'outcome_unknown',
          `an earlier try may have pushed this message, and its JPush cid (issued ${kept.issuedAt.toISOString()}) is past JPush's one-day window; not pushed again`,
        );
      }
      return kept.cid;
    }
    const answer = await call('GET', '/v3/push/cid?count=1&type=push');
    const list = answer.body.cidlist;
    if (answer.status !== 200 || !Array.isArray(list) || typeof list[0] !== 'string') throw refusal(answer, 'registration_id').failure;
    return (await cids.keep(idempotencyKey, list[0])).cid;
  }

  async function removeDead(customerId: string, ids: string[]): Promise<void> {
    try {
      await customers.removeListValues(customerId, REGISTRATION_IDS_TRAIT, ids);
    } catch (err) {
      opts.logger?.warn('jpush: could not remove dead registration ids from the profile', { customerId, count: ids.length, error: (err as Error).message });
    }
  }

  return {
    action: JPUSH_ACTION,
    kind: 'touch',
    spec: JPUSH_SPEC,
    async execute(ctx) {
      const audience = audienceOf(ctx);
      const cid = await cidFor(ctx.idempotencyKey);
      const payload = pushPayload({
        cid,
        audience,
        title: String(ctx.params.title),
        body: String(ctx.params.body),
        extras: extrasOf(ctx),
        category: ctx.request.category,
        channelIds: opts.vendorChannels,
      });
      const answer = await call('POST', '/v3/push', payload);
      const msgId = answer.body.msg_id;
      if (answer.status === 200 && (typeof msgId === 'string' || typeof msgId === 'number')) {
        return { provider: JPUSH_PROVIDER, providerMessageId: String(msgId), recipient: describe(audience) };
      }
      const { failure, deadAudience } = refusal(answer, 'alias' in audience ? 'alias' : 'registration_id');
      if (deadAudience && 'registration_id' in audience) await removeDead(ctx.customer.id, audience.registration_id);
      throw failure;
    },
    /**
     * Settles a try whose answer was lost. JPush offers no look-up by our key, but it needs none: the
     * cid kept for the touch makes pushing again safe (JPush answers the first push's msg_id and sends
     * nothing within a day of the cid's issue), so "not found" tells the ledger to push again under it.
     * Without a kept cid, the earlier try never reached the push (the cid is kept before it).
     */
    async lookup() {
      return null;
    },
  };
}
