/**
 * The webhook channel's HTTP transport: a `fetch` that connects only to public addresses (SSRF
 * guard). The host name is resolved by our own lookup, every address it returns is checked
 * (engine/webhook-target.ts), and the socket connects to exactly the address checked, so a DNS
 * answer cannot change between the check and the connection (no rebinding window). Hosts on the
 * operator's allow-list (JE_WEBHOOK_ALLOWED_HOSTS) resolve normally. Redirects are never followed.
 */
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { Readable } from 'node:stream';
import { isAllowedHost, nonPublicReason } from '../../../engine/webhook-target.js';

/** The host resolved to an address webhooks may not reach. */
export class ForbiddenTargetError extends Error {
  readonly code = 'EFORBIDDENTARGET';
  constructor(
    readonly host: string,
    readonly address: string,
    readonly reason: string,
  ) {
    super(`${host} resolves to ${address}, a ${reason} address, which webhooks may not call`);
    this.name = 'ForbiddenTargetError';
  }
}

/** Every address of a host name (dns.lookup: the system resolver, /etc/hosts included). */
export type ResolveAll = (hostname: string) => Promise<dns.LookupAddress[]>;

const systemResolve: ResolveAll = (hostname) => dns.promises.lookup(hostname, { all: true });

/** A socket lookup that fails with ForbiddenTargetError when any address of the name is not public. */
const publicOnlyLookup = (resolve: ResolveAll): LookupFunction => (hostname, options, callback) => {
  resolve(hostname).then((addresses) => {
    for (const a of addresses) {
      const reason = nonPublicReason(a.address);
      if (reason) return callback(new ForbiddenTargetError(hostname, a.address, reason) as unknown as NodeJS.ErrnoException, '', 0);
    }
    if (addresses.length === 0) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 0);
    if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, addresses);
    callback(null, addresses[0].address, addresses[0].family);
  }, (err: NodeJS.ErrnoException) => callback(err, '', 0));
};

/** A `fetch` for webhooks: public addresses only (unless the host is allowed), no redirects followed. */
export function guardedFetch(allowedHosts: readonly string[], resolve: ResolveAll = systemResolve): typeof fetch {
  const lookupPublic = publicOnlyLookup(resolve);
  return (async (input: string | URL | Request, init: RequestInit = {}) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const transport = url.protocol === 'https:' ? https : http;
    const lookup = isAllowedHost(url.hostname, allowedHosts) ? undefined : lookupPublic;
    const signal = init.signal ?? undefined;
    const message = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = transport.request(url, { method: init.method ?? 'GET', headers: Object.fromEntries(new Headers(init.headers).entries()), lookup, signal }, resolve);
      // As fetch does: network errors are a TypeError whose cause carries the code.
      req.once('error', (err) => reject(signal?.aborted ? signal.reason : new TypeError('fetch failed', { cause: err })));
      req.end(typeof init.body === 'string' ? init.body : undefined);
    });
    const headers = new Headers();
    for (const [name, value] of Object.entries(message.headers)) {
      for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) headers.append(name, v);
    }
    const status = message.statusCode ?? 500;
    const empty = status === 204 || status === 205 || status === 304;
    if (empty) message.resume();
    return new Response(empty ? null : (Readable.toWeb(message) as ReadableStream<Uint8Array>), { status, statusText: message.statusMessage, headers });
  }) as typeof fetch;
}
