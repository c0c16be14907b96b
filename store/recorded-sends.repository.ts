/** `recorded_sends`: what the recording channel would have sent, one row per try (development and tests). */
import type { Queryable } from './queryable.js';

export class RecordedSendsRepository {
  constructor(private readonly db: Queryable) {}

  /** Records one send; returns its row id. */
  async insert(idempotencyKey: string, channel: string, customerId: string, recipient: string, payload: Record<string, unknown>): Promise<string> {
    const rows: { id: string }[] = await this.db.query(
      `INSERT INTO recorded_sends (idempotency_key, channel, customer_id, recipient, payload)
       VALUES ($1, $2, $3, $4, $5) RETURNING id`,
      [idempotencyKey, channel, customerId, recipient, JSON.stringify(payload)],
    );
    return rows[0].id;
  }

  /** The first send recorded for the touch; null when there is none. */
  async firstOf(idempotencyKey: string): Promise<{ id: string; recipient: string } | null> {
    const rows: { id: string; recipient: string }[] = await this.db.query(
      `SELECT id, recipient FROM recorded_sends WHERE idempotency_key = $1 ORDER BY id LIMIT 1`,
      [idempotencyKey],
    );
    return rows[0] ?? null;
  }
}
