/**
 * SMS consent in the customer's traits: `consent.sms` (boolean) and `sms_opted_out_at` (ISO time).
 * Shared by the channel (Twilio refused a send with 21610) and the API (STOP replies, callbacks).
 */
import type { DataSource } from 'typeorm';

/** Who to change: one customer by id, or every customer whose `phone` trait is this E.164 number. */
export type ConsentTarget = { customerId: string } | { phone: string };

/**
 * Sets `consent.sms` (keeping the other consents) and stamps or clears `sms_opted_out_at`, in one
 * jsonb update so concurrent trait merges are not lost. Returns the ids of the customers changed.
 */
export async function setSmsConsent(db: DataSource, target: ConsentTarget, consented: boolean): Promise<string[]> {
  const [where, value] = 'customerId' in target ? ['id = $1', target.customerId] : [`traits->>'phone' = $1`, target.phone];
  const rows: { id: string }[] = await db.query(
    `WITH changed AS (
       UPDATE customers
          SET traits = (CASE WHEN $2::boolean THEN traits - 'sms_opted_out_at'
                             ELSE traits || jsonb_build_object('sms_opted_out_at', to_jsonb(now())) END)
                       || jsonb_build_object('consent',
                            (CASE WHEN jsonb_typeof(traits->'consent') = 'object' THEN traits->'consent' ELSE '{}'::jsonb END)
                            || jsonb_build_object('sms', $2::boolean)),
              updated_at = now()
        WHERE ${where}
        RETURNING id
     ) SELECT id FROM changed`,
    [value, consented],
  );
  return rows.map((r) => r.id);
}

/** True when the customer has opted out of SMS (`consent.sms === false`). */
export function hasOptedOutOfSms(traits: Record<string, unknown>): boolean {
  const consent = traits.consent;
  return typeof consent === 'object' && consent !== null && (consent as Record<string, unknown>).sms === false;
}
