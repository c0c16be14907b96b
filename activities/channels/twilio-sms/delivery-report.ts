/** Twilio status callbacks read into delivery reports (the sms descriptor's delivery-report route). */
import type { DeliveryReport } from '../../../core/channels/channel.js';

/**
 * Twilio's MessageStatus -> our delivery status, ranked by how far along a message is. Callbacks can
 * arrive out of order (a `sent` after its `delivered`), so a lower rank never overwrites a higher one.
 */
const DELIVERY_STATUSES: Record<string, { status: string; rank: number }> = {
  accepted: { status: 'queued', rank: 1 },
  scheduled: { status: 'queued', rank: 1 },
  queued: { status: 'queued', rank: 1 },
  sending: { status: 'sending', rank: 2 },
  sent: { status: 'sent', rank: 3 },
  delivered: { status: 'delivered', rank: 4 },
  undelivered: { status: 'undelivered', rank: 4 },
  failed: { status: 'failed', rank: 4 },
  canceled: { status: 'canceled', rank: 4 },
  read: { status: 'read', rank: 5 },
};

/** Rank of each of our delivery statuses, for comparing with what the ledger already holds. */
export const DELIVERY_RANKS: Record<string, number> = Object.fromEntries(Object.values(DELIVERY_STATUSES).map((s) => [s.status, s.rank]));

/** `MessageSid`, `MessageStatus` and `ErrorCode` of a status callback; null without a sid or with an unknown status. */
export function parseTwilioDeliveryReport(fields: Record<string, string>): DeliveryReport | null {
  const sid = fields.MessageSid;
  const mapped = DELIVERY_STATUSES[(fields.MessageStatus ?? '').toLowerCase()];
  if (!sid || !mapped) return null;
  return { providerMessageId: sid, status: mapped.status, rank: mapped.rank, errorCode: fields.ErrorCode || null };
}
