/**
 * Where a webhook may go (SSRF guard), decided without I/O: the URL's scheme and host, and whether
 * an IP address is public. The publish check (literal addresses, `localhost` names) and the send
 * check (every address the host name resolves to, at connect time) both use it. A host on the
 * operator's allow-list (JE_WEBHOOK_ALLOWED_HOSTS) skips both checks, http:// included.
 */

/** Why a webhook target is refused: a stable code and a sentence for marketers and operators. */
export interface TargetRefusal {
  code: 'invalid_url' | 'insecure_url' | 'forbidden_target';
  message: string;
}

/** The host of a URL as the allow-list names it: lower case, IPv6 without brackets. */
export function hostOf(url: URL): string {
  return url.hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1');
}

/** Whether `host` is on the allow-list (exact names or addresses, case-insensitive). */
export function isAllowedHost(host: string, allowedHosts: readonly string[]): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return allowedHosts.some((a) => a.toLowerCase().replace(/^\[(.*)\]$/, '$1') === h);
}

/** The four bytes of a dotted IPv4 address, or null (URL has already normalised 0x7f.1 and 2130706433 to dotted form). */
function ipv4Bytes(text: string): number[] | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const bytes = parts.map((p) => (/^\d{1,3}$/.test(p) ? Number(p) : Number.NaN));
  return bytes.every((b) => b >= 0 && b <= 255) ? bytes : null;
}

/** The eight 16-bit groups of an IPv6 address (with `::` and a trailing IPv4 part), or null. */
function ipv6Groups(text: string): number[] | null {
  let t = text.replace(/%.*$/, ''); // zone id
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(t);
  if (v4) {
    const b = ipv4Bytes(v4[1]);
    if (!b) return null;
    t = `${t.slice(0, -v4[1].length)}${((b[0] << 8) | b[1]).toString(16)}:${((b[2] << 8) | b[3]).toString(16)}`;
  }
  const halves = t.split('::');
  if (halves.length > 2) return null;
  const parse = (s: string) => (s === '' ? [] : s.split(':').map((g) => (/^[0-9a-f]{1,4}$/i.test(g) ? parseInt(g, 16) : Number.NaN)));
  const head = parse(halves[0]);
  const tail = halves.length === 2 ? parse(halves[1]) : [];
  const groups = halves.length === 2 ? [...head, ...Array(8 - head.length - tail.length).fill(0), ...tail] : head;
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : null;
}

/** Non-public IPv4 ranges (RFC 6890 special-purpose and multicast/reserved): [first byte..., prefix length, name]. */
const IPV4_BLOCKED: readonly [number[], number, string][] = [
  [[0], 8, '"this network" (0.0.0.0/8)'],
  [[10], 8, 'private (10.0.0.0/8)'],
  [[100, 64], 10, 'carrier-grade NAT (100.64.0.0/10)'],
  [[127], 8, 'loopback (127.0.0.0/8)'],
  [[169, 254], 16, 'link-local (169.254.0.0/16, cloud metadata)'],
  [[172, 16], 12, 'private (172.16.0.0/12)'],
  [[192, 0, 0], 24, 'IETF protocol assignments (192.0.0.0/24)'],
  [[192, 0, 2], 24, 'documentation (192.0.2.0/24)'],
  [[192, 88, 99], 24, '6to4 relay anycast (192.88.99.0/24)'],
  [[192, 168], 16, 'private (192.168.0.0/16)'],
  [[198, 18], 15, 'benchmarking (198.18.0.0/15)'],
  [[198, 51, 100], 24, 'documentation (198.51.100.0/24)'],
  [[203, 0, 113], 24, 'documentation (203.0.113.0/24)'],
  [[224], 4, 'multicast (224.0.0.0/4)'],
  [[240], 4, 'reserved or broadcast (240.0.0.0/4)'],
];

