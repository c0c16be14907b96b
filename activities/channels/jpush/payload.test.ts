/** The vendor classification of a push by its category, and the push object: table-driven, no I/O. */
import { describe, expect, it } from '@jest/globals';
import { pushPayload, thirdPartyChannel } from './payload.js';

const ids = { 'xiaomi.marketing': '101', 'xiaomi.transactional': '102', 'oppo.marketing': 'mkt', 'oppo.transactional': 'svc' };

describe('thirdPartyChannel', () => {
  it.each([
    ['marketing', 'huawei', { importance: 'LOW', category: 'MARKETING' }],
    ['transactional', 'huawei', { importance: 'NORMAL', category: 'FINANCE' }],
    ['marketing', 'honor', { importance: 'LOW' }],
    ['transactional', 'honor', { importance: 'NORMAL' }],
    ['marketing', 'vivo', { classification: 0 }],
    ['transactional', 'vivo', { classification: 1 }],
    ['marketing', 'xiaomi', { channel_id: '101' }],
    ['transactional', 'xiaomi', { channel_id: '102' }],
    ['marketing', 'oppo', { channel_id: 'mkt' }],
    ['transactional', 'oppo', { channel_id: 'svc' }],
  ] as const)('a %s push goes to %s as %o', (category, vendor, expected) => {
    expect(thirdPartyChannel(category, ids)[vendor]).toEqual(expected);
  });

  it('leaves Xiaomi and OPPO out when no channel id is configured for the category', () => {
    const channel = thirdPartyChannel('transactional', { 'xiaomi.marketing': '101' });
    expect(Object.keys(channel).sort()).toEqual(['honor', 'huawei', 'vivo']);
  });
});

describe('pushPayload', () => {
  it('puts the cid at the top, the notification for Android and iOS, and the classification in options', () => {
    const payload = pushPayload({ cid: 'k-1', audience: { alias: ['c1'] }, title: 'T', body: 'B', extras: { a: '1' }, category: 'marketing' });
    expect(payload).toEqual({
      cid: 'k-1',
      platform: ['android', 'ios'],
      audience: { alias: ['c1'] },
      notification: { alert: 'B', android: { alert: 'B', title: 'T', extras: { a: '1' } }, ios: { alert: { title: 'T', body: 'B' }, extras: { a: '1' } } },
      options: { third_party_channel: thirdPartyChannel('marketing') },
    });
  });
});
