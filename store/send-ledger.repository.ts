/**
 * `messages`: the send ledger. One row per touch (idempotency key = run, node, visit), claimed before
 * the provider is called and settled after, so a retried activity never sends twice; delivery reports
 * update it afterwards. Methods that take part in a caller's transaction take its manager as `tx`.
 */
import type { Queryable } from './queryable.js';

/** A ledger row as a send decides on it. */
export interface LedgerRow {
  status: 'pending' | 'sending' | 'sent' | 'failed' | 'unknown' | 'suppressed';
  attempts: number;
  provider: string | null;
  provider_message_id: string | null;
  error_code: string | null;
  error_message: string | null;
}

/** The first claim of a touch. */
export interface NewTouch {
  idempotencyKey: string;
  enrollmentId: string;
  nodeId: string;
  customerId: string;
  action: string;
  category: string;
  request: Record<string, unknown>;
  /** When the run asked for the touch (epoch ms). */
  requestedAt: number;
}

/** What a settled (or retried) try writes. */
export interface LedgerSettlement {
  status: LedgerRow['status'];
  provider: string | null;
  providerMessageId: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  /** Who the provider sent to (phone, token, queue), when the channel says; a known one is kept when null. */
  recipient?: string | null;
}

/** One message of an enrollment, for the customer's history (camel-cased by the query). */
export interface EnrollmentMessageRow {
  /** The ledger row's id (delivery reports hang off it). */
  id: string;
  enrollmentId: string;
  /** The journey version whose action node (and template) the message came from. */
  versionId: string;
  nodeId: string;
  recipient: string | null;
  /** The params as rendered for the send (the SMS body, the push title and body, ...). */
  request: Record<string, unknown>;
  action: string;
  status: string;
  provider: string | null;
  providerMessageId: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  /** The provider's latest delivery report (delivered, undelivered, ...), null before the first. */
  deliveryStatus: string | null;
  deliveryErrorCode: string | null;
  createdAt: Date;
}

/** One delivery report as it arrived (camel-cased by the query). */
export interface DeliveryReportRow {
  messageId: string;
  status: string;
  errorCode: string | null;
  explanation: string;
  receivedAt: Date;
}

export class SendLedgerRepository {
  constructor(private readonly db: Queryable) {}

  /** Inserts the touch's row as `pending` unless it exists. */
  async insertIfNew(t: NewTouch, tx: Queryable = this.db): Promise<void> {
    await tx.query(
      `INSERT INTO messages (idempotency_key, enrollment_id, node_id, customer_id, action, category, status, request, requested_at)
       VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, to_timestamp($8 / 1000.0)) ON CONFLICT (idempotency_key) DO NOTHING`,
      [t.idempotencyKey, t.enrollmentId, t.nodeId, t.customerId, t.action, t.category, JSON.stringify(t.request), t.requestedAt],
    );
  }

  /** The touch's row, locked until the transaction ends. */
  async lockByKey(idempotencyKey: string, tx: Queryable): Promise<LedgerRow> {
    const [row]: LedgerRow[] = await tx.query(
      `SELECT status, attempts, provider, provider_message_id, error_code, error_message FROM messages
        WHERE idempotency_key = $1 FOR UPDATE`,
      [idempotencyKey],
    );
    return row;
  }

