/**
 * The Twilio SMS channel: carries out `sms` actions through Twilio's Messages API with the official
 * SDK, turns Twilio's answers into the ledger's vocabulary (sent, permanent, transient, unknown), and
 * finds a send whose answer was lost (lookup) by listing the recipient's messages at Twilio.
 */
import twilio from 'twilio';
import type { DataSource } from 'typeorm';
import { BUILTIN_ACTIONS } from '../../../engine/actions.js';
import { PermanentChannelError, TransientChannelError, type ActionChannel, type ChannelContext } from '../../../core/channels/channel.js';
import { hasOptedOutOfSms } from './consent.js';
import { CustomersRepository } from '../../../store/customers.repository.js';
import { SendLedgerRepository } from '../../../store/send-ledger.repository.js';

/** How the channel reaches Twilio. Exactly one of `from` and `messagingServiceSid` is needed. */
export interface TwilioSmsOptions {
  db: DataSource;
  accountSid: string;
  authToken: string;
  /** Sender number (E.164). */
  from?: string;
  /** Messaging Service to send from (Twilio picks the number); wins over `from`. */
  messagingServiceSid?: string;
  /** Public URL of `POST /v1/providers/twilio/status`, so delivery reports reach the ledger. */
  statusCallbackUrl?: string;
  /** Twilio API origin; tests point it at a fake. Default: Twilio's. */
  baseUrl?: string;
  /** Per-request timeout; keep it under the touch activities' 30 s start-to-close. Default 10 s. */
  timeoutMs?: number;
}

export const TWILIO_PROVIDER = 'twilio';

/** Twilio error codes that mean the number itself is unusable: retrying cannot help. */
const INVALID_NUMBER_CODES = new Set([
  21211, // invalid 'To' phone number
  21614, // 'To' is not a mobile number
  21217, // phone number does not appear to be valid
]);
/** The recipient replied STOP to our sender: Twilio refuses every message until they reply START. */
const OPTED_OUT_CODE = 21610;
const BAD_CREDENTIALS_CODE = 20003;

const E164 = /^\+[1-9]\d{6,14}$/;

/** How far before the ledger row's first claim a matching message may have been created (clock skew, second-granular dates). */
const LOOKUP_MARGIN_MS = 60_000;
/** The most messages to the recipient, newest first, that lookup reads from Twilio. */
const LOOKUP_LIMIT = 100;

