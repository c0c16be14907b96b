/** What the messaging context is built from: provider secrets and the URL Twilio reaches us at. */
import type { IncomingMessage } from 'node:http';

/** Injection token of the {@link MessagingOptions}. */
export const MESSAGING_OPTIONS = Symbol('MESSAGING_OPTIONS');

/** Settings of the provider webhooks; the app factory passes them in (config is read elsewhere). */
export interface MessagingOptions {
  /** The Twilio auth token webhooks are signed with. */
  twilioAuthToken: string;
  /**
   * The public origin Twilio posts to (e.g. `https://journeys.example.com`), without a trailing
   * slash. Signatures cover the full URL Twilio used, which differs from ours behind a proxy.
   */
  publicBaseUrl: string;
}

/** Route prefix of provider webhooks. */
export const PROVIDER_WEBHOOKS_PREFIX = '/v1/providers/';

/** Body-parser `type` test: form bodies are parsed on provider webhook routes only. */
export function isProviderWebhookForm(req: IncomingMessage): boolean {
  const contentType = req.headers['content-type'] ?? '';
  return (req.url ?? '').startsWith(PROVIDER_WEBHOOKS_PREFIX) && /^application\/x-www-form-urlencoded\b/i.test(contentType);
}
