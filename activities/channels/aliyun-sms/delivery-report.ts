/**
 * Aliyun SMS receipts (SmsReport, pushed over HTTP): a JSON array of reports, each
 * `{ phone_number, send_time, report_time, success, err_code, err_msg, sms_size, biz_id, out_id }`.
 * Ours are matched by `out_id` (our ledger key, the message id the ledger holds for Aliyun).
 */
import type { DeliveryReport } from '../../../core/channels/channel.js';
import type { CallbackReading } from '../../../core/channels/descriptor.js';

/** Both outcomes are final: a lower rank never overwrites a higher one. */
export const ALIYUN_RANKS: Record<string, number> = { delivered: 4, undelivered: 4 };

/** The answer Aliyun expects; anything else makes it push the batch again. */
export const ALIYUN_ACK = { code: 0, msg: '接收成功' };

export function parseAliyunReports(body: unknown): CallbackReading {
  const items = Array.isArray(body) ? body : [body];
  const reports: DeliveryReport[] = [];
  for (const [i, item] of items.entries()) {
    const fields = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
    if (typeof fields.out_id !== 'string' || fields.out_id === '') return { invalid: `report ${i} has no out_id` };
    if (typeof fields.success !== 'boolean') return { invalid: `report ${i} has no boolean success` };
    const errCode = typeof fields.err_code === 'string' && fields.err_code !== '' ? fields.err_code : null;
    reports.push({ providerMessageId: fields.out_id, status: fields.success ? 'delivered' : 'undelivered', rank: 4, errorCode: fields.success ? null : errCode });
  }
  return reports.length === 0 ? { ignored: 'an empty batch of Aliyun reports' } : { reports };
}
