/**
 * SMS consent in the customer's traits: `consent.sms` (boolean) and `sms_opted_out_at` (ISO time),
 * written by CustomersRepository.setSmsConsent (the channel on Twilio's 21610, the API on STOP replies
 * and callbacks).
 */

/** True when the customer has opted out of SMS (`consent.sms === false`). */
export function hasOptedOutOfSms(traits: Record<string, unknown>): boolean {
  const consent = traits.consent;
  return typeof consent === 'object' && consent !== null && (consent as Record<string, unknown>).sms === false;
}
