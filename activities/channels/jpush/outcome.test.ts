/** How JPush refusals become ledger outcomes: table-driven, no I/O. */
import { describe, expect, it } from '@jest/globals';
import { PermanentChannelError, TransientChannelError } from '../../../core/channels/channel.js';
import { jpushRefusal } from './outcome.js';

describe('jpushRefusal', () => {
  it.each([
    [429, 2002, 'transient', 'rate_limited'],
    [429, null, 'transient', 'rate_limited'],
    [500, 1000, 'transient', 'provider_unavailable'],
    [503, 1030, 'transient', 'provider_unavailable'],
    [502, null, 'transient', 'provider_unavailable'],
    [401, 1004, 'permanent', 'bad_credentials'],
    [400, 1008, 'permanent', 'bad_credentials'],
    [401, null, 'permanent', 'bad_credentials'],
    [403, 2004, 'permanent', 'bad_credentials'],
    [400, 1003, 'permanent', 'invalid_message'],
    [400, 1005, 'permanent', 'invalid_message'],
    [400, 1011, 'permanent', 'no_valid_tokens'],
    [400, 7777, 'permanent', 'jpush_7777'],
  ] as const)('HTTP %i code %s is %s %s', (status, code, kind, ours) => {
    const { failure } = jpushRefusal(status, code, 'm', 'registration_id');
    expect(failure).toBeInstanceOf(kind === 'transient' ? TransientChannelError : PermanentChannelError);
    expect(failure.code).toBe(ours);
    if (code !== null) expect(failure.message).toContain(String(code));
  });

  it('prunes the audience only on 1011 to registration ids; 1011 to an alias is no_recipient', () => {
    expect(jpushRefusal(400, 1011, 'm', 'registration_id').deadAudience).toBe(true);
    expect(jpushRefusal(400, 1011, 'm', 'alias')).toMatchObject({ deadAudience: false, failure: { code: 'no_recipient' } });
    expect(jpushRefusal(400, 1003, 'm', 'registration_id').deadAudience).toBe(false);
    expect(jpushRefusal(500, 1000, 'm', 'registration_id').deadAudience).toBe(false);
  });
});
