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

/** What each of our delivery statuses means, in a support agent's words. */
const STATUS_MEANINGS: Record<string, string> = {
  queued: 'Twilio accepted the message and queued it',
  sending: 'Twilio is handing the message to the carrier',
  sent: 'the carrier accepted the message',
  delivered: "the carrier confirmed delivery to the customer's phone",
  undelivered: 'the carrier could not deliver the message',
  failed: 'Twilio could not send the message',
  canceled: 'the message was canceled before it was sent',
  read: 'the customer read the message',
};

/** Twilio error codes seen on SMS delivery reports, in plain words (others: see Twilio's error dictionary). */
const ERROR_MEANINGS: Record<string, string> = {
  '21211': 'the phone number is not a valid number',
  '21610': 'the customer replied STOP to this sender; nothing reaches them until they reply START',
  '21614': 'the phone number cannot receive SMS (not a mobile number)',
  '30001': "Twilio's queue for this sender was full",
  '30002': 'the Twilio account is suspended',
  '30003': "the customer's phone is unreachable (switched off or out of coverage)",
  '30004': 'the message was blocked (by the carrier or the customer)',
  '30005': 'the phone number is unknown to the carrier or no longer in service',
  '30006': 'the number is a landline or its carrier cannot receive SMS',
  '30007': 'the carrier filtered the message as spam or unwanted content',
  '30008': 'the carrier reported an unknown error',
};

/** One report in plain words: what the status means and, with an error code, what the code means. */
export function explainTwilioReport(status: string, errorCode: string | null): string {
  const meaning = STATUS_MEANINGS[status] ?? `Twilio reported "${status}"`;
  if (!errorCode) return meaning;
  const cause = ERROR_MEANINGS[errorCode] ?? 'see Twilio\'s error dictionary for this code';
  return `${meaning}: Twilio error ${errorCode}, ${cause}`;
}
