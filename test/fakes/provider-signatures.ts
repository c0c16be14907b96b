/**
 * The request-signature checks of the mainland-China providers, written from their public specs, for the
 * fake servers: ACS3-HMAC-SHA256 (Alibaba Cloud OpenAPI V3) and TC3-HMAC-SHA256 (Tencent Cloud API 3.0).
 * Each recomputes the signature from the request as received and answers null when it matches, else why not.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** A request as a fake received it. */
export interface ReceivedRequest {
  method: string;
  /** The raw request target: path and query, as sent. */
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

const sha256Hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();
const header = (headers: IncomingHttpHeaders, name: string): string => {
  const value = headers[name];
  return (Array.isArray(value) ? value.join(',') : (value ?? '')).trim();
};
const sameHex = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** RFC 3986 percent-encoding, as both specs ask for the canonical query string. */
function rfc3986(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The query of `url` as sorted, encoded `key=value` pairs joined by `&`. */
function canonicalQuery(url: string): string {
  const query = url.includes('?') ? url.slice(url.indexOf('?') + 1) : '';
  const pairs = query === '' ? [] : query.split('&').map((pair) => pair.split('=').map((part) => decodeURIComponent(part.replace(/\+/g, '%20'))));
  return pairs
    .map(([k, v = '']) => [rfc3986(k), rfc3986(v)])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

const fieldsOf = (authorization: string, scheme: string): Record<string, string> | null => {
  if (!authorization.startsWith(`${scheme} `)) return null;
  return Object.fromEntries(
    authorization
      .slice(scheme.length + 1)
      .split(',')
      .map((part) => part.trim().split('='))
      .map(([k, ...v]) => [k, v.join('=')]),
  );
};

/**
 * ACS3-HMAC-SHA256: `Authorization: ACS3-HMAC-SHA256 Credential=<AccessKeyId>,SignedHeaders=<a;b>,Signature=<hex>`
 * over `METHOD\nPATH\nQUERY\nHEADERS\nSIGNED\nHEX(SHA256(body))`. The signed headers must include host,
 * x-acs-action, x-acs-date, x-acs-signature-nonce and x-acs-content-sha256; the latter must be the body's hash.
 */
export function verifyAcs3(req: ReceivedRequest, secrets: Record<string, string>): string | null {
  const auth = fieldsOf(header(req.headers, 'authorization'), 'ACS3-HMAC-SHA256');
  if (!auth) return 'IncompleteSignature: no ACS3-HMAC-SHA256 Authorization header';
  const secret = Object.hasOwn(secrets, auth.Credential) ? secrets[auth.Credential] : undefined;
  if (secret === undefined) return 'InvalidAccessKeyId.NotFound';
  const signed = (auth.SignedHeaders ?? '').split(';');
  for (const required of ['host', 'x-acs-action', 'x-acs-date', 'x-acs-signature-nonce', 'x-acs-content-sha256']) {
    if (!signed.includes(required)) return `IncompleteSignature: ${required} is not signed`;
  }
  const payloadHash = sha256Hex(req.body);
  if (header(req.headers, 'x-acs-content-sha256') !== payloadHash) return 'SignatureDoesNotMatch: x-acs-content-sha256 is not the hash of the body';
  const path = req.url.split('?')[0];
  const headers = signed.map((name) => `${name}:${header(req.headers, name)}\n`).join('');
  const canonical = [req.method, path, canonicalQuery(req.url), headers, signed.join(';'), payloadHash].join('\n');
  const expected = hmac(secret, `ACS3-HMAC-SHA256\n${sha256Hex(canonical)}`).toString('hex');
  return sameHex(auth.Signature ?? '', expected) ? null : 'SignatureDoesNotMatch';
}

/**
 * TC3-HMAC-SHA256: `Authorization: TC3-HMAC-SHA256 Credential=<SecretId>/<date>/<service>/tc3_request, SignedHeaders=<a;b>, Signature=<hex>`
 * over the canonical request, with the key derived from `TC3<SecretKey>`, the date, the service and
 * `tc3_request`. content-type and host must be signed; X-TC-Timestamp must be within five minutes of `now`.
 */
export function verifyTc3(req: ReceivedRequest, secrets: Record<string, string>, now = Date.now()): string | null {
  const auth = fieldsOf(header(req.headers, 'authorization'), 'TC3-HMAC-SHA256');
  if (!auth) return 'AuthFailure.SignatureFailure: no TC3-HMAC-SHA256 Authorization header';
  const [secretId, date, service, terminator] = (auth.Credential ?? '').split('/');
  const secret = Object.hasOwn(secrets, secretId) ? secrets[secretId] : undefined;
  if (secret === undefined) return 'AuthFailure.SecretIdNotFound';
  if (terminator !== 'tc3_request' || !date || !service) return 'AuthFailure.SignatureFailure: malformed Credential';
  const signed = (auth.SignedHeaders ?? '').split(';');
  if (!signed.includes('content-type') || !signed.includes('host')) return 'AuthFailure.SignatureFailure: content-type and host must be signed';
  const timestamp = Number(header(req.headers, 'x-tc-timestamp'));
  if (!Number.isInteger(timestamp) || Math.abs(now / 1000 - timestamp) > 300) return 'AuthFailure.SignatureExpire';
  if (new Date(timestamp * 1000).toISOString().slice(0, 10) !== date) return 'AuthFailure.SignatureFailure: the credential date is not the timestamp\'s';
  // The host is signed as a host name: Tencent serves on the default port, and the SDK signs without one.
  const valueOf = (name: string) => (name === 'host' ? header(req.headers, name).replace(/:\d+$/, '') : header(req.headers, name)).toLowerCase();
  const headers = signed.map((name) => `${name}:${valueOf(name)}\n`).join('');
  const canonical = [req.method, req.url.split('?')[0], canonicalQuery(req.url), headers, signed.join(';'), sha256Hex(req.body)].join('\n');
  const scope = `${date}/${service}/tc3_request`;
  const stringToSign = `TC3-HMAC-SHA256\n${timestamp}\n${scope}\n${sha256Hex(canonical)}`;
  const key = hmac(hmac(hmac(`TC3${secret}`, date), service), 'tc3_request');
  const expected = hmac(key, stringToSign).toString('hex');
  return sameHex(auth.Signature ?? '', expected) ? null : 'AuthFailure.SignatureFailure';
}
