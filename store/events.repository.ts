/** `events`: customer events, stored once per event id, and whether each has been dispatched to journeys. */
import type { Queryable } from './queryable.js';

/** One event to store, as the API received it (event time already an ISO string). */
export interface NewEvent {
  eventId: string;
  customerId: string;
  name: string;
  eventTime: string;
  properties: Record<string, unknown>;
}

/** One stored event. */
export interface StoredEvent {
  id: string;
  event_id: string;
  customer_id: string;
  name: string;
  event_time: Date;
  properties: Record<string, unknown>;
}

/** One event of a customer, as a run reads it. */
export interface CustomerEventRow {
  event_id: string;
  name: string;
  event_time: Date;
  properties: Record<string, unknown>;
}

export class EventsRepository {
  constructor(private readonly db: Queryable) {}

  /** Stores the events whose id is new; returns those (an id seen before is skipped). */
  async insertNew(events: NewEvent[], tx: Queryable = this.db): Promise<StoredEvent[]> {
    return tx.query(
      `INSERT INTO events (event_id, customer_id, name, event_time, properties)
       SELECT e.event_id, e.customer_id, e.name, e.event_time, COALESCE(e.properties, '{}'::jsonb)
         FROM jsonb_to_recordset($1::jsonb) AS e(event_id text, customer_id text, name text, event_time timestamptz, properties jsonb)
       ON CONFLICT (event_id) DO NOTHING
       RETURNING id, event_id, customer_id, name, event_time, properties`,
      [
        JSON.stringify(
          events.map((e) => ({ event_id: e.eventId, customer_id: e.customerId, name: e.name, event_time: e.eventTime, properties: e.properties })),
        ),
      ],
    );
  }

  /** Events received more than `olderThanMs` ago and not dispatched yet, oldest first, at most `limit`. */
  async undispatchedOlderThan(olderThanMs: number, limit: number): Promise<StoredEvent[]> {
    return this.db.query(
      `SELECT id, event_id, customer_id, name, event_time, properties FROM events
        WHERE dispatched_at IS NULL AND received_at < now() - make_interval(secs => $1 / 1000.0)
        ORDER BY id LIMIT $2`,
      [olderThanMs, limit],
    );
  }

  async markDispatched(id: string): Promise<void> {
    await this.db.query(`UPDATE events SET dispatched_at = now() WHERE id = $1`, [id]);
  }

  /** How many events named `name` the customer has with event time in (fromMs, toMs] (no lower bound when null). */
  async countOfCustomer(customerId: string, name: string, fromMs: number | null, toMs: number): Promise<number> {
    const rows: { n: string }[] = await this.db.query(
      `SELECT count(*) AS n FROM events
        WHERE customer_id = $1 AND name = $2 AND event_time <= to_timestamp($3 / 1000.0)
          AND ($4::double precision IS NULL OR event_time > to_timestamp($4 / 1000.0))`,
      [customerId, name, toMs, fromMs],
    );
    return Number(rows[0].n);
  }

  /** The properties of the customer's events named `name` with event time in (fromMs, toMs]. */
  async propertiesOfCustomer(customerId: string, name: string, fromMs: number | null, toMs: number): Promise<Record<string, unknown>[]> {
    const rows: { properties: Record<string, unknown> }[] = await this.db.query(
      `SELECT properties FROM events
        WHERE customer_id = $1 AND name = $2 AND event_time <= to_timestamp($3 / 1000.0)
          AND ($4::double precision IS NULL OR event_time > to_timestamp($4 / 1000.0))`,
      [customerId, name, toMs, fromMs],
    );
    return rows.map((r) => r.properties);
  }

  /** The customer's events named `name` with event time in [fromMs, toMs], in event-time order. */
  async ofCustomerBetween(customerId: string, name: string, fromMs: number, toMs: number): Promise<CustomerEventRow[]> {
    return this.db.query(
      `SELECT event_id, name, event_time, properties FROM events
        WHERE customer_id = $1 AND name = $2
          AND event_time >= to_timestamp($3 / 1000.0) AND event_time <= to_timestamp($4 / 1000.0)
        ORDER BY event_time, id`,
      [customerId, name, fromMs, toMs],
    );
  }

  /**
   * The customer's history a journey condition reads: events named in `needs`, each from its window
   * start (exclusive; null: the whole history) to `toMs` (inclusive). One query, any order.
   */
  async historyOf(customerId: string, needs: { name: string; sinceMs: number | null }[], toMs: number): Promise<CustomerEventRow[]> {
    if (needs.length === 0) return [];
    return this.db.query(
      `SELECT e.event_id, e.name, e.event_time, e.properties
         FROM unnest($2::text[], $3::double precision[]) AS w(name, since_ms)
         JOIN events e ON e.customer_id = $1 AND e.name = w.name
        WHERE e.event_time <= to_timestamp($4 / 1000.0)
          AND (w.since_ms IS NULL OR e.event_time > to_timestamp(w.since_ms / 1000.0))`,
      [customerId, needs.map((n) => n.name), needs.map((n) => n.sinceMs), toMs],
    );
  }
}
