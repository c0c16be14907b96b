/**
 * Authentication of providers that do not sign their HTTP pushes (Aliyun SMS receipts, Tencent Cloud SMS
 * status callbacks): the operator puts a random secret in the callback URL configured at the provider,
 * `...?token=<secret>`, and the route accepts only requests carrying it. Use HTTPS: the token travels in
 * the URL.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { CallbackRequest } from './descriptor.js';

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/** The check of a `token` query parameter against `secret` (null: genuine; else why not); `variable` names the setting in the refusal. */
export function queryTokenVerifier(secret: string, variable: string): (req: CallbackRequest) => string | null {
  const expected = digest(secret);
  return ({ publicUrl }) => {
    const token = new URL(publicUrl, 'http://callback.invalid').searchParams.get('token');
    if (token === null || token === '') return 'The request carries no token query parameter; configure the callback URL with ?token=<secret>';
    // Compared as digests: equal length, constant time, whatever was sent.
    if (timingSafeEqual(digest(token), expected)) return null;
    return `The token does not match ${variable}`;
  };
}
