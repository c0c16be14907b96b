/**
 * Tencent Cloud SMS status callbacks: a JSON array of reports, each
 * `{ user_receive_time, nationcode, mobile, report_status: SUCCESS | FAIL, errmsg, description, sid }`,
 * matched on `sid` (the SerialNo the ledger holds).
 */
import type { DeliveryReport } from '../../../core/channels/channel.js';
import type { CallbackReading } from '../../../core/channels/descriptor.js';

export const TENCENT_RANKS: Record<string, number> = { delivered: 4, undelivered: 4 };

/** The answer Tencent Cloud expects; anything else makes it post the batch again. */
export const TENCENT_ACK = { result: 0, errmsg: 'OK' };

export function parseTencentReports(body: unknown): CallbackReading {
  const items = Array.isArray(body) ? body : [body];
  const reports: DeliveryReport[] = [];
  for (const [i, item] of items.entries()) {
    const fields = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
    if (typeof fields.sid !== 'string' || fields.sid === '') return { invalid: `report ${i} has no sid` };
    if (fields.report_status !== 'SUCCESS' && fields.report_status !== 'FAIL') return { invalid: `report ${i} has report_status ${JSON.stringify(fields.report_status)}, not SUCCESS or FAIL` };
    const success = fields.report_status === 'SUCCESS';
    const errmsg = typeof fields.errmsg === 'string' && fields.errmsg !== '' ? fields.errmsg : null;
    reports.push({ providerMessageId: fields.sid, status: success ? 'delivered' : 'undelivered', rank: 4, errorCode: success ? null : errmsg });
  }
  return reports.length === 0 ? { ignored: 'an empty batch of Tencent Cloud reports' } : { reports };
}
