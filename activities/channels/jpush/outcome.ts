/**
 * JPush answers in the ledger's vocabulary. JPush refuses with an HTTP error status and a body
 * `{ error: { code, message } }`; the code decides, the status decides for codes not listed.
 */
import { PermanentChannelError, TransientChannelError } from '../../../core/channels/channel.js';

/** What a refusal means: the error to throw, and whether the audience's registration ids are dead. */
export interface JpushRefusal {
  failure: PermanentChannelError | TransientChannelError;
  /** True when JPush found none of the registration ids (1011): remove them from the profile. */
  deadAudience: boolean;
}

const TRANSIENT: Record<number, [code: string, explanation: string]> = {
  2002: ['rate_limited', 'JPush says the API call rate of the application is exceeded; the ledger retries later'],
  1000: ['provider_unavailable', 'JPush had an internal error and pushed nothing; the ledger retries later'],
  1030: ['provider_unavailable', 'JPush timed out inside its own service and pushed nothing; the ledger retries later'],
};

const PERMANENT: Record<number, [code: string, explanation: string]> = {
  1004: ['bad_credentials', 'JPush refused our authentication; check JPUSH_APP_KEY and JPUSH_MASTER_SECRET'],
  1008: ['bad_credentials', 'JPush does not know the AppKey; check JPUSH_APP_KEY'],
  2003: ['bad_credentials', 'the JPush application may not call this API (a feature not enabled for it)'],
  2004: ['bad_credentials', 'JPush refused the call from this address (the IP allow-list of the application)'],
  1002: ['invalid_message', 'JPush says a required field is missing from the push'],
  1003: ['invalid_message', 'JPush refused a field of the push (its value or format)'],
  1005: ['invalid_message', 'the push is too big for JPush (title, body and data together)'],
};

/** The error for a JPush refusal (HTTP `status`, JPush `code`), given whom the push went to. */
export function jpushRefusal(status: number, code: number | null, message: string, audience: 'registration_id' | 'alias'): JpushRefusal {
  const said = `JPush answered ${code ?? 'no code'} (HTTP ${status}): ${message}`;
  if (code === 1011) {
    if (audience === 'alias') {
      return { failure: new PermanentChannelError('no_recipient', `no device of the app is bound to the customer's alias. ${said}`), deadAudience: false };
    }
    return {
      failure: new PermanentChannelError('no_valid_tokens', `none of the customer's registration ids is known to JPush any more; they were removed from jpush_registration_ids. ${said}`),
      deadAudience: true,
    };
  }
  if (code !== null && Object.hasOwn(TRANSIENT, code)) {
    const [ours, explanation] = TRANSIENT[code];
    return { failure: new TransientChannelError(ours, `${explanation}. ${said}`), deadAudience: false };
  }
  if (code !== null && Object.hasOwn(PERMANENT, code)) {
    const [ours, explanation] = PERMANENT[code];
    return { failure: new PermanentChannelError(ours, `${explanation}. ${said}`), deadAudience: false };
  }
  if (status === 429) return { failure: new TransientChannelError('rate_limited', said), deadAudience: false };
  if (status >= 500) return { failure: new TransientChannelError('provider_unavailable', said), deadAudience: false };
  if (status === 401) return { failure: new PermanentChannelError('bad_credentials', `check JPUSH_APP_KEY and JPUSH_MASTER_SECRET. ${said}`), deadAudience: false };
  // Any other refusal is about this push: sending it again would be refused again.
  return { failure: new PermanentChannelError(`jpush_${code ?? status}`, said), deadAudience: false };
}
