/**
 * How the answers of one multicast push become one outcome: which tokens to drop from the profile,
 * and whether the touch was sent, failed for good, may be retried, or has an unknown outcome.
 * Pure: the SDK's per-token results in, a decision out.
 */
import type { SendResponse } from 'firebase-admin/messaging';
import { PermanentChannelError, TransientChannelError } from '../../../core/channels/channel.js';

/** How the send to one device ended. */
export type TokenVerdict =
  /** FCM accepted the message. */
  | 'delivered'
  /** The token is unregistered or not a valid token: remove it from the profile. */
  | 'stale'
  /** FCM answered 5xx or 429: nothing was sent, a later try may succeed. */
  | 'transient'
  /** Our service-account credentials or project were refused. */
  | 'credentials'
  /** FCM refused the message itself (payload too big, bad data key): retrying cannot help. */
  | 'rejected'
  /** No answer (network error, timeout): FCM may or may not have the message. */
  | 'unknown';

/** The SDK's error codes (`messaging/...`, `app/...`) by what they mean for us; anything else is `unknown`. */
const VERDICTS: Record<string, TokenVerdict> = {
  'messaging/registration-token-not-registered': 'stale',
  'messaging/invalid-registration-token': 'stale',
  'messaging/internal-error': 'transient',
  'messaging/server-unavailable': 'transient',
  'messaging/message-rate-exceeded': 'transient',
  'messaging/device-message-rate-exceeded': 'transient',
  'messaging/topics-message-rate-exceeded': 'transient',
  'messaging/authentication-error': 'credentials',
  // FCM answers a refused OAuth token with 401 UNAUTHENTICATED, which the SDK names third-party-auth-error
  // (the same code as a missing APNs certificate): both are credentials to fix in the Firebase project.
  'messaging/third-party-auth-error': 'credentials',
  // 403 PERMISSION_DENIED / SENDER_ID_MISMATCH: the service account may not send for this project.
  'messaging/mismatched-credential': 'credentials',
  'app/invalid-credential': 'credentials',
  'messaging/payload-size-limit-exceeded': 'rejected',
  'messaging/invalid-data-payload-key': 'rejected',
  'messaging/invalid-payload': 'rejected',
  'messaging/invalid-package-name': 'rejected',
  'messaging/invalid-options': 'rejected',
  'messaging/invalid-recipient': 'rejected',
};

/** FCM's INVALID_ARGUMENT covers both a bad token and a bad payload; only the message tells them apart. */
const BAD_TOKEN_MESSAGE = /registration token/i;

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : 'unknown';
}

/** What one SDK result means for us. */
export function verdictOf(response: SendResponse): TokenVerdict {
  if (response.success) return 'delivered';
  const code = codeOf(response.error);
  if (code === 'messaging/invalid-argument') {
    return BAD_TOKEN_MESSAGE.test(response.error?.message ?? '') ? 'stale' : 'rejected';
  }
  return VERDICTS[code] ?? 'unknown';
}

/** The decision for one multicast push. */
export interface PushOutcome {
  /** Message ids of the devices FCM accepted, in token order. */
  delivered: string[];
  /** Tokens FCM called unregistered or invalid: to be removed from the customer's `push_tokens`. */
  stale: string[];
  /** Why nothing was delivered (null when something was): a channel error, or the SDK error of an unknown outcome. */
  failure: Error | null;
}

/** Decides the outcome from the SDK's results (`responses[i]` answers `tokens[i]`). */
export function decide(tokens: string[], responses: SendResponse[]): PushOutcome {
  const verdicts = responses.map(verdictOf);
  const delivered = responses.filter((r) => r.success).map((r) => r.messageId ?? '');
  const stale = tokens.filter((_, i) => verdicts[i] === 'stale');
  if (delivered.length > 0) return { delivered, stale, failure: null };

  const first = (verdict: TokenVerdict) => responses[verdicts.indexOf(verdict)]?.error;
  const codes = [...new Set(responses.map((r) => codeOf(r.error)))].join(', ');
  const devices = `${tokens.length} device${tokens.length === 1 ? '' : 's'}`;
  let failure: Error;
  if (verdicts.includes('unknown')) {
    // FCM may have some of them: rethrow so the ledger keeps the send as in-flight (never sent twice).
    failure = (first('unknown') as Error | undefined) ?? new Error(`FCM gave no answer for the push to ${devices}`);
  } else if (verdicts.includes('transient')) {
    failure = new TransientChannelError(
      'provider_unavailable',
      `FCM did not take the push for any of the customer's ${devices} (${codes}); nothing was delivered, it will be retried`,
    );
  } else if (verdicts.includes('credentials')) {
    failure = new PermanentChannelError(
      'bad_credentials',
      `FCM refused our credentials (${codes}): check the Firebase service account (FIREBASE_CREDENTIALS) and project id`,
    );
  } else if (verdicts.includes('rejected')) {
    failure = new PermanentChannelError('invalid_message', `FCM refused the push message (${first('rejected')?.message ?? codes})`);
  } else {
    failure = new PermanentChannelError(
      'no_valid_tokens',
      `none of the customer's ${devices} is registered with FCM any more; the tokens were removed from push_tokens`,
    );
  }
  return { delivered, stale, failure };
}
