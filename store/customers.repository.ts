/** `customers`: the profile (id and jsonb traits) that activities and the API read and change. */
import type { Queryable } from './queryable.js';

/** Who a consent change applies to: one customer by id, or every customer whose `phone` trait is this number. */
export type ConsentTarget = { customerId: string } | { phone: string };

export class CustomersRepository {
  constructor(private readonly db: Queryable) {}

  /** The customer's traits, or null when no such customer exists. */
  async traitsOf(customerId: string): Promise<Record<string, unknown> | null> {
    const rows: { traits: Record<string, unknown> }[] = await this.db.query(`SELECT traits FROM customers WHERE id = $1`, [customerId]);
    return rows[0]?.traits ?? null;
  }

  /** The traits of each of `customerIds` that exists, by id (one query, for batched reads). */
  async traitsOfMany(customerIds: string[]): Promise<Map<string, Record<string, unknown>>> {
    const rows: { id: string; traits: Record<string, unknown> }[] = await this.db.query(`SELECT id, traits FROM customers WHERE id = ANY($1::text[])`, [customerIds]);
    return new Map(rows.map((r) => [r.id, r.traits]));
  }

  /** Makes the customer known (no traits) unless it already is. */
  async ensureKnown(customerId: string): Promise<void> {
    await this.db.query(`INSERT INTO customers (id) VALUES ($1) ON CONFLICT (id) DO NOTHING`, [customerId]);
  }

  /** Makes every one of the customers known (no traits) unless they already are. */
  async ensureAllKnown(customerIds: string[], tx: Queryable = this.db): Promise<void> {
    await tx.query(`INSERT INTO customers (id) SELECT DISTINCT unnest($1::text[]) ON CONFLICT (id) DO NOTHING`, [customerIds]);
  }

  /** Creates the customer with `traits`, or merges them into its traits (top-level keys replaced). */
  async mergeTraits(customerId: string, traits: Record<string, unknown>): Promise<void> {
    await this.db.query(
      `INSERT INTO customers (id, traits) VALUES ($1, $2::jsonb)
       ON CONFLICT (id) DO UPDATE SET traits = customers.traits || $2::jsonb, updated_at = now()`,
      [customerId, JSON.stringify(traits)],
    );
  }

  /** Like mergeTraits, then removes the `unset` keys. */
  async mergeAndUnsetTraits(customerId: string, set: Record<string, unknown>, unset: string[]): Promise<void> {
    await this.db.query(
      `INSERT INTO customers (id, traits) VALUES ($1, $2::jsonb)
       ON CONFLICT (id) DO UPDATE SET traits = (customers.traits || $2::jsonb) - $3::text[], updated_at = now()`,
      [customerId, JSON.stringify(set), unset],
    );
  }

  /**
   * Sets `consent.sms` (keeping the other consents) and stamps or clears `sms_opted_out_at`, in one
   * jsonb update so concurrent trait merges are not lost. Returns the ids of the customers changed.
   */
  async setSmsConsent(target: ConsentTarget, consented: boolean): Promise<string[]> {
    return this.setConsent(target, 'sms', consented);
  }

  /**
   * Sets `consent.<channel>` and, on an opt-out, `<channel>_opted_out_at` (now; removed on an opt-in)
   * on the customers `target` names; answers their ids.
   */
  async setConsent(target: ConsentTarget, channel: string, consented: boolean): Promise<string[]> {
    const [where, value] = 'customerId' in target ? ['id = $1', target.customerId] : [`traits->>'phone' = $1`, target.phone];
    const rows: { id: string }[] = await this.db.query(
      `WITH changed AS (
         UPDATE customers
            SET traits = (CASE WHEN $2::boolean THEN traits - ($3 || '_opted_out_at')
                               ELSE traits || jsonb_build_object($3 || '_opted_out_at', to_jsonb(now())) END)
                         || jsonb_build_object('consent',
                              (CASE WHEN jsonb_typeof(traits->'consent') = 'object' THEN traits->'consent' ELSE '{}'::jsonb END)
                              || jsonb_build_object($3::text, $2::boolean)),
                updated_at = now()
          WHERE ${where}
          RETURNING id
       ) SELECT id FROM changed`,
      [value, consented, channel],
    );
    return rows.map((r) => r.id);
  }

  /** Removes exactly `tokens` from the customer's `push_tokens` array, as the row is when updated. */
  async removePushTokens(customerId: string, tokens: string[]): Promise<void> {
    await this.removeListValues(customerId, 'push_tokens', tokens);
  }

  /** Removes exactly `values` from the customer's list trait `trait` (device ids), as the row is when updated. */
  async removeListValues(customerId: string, trait: string, values: string[]): Promise<void> {
    await this.db.query(
      `UPDATE customers
          SET traits = jsonb_set(traits, ARRAY[$3::text], (traits -> $3::text) - $2::text[]), updated_at = now()
        WHERE id = $1 AND jsonb_typeof(traits -> $3::text) = 'array'`,
      [customerId, values, trait],
    );
  }
}
