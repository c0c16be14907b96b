/** `messages`, read for a simulation: the marketing touches a customer already received (frequency caps count them). Read-only. */
import type { Queryable } from './queryable.js';

export class SendHistoryRepository {
  constructor(private readonly db: Queryable) {}

  /** Marketing touches to the customer sent (or possibly sent) after `sinceMs`, by action and request time (epoch ms). */
  async marketingSendsSince(customerId: string, sinceMs: number): Promise<{ action: string; at: number }[]> {
    const rows: { action: string; at_ms: string }[] = await this.db.query(
      `SELECT action, (extract(epoch FROM requested_at) * 1000)::bigint AS at_ms FROM messages
        WHERE customer_id = $1 AND category = 'marketing' AND status IN ('sending', 'sent', 'unknown')
          AND requested_at > to_timestamp($2 / 1000.0)`,
      [customerId, sinceMs],
    );
    return rows.map((r) => ({ action: r.action, at: Number(r.at_ms) }));
  }

  /** The same for a batch of customers, requested in (`sinceMs`, `untilMs`), with the customer of each. */
  async marketingSendsOfCustomers(customerIds: string[], sinceMs: number, untilMs: number): Promise<{ customerId: string; action: string; at: number }[]> {
    if (customerIds.length === 0) return [];
    const rows: { customer_id: string; action: string; at_ms: string }[] = await this.db.query(
      `SELECT customer_id, action, (extract(epoch FROM requested_at) * 1000)::bigint AS at_ms FROM messages
        WHERE customer_id = ANY($1::text[]) AND category = 'marketing' AND status IN ('sending', 'sent', 'unknown')
          AND requested_at > to_timestamp($2 / 1000.0) AND requested_at < to_timestamp($3 / 1000.0)`,
      [customerIds, sinceMs, untilMs],
    );
    return rows.map((r) => ({ customerId: r.customer_id, action: r.action, at: Number(r.at_ms) }));
  }
}