function inPrefix(bytes: number[], prefix: number[], bits: number): boolean {
  for (let i = 0; i < Math.ceil(bits / 8); i++) {
    const take = Math.min(8, bits - i * 8);
    const mask = (0xff << (8 - take)) & 0xff;
    if ((bytes[i] & mask) !== ((prefix[i] ?? 0) & mask)) return false;
  }
  return true;
}

/**
 * Why `address` (an IPv4 or IPv6 literal) is not a public internet address, or null when it is.
 * Also refuses what only looks public: IPv4-mapped/compatible, NAT64, 6to4 and Teredo IPv6 forms
 * (they carry an IPv4 address that would be reached instead). Not an IP literal: 'not an IP address'.
 */
export function nonPublicReason(address: string): string | null {
  const v4 = ipv4Bytes(address);
  if (v4) return IPV4_BLOCKED.find(([prefix, bits]) => inPrefix(v4, prefix, bits))?.[2] ?? null;
  const g = ipv6Groups(address);
  if (!g) return 'not an IP address';
  const bytes = g.flatMap((x) => [x >> 8, x & 0xff]);
  if (g.every((x) => x === 0)) return 'unspecified (::)';
  if (g.slice(0, 7).every((x) => x === 0) && g[7] === 1) return 'loopback (::1)';
  if (g.slice(0, 5).every((x) => x === 0) && (g[5] === 0xffff || g[5] === 0)) return 'IPv4-mapped or IPv4-compatible IPv6 (::ffff:0:0/96)';
  if (g[0] === 0x64 && g[1] === 0xff9b) return 'NAT64 (64:ff9b::/96)';
  if (inPrefix(bytes, [0xfc], 7)) return 'unique-local (fc00::/7)';
  if (inPrefix(bytes, [0xfe, 0x80], 10)) return 'link-local (fe80::/10)';
  if (inPrefix(bytes, [0xfe, 0xc0], 10)) return 'site-local (fec0::/10)';
  if (bytes[0] === 0xff) return 'multicast (ff00::/8)';
  if (g[0] === 0x2001 && g[1] === 0x0db8) return 'documentation (2001:db8::/32)';
  if (g[0] === 0x2001 && g[1] < 0x0200) return 'IETF protocol assignments and Teredo (2001::/23)';
  if (g[0] === 0x2002) return '6to4 (2002::/16)';
  if (!inPrefix(bytes, [0x20], 3)) return 'not global unicast (outside 2000::/3)';
  return null;
}

/** Whether `host` is an IP literal (IPv4 dotted or IPv6). */
export function isIpLiteral(host: string): boolean {
  return nonPublicReason(host) !== 'not an IP address';
}

/**
 * Why the webhook URL is refused before any network access, or null: not a URL, not https://, a
 * non-public IP literal, or a `localhost` name. Host names are checked again at send time, after
 * DNS resolution, on the address actually connected to.
 */
export function webhookUrlRefusal(raw: unknown, allowedHosts: readonly string[]): TargetRefusal | null {
  let url: URL;
  try {
    url = new URL(String(raw));
  } catch {
    return { code: 'invalid_url', message: `"${String(raw)}" is not a valid URL` };
  }
  const host = hostOf(url);
  const shown = `${url.origin}${url.pathname}`;
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { code: 'invalid_url', message: `the URL must be https://, got "${url.protocol}" in ${shown}` };
  if (isAllowedHost(host, allowedHosts)) return null;
  if (url.protocol !== 'https:') {
    return {
      code: 'insecure_url',
      message: `${shown} is not https://: webhooks carry customer data and are only sent over HTTPS (an operator can allow the host with JE_WEBHOOK_ALLOWED_HOSTS)`,
    };
  }
  const reason = isIpLiteral(host) ? nonPublicReason(host) : /^(.+\.)?localhost\.?$/.test(host) ? 'loopback (localhost)' : null;
  if (reason) {
    return {
      code: 'forbidden_target',
      message: `${shown} points at a ${reason} address, which webhooks may not call (an operator can allow the host with JE_WEBHOOK_ALLOWED_HOSTS)`,
    };
  }
  return null;
}
