/** `customer_identities`: the anonymous ids (device ids) linked to a customer (docs/identity.md). */
import type { Queryable } from './queryable.js';

/** One anonymous id linked to a customer. */
export interface IdentityRow {
  anonymousId: string;
  customerId: string;
  linkedAt: Date;
  /** How it was linked: `identify`, `event` (an event carried both ids), `move` (identify moved it from another customer). */
  source: string;
}

export class IdentitiesRepository {
  constructor(private readonly db: Queryable) {}

  /**
   * Serialises work on these anonymous ids until the transaction ends: ingestion takes the locks
   * shared (batches do not wait for each other), identify takes them exclusive, so no event is stored
   * under an anonymous id while identify re-keys that id's events.
   */
  async lockAnonymous(anonymousIds: string[], mode: 'shared' | 'exclusive', tx: Queryable): Promise<void> {
    if (anonymousIds.length === 0) return;
    const fn = mode === 'shared' ? 'pg_advisory_xact_lock_shared' : 'pg_advisory_xact_lock';
    // Sorted, so two transactions never take the same locks in opposite orders.
    await tx.query(`SELECT ${fn}(hashtextextended('anon:' || a, 0)) FROM unnest($1::text[]) AS a ORDER BY a`, [[...new Set(anonymousIds)].sort()]);
  }

  /** The customer each of `anonymousIds` is linked to (unlinked ids are absent). */
  async customersOf(anonymousIds: string[], tx: Queryable = this.db): Promise<Map<string, string>> {
    if (anonymousIds.length === 0) return new Map();
    const rows: { anonymous_id: string; customer_id: string }[] = await tx.query(
      `SELECT anonymous_id, customer_id FROM customer_identities WHERE anonymous_id = ANY($1::text[])`,
      [anonymousIds],
    );
    return new Map(rows.map((r) => [r.anonymous_id, r.customer_id]));
  }

  /** Links the anonymous id to the customer (replacing any link it had). */
  async link(anonymousId: string, customerId: string, source: string, tx: Queryable = this.db): Promise<void> {
    await tx.query(
      `INSERT INTO customer_identities (anonymous_id, customer_id, source) VALUES ($1, $2, $3)
       ON CONFLICT (anonymous_id) DO UPDATE SET customer_id = EXCLUDED.customer_id, source = EXCLUDED.source, linked_at = now()`,
      [anonymousId, customerId, source],
    );
  }

  /** Links each unlinked anonymous id to its customer (ids already linked keep their link). */
  async linkUnlinked(links: { anonymousId: string; customerId: string }[], source: string, tx: Queryable = this.db): Promise<void> {
    if (links.length === 0) return;
    await tx.query(
      `INSERT INTO customer_identities (anonymous_id, customer_id, source)
       SELECT l.anonymous_id, l.customer_id, $2 FROM jsonb_to_recordset($1::jsonb) AS l(anonymous_id text, customer_id text)
       ON CONFLICT (anonymous_id) DO NOTHING`,
      [JSON.stringify(links.map((l) => ({ anonymous_id: l.anonymousId, customer_id: l.customerId }))), source],
    );
  }

  /** The anonymous ids linked to the customer, oldest link first. */
  async ofCustomer(customerId: string): Promise<IdentityRow[]> {
    return this.db.query(
      `SELECT anonymous_id AS "anonymousId", customer_id AS "customerId", linked_at AS "linkedAt", source
         FROM customer_identities WHERE customer_id = $1 ORDER BY linked_at, anonymous_id`,
      [customerId],
    );
  }
}
