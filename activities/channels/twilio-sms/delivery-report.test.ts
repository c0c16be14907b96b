import { describe, expect, it } from '@jest/globals';
import { parseTwilioDeliveryReport } from './delivery-report.js';

describe('parseTwilioDeliveryReport', () => {
  it.each<[Record<string, string>, ReturnType<typeof parseTwilioDeliveryReport>]>([
    [{ MessageSid: 'SM1', MessageStatus: 'delivered' }, { providerMessageId: 'SM1', status: 'delivered', rank: 4, errorCode: null }],
    [{ MessageSid: 'SM1', MessageStatus: 'Sent' }, { providerMessageId: 'SM1', status: 'sent', rank: 3, errorCode: null }],
    [{ MessageSid: 'SM1', MessageStatus: 'accepted' }, { providerMessageId: 'SM1', status: 'queued', rank: 1, errorCode: null }],
    [{ MessageSid: 'SM1', MessageStatus: 'undelivered', ErrorCode: '30005' }, { providerMessageId: 'SM1', status: 'undelivered', rank: 4, errorCode: '30005' }],
    [{ MessageSid: 'SM1', MessageStatus: 'failed', ErrorCode: '' }, { providerMessageId: 'SM1', status: 'failed', rank: 4, errorCode: null }],
    [{ MessageSid: 'SM1', MessageStatus: 'teleported' }, null],
    [{ MessageStatus: 'delivered' }, null],
  ])('%j', (fields, expected) => {
    expect(parseTwilioDeliveryReport(fields)).toEqual(expected);
  });
});
