/**
 * The webhook signature scheme, shared by the channel (signing) and by receivers and tests
 * (verifying). Version 1:
 *
 *   X-Journey-Timestamp: <unix seconds at sending time>
 *   X-Journey-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>
 *
 * The timestamp is part of the signed text, so a captured request cannot be replayed later with a
 * fresh timestamp; receivers refuse timestamps too far from their own clock.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_VERSION = 'v1';
/** How far a request's timestamp may be from the receiver's clock, by default. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

function digest(secret: string, timestamp: string, body: string | Buffer): Buffer {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest();
}

/** The `X-Journey-Signature` value for `body` sent at `timestamp` (unix seconds). */
export function signWebhook(secret: string, timestamp: number | string, body: string | Buffer): string {
  return `${SIGNATURE_VERSION}=${digest(secret, String(timestamp), body).toString('hex')}`;
}

/**
 * Checks a request the webhook channel sent: `timestamp` and `signatureHeader` are the values of
 * `X-Journey-Timestamp` and `X-Journey-Signature`, `body` the raw request body exactly as received
 * (before any JSON parsing). True only when the timestamp is within `toleranceSeconds` of now and
 * one of the header's `v1=` entries (comma-separated, so a sender may sign with two secrets while
 * rotating) is the HMAC of "<timestamp>.<body>". The comparison takes the same time wherever the
 * signatures differ.
 */
export function verifyWebhookSignature(
  secret: string,
  timestamp: string | number | null | undefined,
  body: string | Buffer,
  signatureHeader: string | null | undefined,
  toleranceSeconds: number = DEFAULT_TOLERANCE_SECONDS,
  nowSeconds: number = Math.floor(Date.now() / 1000),
): boolean {
  if (timestamp === null || timestamp === undefined || !signatureHeader) return false;
  const ts = String(timestamp).trim();
  if (!/^\d{1,12}$/.test(ts)) return false;
  if (Math.abs(nowSeconds - Number(ts)) > toleranceSeconds) return false;
  const expected = digest(secret, ts, body);
  let ok = false;
  for (const entry of signatureHeader.split(',')) {
    const [version, hex] = entry.trim().split('=', 2);
    if (version !== SIGNATURE_VERSION || !hex || !/^[0-9a-fA-F]{64}$/.test(hex)) continue;
    // Both buffers are 32 bytes here, as timingSafeEqual requires; no early exit on a match.
    if (timingSafeEqual(expected, Buffer.from(hex, 'hex'))) ok = true;
  }
  return ok;
}
