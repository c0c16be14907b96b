/** How SDK results become one push outcome: table-driven, no I/O. */
import { describe, expect, it } from '@jest/globals';
import type { SendResponse } from 'firebase-admin/messaging';
import { PermanentChannelError, TransientChannelError } from '../../../core/channels/channel.js';
import { decide, verdictOf } from './outcome.js';

const ok = (id: string): SendResponse => ({ success: true, messageId: id });
const failed = (code: string, message = 'x'): SendResponse =>
  ({ success: false, error: Object.assign(new Error(message), { code }) }) as unknown as SendResponse;

describe('verdictOf', () => {
  it.each([
    [ok('m'), 'delivered'],
    [failed('messaging/registration-token-not-registered'), 'stale'],
    [failed('messaging/invalid-registration-token'), 'stale'],
    [failed('messaging/invalid-argument', 'The registration token is not a valid FCM registration token'), 'stale'],
    // A payload FCM refuses is not the token's fault: the token must be kept.
    [failed('messaging/invalid-argument', 'Request contains an invalid argument: message.data.x'), 'rejected'],
    [failed('messaging/internal-error'), 'transient'],
    [failed('messaging/server-unavailable'), 'transient'],
    [failed('messaging/message-rate-exceeded'), 'transient'],
    [failed('messaging/third-party-auth-error'), 'credentials'],
    [failed('messaging/authentication-error'), 'credentials'],
    [failed('messaging/mismatched-credential'), 'credentials'],
    [failed('app/invalid-credential'), 'credentials'],
    [failed('messaging/payload-size-limit-exceeded'), 'rejected'],
    [failed('app/network-error'), 'unknown'],
    [failed('app/network-timeout'), 'unknown'],
    [failed('messaging/unknown-error'), 'unknown'],
  ])('%#: %o is %s', (response, verdict) => {
    expect(verdictOf(response)).toBe(verdict);
  });
});

describe('decide', () => {
  const tokens = ['a', 'b', 'c'];

  it('is sent when any device took it, naming the first message id and the dead tokens', () => {
    const outcome = decide(tokens, [failed('messaging/registration-token-not-registered'), ok('m-b'), ok('m-c')]);
    expect(outcome).toEqual({ delivered: ['m-b', 'm-c'], stale: ['a'], failure: null });
  });

  it.each([
    // Unknown wins: FCM may have the message, so it must not be sent again.
    [['app/network-error', 'messaging/server-unavailable', 'messaging/registration-token-not-registered'], 'unknown'],
    // Transient beats permanent: a retry may still reach the devices FCM could not serve.
    [['messaging/server-unavailable', 'messaging/third-party-auth-error', 'messaging/invalid-registration-token'], 'provider_unavailable'],
    [['messaging/third-party-auth-error', 'messaging/invalid-registration-token', 'messaging/invalid-payload'], 'bad_credentials'],
    [['messaging/invalid-payload', 'messaging/invalid-registration-token', 'messaging/invalid-registration-token'], 'invalid_message'],
    [['messaging/registration-token-not-registered', 'messaging/invalid-registration-token', 'messaging/invalid-registration-token'], 'no_valid_tokens'],
  ])('with nothing delivered, %j fails as %s', (codes, expected) => {
    const { delivered, failure } = decide(tokens, codes.map((code) => failed(code)));
    expect(delivered).toEqual([]);
    if (expected === 'unknown') {
      expect(failure).not.toBeInstanceOf(PermanentChannelError);
      expect(failure).not.toBeInstanceOf(TransientChannelError);
      expect(failure).toMatchObject({ code: 'app/network-error' });
    } else if (expected === 'provider_unavailable') {
      expect(failure).toBeInstanceOf(TransientChannelError);
      expect(failure).toMatchObject({ code: expected });
    } else {
      expect(failure).toBeInstanceOf(PermanentChannelError);
      expect(failure).toMatchObject({ code: expected });
    }
  });

  it('removes dead tokens even when the push as a whole will be retried', () => {
    const outcome = decide(tokens, [failed('messaging/server-unavailable'), failed('messaging/registration-token-not-registered'), failed('messaging/invalid-registration-token')]);
    expect(outcome.stale).toEqual(['b', 'c']);
    expect(outcome.failure).toBeInstanceOf(TransientChannelError);
  });
});