/** Builds the `sms` channel on a Twilio account. */
export function createTwilioSmsChannel(opts: TwilioSmsOptions): ActionChannel {
  if (!opts.from && !opts.messagingServiceSid) {
    throw new Error('the Twilio SMS channel needs a sender: set `from` (an E.164 number) or `messagingServiceSid`');
  }
  // autoRetry stays off: the SDK would retry 429s inside one try, hiding them from the ledger's retry policy.
  const client = twilio(opts.accountSid, opts.authToken, { timeout: opts.timeoutMs ?? 10_000, autoRetry: false });
  // The API domain reads baseUrl on every request, so this is all it takes to aim the SDK at a fake.
  if (opts.baseUrl) client.api.baseUrl = opts.baseUrl;
  const sender = opts.messagingServiceSid ? { messagingServiceSid: opts.messagingServiceSid } : { from: opts.from };

  function recipientOf({ customer }: ChannelContext): string {
    const phone = customer.traits.phone;
    if (typeof phone !== 'string' || phone.trim() === '') {
      throw new PermanentChannelError('no_recipient', `customer ${customer.id} has no phone trait`);
    }
    if (!E164.test(phone.trim())) {
      throw new PermanentChannelError('invalid_number', `customer ${customer.id} has phone "${phone}", which is not an E.164 number like +8613800000000`);
    }
    return phone.trim();
  }

  return {
    action: 'sms',
    kind: 'touch',
    spec: BUILTIN_ACTIONS.sms,
    async execute(ctx) {
      const to = recipientOf(ctx);
      if (hasOptedOutOfSms(ctx.customer.traits)) {
        throw new PermanentChannelError('opted_out', `customer ${ctx.customer.id} has opted out of SMS (consent.sms is false)`);
      }
      try {
        const message = await client.messages.create({
          to,
          body: String(ctx.params.body),
          ...sender,
          ...(opts.statusCallbackUrl ? { statusCallback: opts.statusCallbackUrl } : {}),
        });
        return { provider: TWILIO_PROVIDER, providerMessageId: message.sid, recipient: to };
      } catch (err) {
        throw await classify(err, ctx, to, opts.db);
      }
    },
    /**
     * Finds the message an earlier try of `idempotencyKey` sent but never heard back about (it timed
     * out, or its worker died). Twilio's Messages API takes no idempotency key, so the send is found
     * by content: among the messages Twilio lists for the recipient, one with exactly our To, Body and
     * sender (From, or the Messaging Service) created at or after the ledger row's first claim minus
     * a minute, and not already recorded on another ledger row. The To, Body and claim time come from
     * the ledger row (`request` holds the rendered params) and the customer's `phone` trait.
     *
     * Residual risks (docs/channels.md, "The Twilio lookup"):
     * - A match is by content. Two identical bodies to one number under one key are one message by
     *   construction (the key is enrollment + node + visit, and only one try of a key is in flight),
     *   but an identical body to the same number from ANOTHER journey, still in flight (not yet
     *   recorded in the ledger) within the window, could be taken for ours: ours is then skipped
     *   (at most once), never duplicated.
     * - Twilio's list is eventually consistent for a few seconds; lookup only runs when a later try
     *   finds the row `sending`, i.e. after the touch activities' 30 s start-to-close timeout.
     * - A body Twilio stores differently from what we sent (Smart Encoding, appended opt-out text), a
     *   body rendered differently by a later try than by the first claim (`request` is written once),
     *   or a `phone` trait changed since the send, is not found: that one message is sent again.
     * A failure to list (network, 5xx) is thrown: the row stays `sending` and a later try asks again.
     */
    async lookup(idempotencyKey) {
      const ledger = new SendLedgerRepository(opts.db);
      const row = await ledger.smsClaimOf(idempotencyKey);
      const to = row?.phone?.trim();
      // No ledger row, no body or no usable number: execute() never reached Twilio for it.
      if (!row || row.body === null || !to || !E164.test(to)) return null;
      const since = new Date(row.claimed).getTime() - LOOKUP_MARGIN_MS;
      const sinceDay = new Date(since);
      sinceDay.setUTCHours(0, 0, 0, 0);
      // DateSent filters by day only (UTC); the exact time is checked on date_created below.
      // Messaging Service SIDs are no list filter: then To alone, and the service is matched here.
      const listed = await client.messages.list({
        to,
        ...(opts.messagingServiceSid ? {} : { from: opts.from }),
        dateSentAfter: sinceDay,
        limit: LOOKUP_LIMIT,
      });
      const candidates = listed
        .filter(
          (m) =>
            m.to === to &&
            m.body === row.body &&
            (opts.messagingServiceSid ? m.messagingServiceSid === opts.messagingServiceSid : m.from === opts.from) &&
            m.dateCreated instanceof Date &&
            m.dateCreated.getTime() >= since,
        )
        .sort((a, b) => a.dateCreated.getTime() - b.dateCreated.getTime());
      if (candidates.length === 0) return null;
      // A message the ledger already holds for another touch (another journey or visit) is not ours.
      const takenSids = new Set(await ledger.providerIdsTaken(TWILIO_PROVIDER, candidates.map((m) => m.sid), idempotencyKey));
      const ours = candidates.find((m) => !takenSids.has(m.sid));
      return ours ? { provider: TWILIO_PROVIDER, providerMessageId: ours.sid, recipient: to } : null;
    },
  };
}

/** Maps an SDK failure to the ledger's error classes; anything unrecognised is returned unchanged. */
async function classify(err: unknown, ctx: ChannelContext, to: string, db: DataSource): Promise<unknown> {
  if (!(err instanceof twilio.RestException)) {
    // Network error or timeout: Twilio may or may not have the message. Rethrown as-is, the ledger
    // keeps the row `sending` and the next try settles it with lookup(): found, or sent again.
    return err;
  }
  const detail = `Twilio answered ${err.status}${err.code ? ` (code ${err.code})` : ''}: ${err.message}`;
  if (err.status === 429 || err.status >= 500) {
    // Twilio refused the request as a whole: nothing was queued, so the next try may send.
    return new TransientChannelError(err.status === 429 ? 'rate_limited' : 'provider_unavailable', detail);
  }
  if (err.code !== undefined && INVALID_NUMBER_CODES.has(err.code)) {
    return new PermanentChannelError('invalid_number', `${to} cannot receive SMS. ${detail}`);
  }
  if (err.code === OPTED_OUT_CODE) {
    await new CustomersRepository(db).setSmsConsent({ customerId: ctx.customer.id }, false);
    return new PermanentChannelError('opted_out', `customer ${ctx.customer.id} replied STOP to our SMS sender. ${detail}`);
  }
  if (err.status === 401 || err.code === BAD_CREDENTIALS_CODE) {
    // A configuration problem (wrong account SID or auth token), not this message's: recorded as a
    // failure rather than retried per message; the fix is the deployment's credentials.
    return new PermanentChannelError('bad_credentials', `Twilio rejected the account credentials; check the Twilio account SID and auth token. ${detail}`);
  }
  // Any other 4xx is Twilio refusing this particular request: retrying sends the same request again.
  return new PermanentChannelError(err.code ? `twilio_${err.code}` : `twilio_http_${err.status}`, detail);
}
