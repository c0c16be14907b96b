/** The webhook SSRF guard's pure half: which addresses are public, and which URLs are refused before any network access. */
import { describe, expect, it } from '@jest/globals';
import { nonPublicReason, webhookUrlRefusal } from './webhook-target.js';

describe('nonPublicReason', () => {
  it.each([
    ['0.0.0.0', /this network/],
    ['0.1.2.3', /this network/],
    ['10.0.0.1', /private/],
    ['100.64.0.1', /carrier-grade NAT/],
    ['100.127.255.255', /carrier-grade NAT/],
    ['127.0.0.1', /loopback/],
    ['127.255.0.9', /loopback/],
    ['169.254.169.254', /link-local/],
    ['172.16.0.1', /private/],
    ['172.31.255.255', /private/],
    ['192.168.1.1', /private/],
    ['192.0.0.8', /IETF/],
    ['198.18.0.1', /benchmarking/],
    ['224.0.0.1', /multicast/],
    ['255.255.255.255', /reserved or broadcast/],
    ['::', /unspecified/],
    ['::1', /loopback/],
    ['::ffff:7f00:1', /IPv4-mapped/],
    ['::ffff:127.0.0.1', /IPv4-mapped/],
    ['::ffff:8.8.8.8', /IPv4-mapped/],
    ['64:ff9b::a9fe:a9fe', /NAT64/],
    ['fc00::1', /unique-local/],
    ['fd12:3456::1', /unique-local/],
    ['fe80::1', /link-local/],
    ['fe80::1%eth0', /link-local/],
    ['ff02::1', /multicast/],
    ['2001:db8::1', /documentation/],
    ['2001::1', /Teredo/],
    ['2002:7f00:1::', /6to4/],
    ['100::1', /not global unicast/],
  ])('%s is not public (%s)', (address, reason) => {
    expect(nonPublicReason(address)).toMatch(reason);
  });

  it.each(['8.8.8.8', '1.1.1.1', '100.63.255.255', '100.128.0.0', '172.15.255.255', '172.32.0.0', '169.253.0.1', '2606:4700:4700::1111', '2a00:1450:4001:80b::200e'])(
    '%s is public',
    (address) => {
      expect(nonPublicReason(address)).toBeNull();
    },
  );
});

describe('webhookUrlRefusal (publish and send)', () => {
  it.each([
    ['http://169.254.169.254/latest/meta-data', 'insecure_url'],
    ['http://127.0.0.1:8080/x', 'insecure_url'],
    ['https://169.254.169.254/latest/meta-data', 'forbidden_target'],
    ['https://127.0.0.1:8443/x', 'forbidden_target'],
    ['https://2130706433/x', 'forbidden_target'], // 127.0.0.1 in decimal: URL normalises it
    ['https://0x7f.1/x', 'forbidden_target'],
    ['https://0.0.0.0/x', 'forbidden_target'],
    ['https://[::1]/x', 'forbidden_target'],
    ['https://[::ffff:127.0.0.1]/x', 'forbidden_target'],
    ['https://[fd00::1]/x', 'forbidden_target'],
    ['https://10.1.2.3/x', 'forbidden_target'],
    ['https://100.100.100.200/x', 'forbidden_target'],
    ['https://localhost/x', 'forbidden_target'],
    ['https://LOCALHOST./x', 'forbidden_target'],
    ['https://api.localhost/x', 'forbidden_target'],
    ['ftp://crm.example.com/x', 'invalid_url'],
    ['not a url', 'invalid_url'],
  ])('refuses %s (%s)', (url, code) => {
    expect(webhookUrlRefusal(url, [])?.code).toBe(code);
  });

  it.each(['https://crm.example.com/leads', 'https://8.8.8.8/x', 'https://[2606:4700:4700::1111]/x'])('accepts %s', (url) => {
    expect(webhookUrlRefusal(url, [])).toBeNull();
  });

  it('lets the allow-list name a host: http:// and non-public addresses then pass, other hosts still do not', () => {
    const allowed = ['127.0.0.1', 'crm.internal', '::1'];
    expect(webhookUrlRefusal('http://127.0.0.1:8080/x', allowed)).toBeNull();
    expect(webhookUrlRefusal('https://CRM.internal/x', allowed)).toBeNull();
    expect(webhookUrlRefusal('https://[::1]:9000/x', allowed)).toBeNull();
    expect(webhookUrlRefusal('https://127.0.0.2/x', allowed)?.code).toBe('forbidden_target');
    expect(webhookUrlRefusal('http://crm.example.com/x', allowed)?.code).toBe('insecure_url');
  });
});