  /** Holds the lock of `lockKey` (a hashed advisory lock) until the transaction ends. */
  async lockForTransaction(lockKey: string, tx: Queryable): Promise<void> {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [lockKey]);
  }

  /** Marketing `action`s to the customer, other than `exceptKey`, sent (or possibly sent) after `sinceMs`. */
  async countMarketingSince(customerId: string, action: string, exceptKey: string, sinceMs: number, tx: Queryable = this.db): Promise<number> {
    const [{ n }]: { n: string }[] = await tx.query(
      `SELECT count(*) AS n FROM messages
        WHERE customer_id = $1 AND action = $2 AND category = 'marketing' AND idempotency_key <> $3
          AND status IN ('sending', 'sent', 'unknown') AND requested_at > to_timestamp($4 / 1000.0)`,
      [customerId, action, exceptKey, sinceMs],
    );
    return Number(n);
  }

  /** Marks the touch suppressed by policy, with the reason. */
  async suppress(idempotencyKey: string, code: string, message: string, tx: Queryable = this.db): Promise<void> {
    await tx.query(`UPDATE messages SET status = 'suppressed', error_code = $2, error_message = $3, updated_at = now() WHERE idempotency_key = $1`, [
      idempotencyKey,
      code,
      message,
    ]);
  }

  /** Marks the touch in flight and counts the try. */
  async startAttempt(idempotencyKey: string, tx: Queryable = this.db): Promise<void> {
    await tx.query(`UPDATE messages SET status = 'sending', attempts = attempts + 1, updated_at = now() WHERE idempotency_key = $1`, [idempotencyKey]);
  }

  /** Writes the try's outcome (a provider or message id already known is kept when none is given). */
  async settle(idempotencyKey: string, s: LedgerSettlement): Promise<void> {
    await this.db.query(
      `UPDATE messages SET status = $2, provider = COALESCE($3, provider), provider_message_id = COALESCE($4, provider_message_id),
              error_code = $5, error_message = $6, recipient = COALESCE($7, recipient), updated_at = now()
        WHERE idempotency_key = $1`,
      [idempotencyKey, s.status, s.provider, s.providerMessageId, s.errorCode, s.errorMessage, s.recipient ?? null],
    );
  }

  /** The SMS body claimed for the touch, the customer's phone now, and when it was claimed; null without a row. */
  async smsClaimOf(idempotencyKey: string): Promise<{ body: string | null; phone: string | null; claimed: Date } | null> {
    const rows: { body: string | null; phone: string | null; claimed: Date }[] = await this.db.query(
      `SELECT m.request->>'body' AS body, c.traits->>'phone' AS phone, m.created_at AS claimed
         FROM messages m LEFT JOIN customers c ON c.id = m.customer_id
        WHERE m.idempotency_key = $1`,
      [idempotencyKey],
    );
    return rows[0] ?? null;
  }

  /** Which of the provider's message ids the ledger already holds for touches other than `exceptKey`. */
  async providerIdsTaken(provider: string, providerMessageIds: string[], exceptKey: string): Promise<string[]> {
    const rows: { sid: string }[] = await this.db.query(
      `SELECT provider_message_id AS sid FROM messages
        WHERE provider = $1 AND provider_message_id = ANY($2) AND idempotency_key <> $3`,
      [provider, providerMessageIds, exceptKey],
    );
    return rows.map((r) => r.sid);
  }

  /** The customer a provider's message went to; null when the ledger does not know the message. */
  async customerOfProviderMessage(provider: string, providerMessageId: string): Promise<string | null> {
    const rows: { customer_id: string }[] = await this.db.query(`SELECT customer_id FROM messages WHERE provider = $1 AND provider_message_id = $2`, [
      provider,
      providerMessageId,
    ]);
    return rows[0]?.customer_id ?? null;
  }

  /**
   * Writes a delivery report unless the row already holds a later state (`ranks`: JSON of state ->
   * rank); returns whether it was written.
   */
  async recordDelivery(provider: string, providerMessageId: string, status: string, errorCode: string | null, rank: number, ranks: string): Promise<boolean> {
    const updated: unknown[] = await this.db.query(
      `WITH updated AS (
         UPDATE messages SET delivery_status = $3, delivery_error_code = $4, delivery_updated_at = now()
          WHERE provider = $1 AND provider_message_id = $2
            AND COALESCE(($6::jsonb ->> delivery_status)::int, 0) <= $5
         RETURNING id
       ) SELECT id FROM updated`,
      [provider, providerMessageId, status, errorCode, rank, ranks],
    );
    return updated.length > 0;
  }

  /** Appends a delivery report, as it arrived, to the provider's message (stale ones too: the history shows every report). */
  async appendDeliveryReport(provider: string, providerMessageId: string, status: string, errorCode: string | null, explanation: string): Promise<void> {
    await this.db.query(
      `INSERT INTO message_delivery_reports (message_id, status, error_code, explanation)
       SELECT id, $3, $4, $5 FROM messages WHERE provider = $1 AND provider_message_id = $2`,
      [provider, providerMessageId, status, errorCode, explanation],
    );
  }

  /** The messages of the enrollments, oldest first. */
  async ofEnrollments(enrollmentIds: string[]): Promise<EnrollmentMessageRow[]> {
    return this.db.query(
      `SELECT m.id::text AS id, m.enrollment_id AS "enrollmentId", e.version_id AS "versionId", m.node_id AS "nodeId", m.action,
              m.status, m.recipient, m.request, m.provider, m.provider_message_id AS "providerMessageId", m.error_code AS "errorCode",
              m.error_message AS "errorMessage", m.delivery_status AS "deliveryStatus",
              m.delivery_error_code AS "deliveryErrorCode", m.created_at AS "createdAt"
         FROM messages m JOIN enrollments e ON e.id = m.enrollment_id
        WHERE m.enrollment_id = ANY($1) ORDER BY m.created_at, m.id`,
      [enrollmentIds],
    );
  }

  /** The delivery reports of the messages (ledger ids), in the order they arrived. */
  async deliveryReportsOf(messageIds: string[]): Promise<DeliveryReportRow[]> {
    return this.db.query(
      `SELECT message_id::text AS "messageId", status, error_code AS "errorCode", explanation, received_at AS "receivedAt"
         FROM message_delivery_reports WHERE message_id = ANY($1::bigint[]) ORDER BY message_id, id`,
      [messageIds],
    );
  }
}
