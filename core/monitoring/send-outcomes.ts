/**
 * What became of an action node's touches, as marketers count them: attempted, sent, delivered,
 * failed by reason, suppressed by reason. Pure: classifies the send ledger's grouped rows.
 *
 * - attempted: every touch the journey asked for (one ledger row per run, node and visit).
 * - sent: the provider accepted it; delivered: a delivery report said delivered (or read).
 * - failed: the provider refused it, its outcome is unknown, or a delivery report said undelivered or
 *   failed; by reason (the provider's or channel's error code).
 * - suppressed: it never left because of policy or data: `no_consent`, `frequency_cap`, `no_recipient`
 *   (no phone, no push token, no account manager); and `quiet_hours`: it was held back until the end
 *   of the quiet hours (deferred, not dropped: the touch is counted again by its outcome once asked for).
 */
import type { SendRow } from '../../store/journey-stats.repository.js';

export interface SendOutcomes {
  attempted: number;
  sent: number;
  delivered: number;
  failed: Record<string, number>;
  suppressed: Record<string, number>;
}

export const noSends = (): SendOutcomes => ({ attempted: 0, sent: 0, delivered: 0, failed: {}, suppressed: {} });

const DELIVERED = new Set(['delivered', 'read']);
const UNDELIVERED = new Set(['undelivered', 'failed']);

/** Adds `row`'s touches to `into`. */
export function addSends(into: SendOutcomes, row: Pick<SendRow, 'status' | 'errorCode' | 'deliveryStatus' | 'deliveryErrorCode' | 'count'>): void {
  const n = row.count;
  const bumpOf = (map: Record<string, number>, reason: string) => (map[reason] = (map[reason] ?? 0) + n);
  // A deferral is not a touch of its own: the touch it held back is counted when it is asked for.
  if (row.status === 'deferred') {
    bumpOf(into.suppressed, row.errorCode ?? 'deferred');
    return;
  }
  into.attempted += n;
  if (row.status === 'suppressed' || (row.status === 'failed' && row.errorCode === 'no_recipient')) {
    bumpOf(into.suppressed, row.errorCode ?? 'suppressed');
  } else if (row.status === 'failed' || row.status === 'unknown') {
    bumpOf(into.failed, row.errorCode ?? row.status);
  } else if (row.status === 'sent') {
    into.sent += n;
    if (row.deliveryStatus && DELIVERED.has(row.deliveryStatus)) into.delivered += n;
    else if (row.deliveryStatus && UNDELIVERED.has(row.deliveryStatus)) bumpOf(into.failed, row.deliveryErrorCode ?? row.deliveryStatus);
  }
  // pending / sending: asked for and in flight; counted as attempted only.
}

/** The outcomes of `rows` (all of them, or those `keep` accepts). */
export function sendOutcomes(rows: SendRow[], keep: (r: SendRow) => boolean = () => true): SendOutcomes {
  const out = noSends();
  for (const r of rows) if (keep(r)) addSends(out, r);
  return out;
}
