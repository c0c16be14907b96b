/**
 * Everything the engine keeps about one customer, table by table: read whole for an export, and
 * erased (deleted or irreversibly blanked) on request. `ERASURE_PLAN` names every table that holds a
 * customer's rows and what erasure does to it; test/api/customer-erasure.api.test.ts fails when a table
 * with a `customer_id` column is missing from it.
 */
import type { Queryable } from './queryable.js';

/** What erasure does to each table holding a customer's rows (docs/operations.md#erasure). */
export const ERASURE_PLAN: Readonly<Record<string, string>> = {
  customers: 'deleted (traits, consent)',
  customer_identities: 'deleted (device ids)',
  segment_memberships: 'deleted',
  events: 'kept for aggregate counts; properties blanked',
  enrollments: 'kept for stats; entry payload blanked; live runs end with exit reason erased',
  enrollment_steps: 'kept for per-node counts; detail reduced to the branch port',
  enrollment_refusals: 'kept for counts; entry payload blanked',
  messages: 'kept for message counts; rendered request, recipient and error text removed',
  message_delivery_reports: 'kept (status, provider code and generic explanation only)',
  recorded_sends: 'kept for counts; recipient and payload removed',
  crm_tasks: 'kept for task counts; title, details, outcome and outbound error removed',
  backtest_population: 'kept (the customer id only, a pseudonym)',
  audit_log: 'kept (law requires it); device ids in identity details replaced',
};

/** The text left where a NOT NULL personal text was. */
export const ERASED = '[erased]';

/** Rows of one table, as stored (jsonb as objects). */
type Rows = Record<string, unknown>[];

/** One customer's rows across the tables an export holds. */
export interface CustomerDataRows {
  customer: Record<string, unknown> | null;
  identities: Rows;
  events: Rows;
  segmentMemberships: Rows;
  enrollments: Rows;
  steps: Rows;
  refusals: Rows;
  messages: Rows;
  deliveryReports: Rows;
  recordedSends: Rows;
  crmTasks: Rows;
  audit: Rows;
}

/** How many rows erasure changed, by table. */
export type ErasureCounts = Record<string, number>;

export class CustomerDataRepository {
  constructor(private readonly db: Queryable) {}

  /** Every row the engine keeps about the customer, oldest first in each table. */
  async rowsOf(customerId: string): Promise<CustomerDataRows> {
    const q = (sql: string): Promise<Rows> => this.db.query(sql, [customerId]);
    const [customer] = await q(`SELECT id, traits, created_at, updated_at FROM customers WHERE id = $1`);
    return {
      customer: customer ?? null,
      identities: await q(`SELECT anonymous_id, linked_at, source FROM customer_identities WHERE customer_id = $1 ORDER BY linked_at`),
      events: await q(`SELECT event_id, name, event_time, received_at, properties FROM events WHERE customer_id = $1 ORDER BY event_time, id`),
      segmentMemberships: await q(`SELECT segment_key, entered_at FROM segment_memberships WHERE customer_id = $1 ORDER BY entered_at`),
      enrollments: await q(
        `SELECT id, journey_id, version_id, entry_key, seq, trigger_key, status, entry, current_node, waiting_until, enrolled_at, ended_at, exit_reason
           FROM enrollments WHERE customer_id = $1 ORDER BY enrolled_at, id`,
      ),
      steps: await q(
        `SELECT s.enrollment_id, s.seq, s.at, s.node_id, s.kind, s.detail FROM enrollment_steps s JOIN enrollments e ON e.id = s.enrollment_id
          WHERE e.customer_id = $1 ORDER BY s.enrollment_id, s.seq`,
      ),
      refusals: await q(`SELECT journey_id, version_id, reason, rule, enrollment_id, trigger_key, entry, at FROM enrollment_refusals WHERE customer_id = $1 ORDER BY at, id`),
      messages: await q(
        `SELECT id, enrollment_id, node_id, action, category, status, provider, provider_message_id, recipient, request, error_code, error_message, created_at
           FROM messages WHERE customer_id = $1 ORDER BY created_at, id`,
      ),
      deliveryReports: await q(
        `SELECT r.message_id, r.status, r.error_code, r.explanation, r.received_at FROM message_delivery_reports r JOIN messages m ON m.id = r.message_id
          WHERE m.customer_id = $1 ORDER BY r.message_id, r.id`,
      ),
      recordedSends: await q(`SELECT idempotency_key, channel, recipient, payload, created_at FROM recorded_sends WHERE customer_id = $1 ORDER BY id`),
      crmTasks: await q(`SELECT id, enrollment_id, journey_id, node_id, assignee, queue, title, details, due_at, status, outcome, created_at FROM crm_tasks WHERE customer_id = $1 ORDER BY id`),
      audit: await q(`SELECT at, actor_name, actor_role, action, detail FROM audit_log WHERE entity_type = 'customer' AND entity_id = $1 ORDER BY id`),
    };
  }

  /** The ids of the customer's runs that are still live (pending or active). */
  async liveRunsOf(customerId: string, tx: Queryable = this.db): Promise<string[]> {
    const rows: { id: string }[] = await tx.query(`SELECT id FROM enrollments WHERE customer_id = $1 AND status IN ('pending', 'active') ORDER BY id`, [customerId]);
    return rows.map((r) => r.id);
  }

  /**
   * Erases the customer's personal data in every table of ERASURE_PLAN (in `tx`), ending their live
   * runs with exit reason `erased`. Idempotent: a second call finds nothing left to change.
   */
  async erase(customerId: string, tx: Queryable): Promise<ErasureCounts> {
    const run = async (sql: string, params: unknown[] = [customerId]): Promise<number> => {
      const rows: { n: number }[] = await tx.query(`WITH changed AS (${sql} RETURNING 1) SELECT count(*)::int AS n FROM changed`, params);
      return rows[0].n;
    };
    const devices: { anonymous_id: string }[] = await tx.query(`SELECT anonymous_id FROM customer_identities WHERE customer_id = $1`, [customerId]);
    const blankEntry = `jsonb_build_object('kind', entry->'kind', 'erased', true)`;
    return {
      audit_log: await run(
        `UPDATE audit_log SET detail = jsonb_set(detail, '{anonymousId}', to_jsonb($2::text))
          WHERE action = 'customer.identity_moved' AND detail->>'anonymousId' = ANY($1::text[])`,
        [devices.map((d) => d.anonymous_id), ERASED],
      ),
      enrollments_ended: await run(
        `UPDATE enrollments SET status = 'exited', exit_reason = 'erased', ended_at = now(), waiting_until = NULL, moves_on_at = NULL
          WHERE customer_id = $1 AND status IN ('pending', 'active')`,
      ),
      enrollments: await run(`UPDATE enrollments SET entry = ${blankEntry} WHERE customer_id = $1 AND NOT (entry ? 'erased')`),
      enrollment_steps: await run(
        `UPDATE enrollment_steps s SET detail = CASE WHEN s.detail ? 'port' THEN jsonb_build_object('port', s.detail->'port') ELSE '{}'::jsonb END
           FROM enrollments e WHERE e.id = s.enrollment_id AND e.customer_id = $1 AND s.detail - 'port' <> '{}'::jsonb`,
      ),
      enrollment_refusals: await run(`UPDATE enrollment_refusals SET entry = ${blankEntry} WHERE customer_id = $1 AND NOT (entry ? 'erased')`),
      messages: await run(
        `UPDATE messages SET request = '{}'::jsonb, recipient = NULL, error_message = NULL
          WHERE customer_id = $1 AND (request <> '{}'::jsonb OR recipient IS NOT NULL OR error_message IS NOT NULL)`,
      ),
      recorded_sends: await run(`UPDATE recorded_sends SET recipient = $2, payload = '{}'::jsonb WHERE customer_id = $1 AND recipient <> $2`, [customerId, ERASED]),
      crm_tasks: await run(
        `UPDATE crm_tasks SET title = $2, details = NULL, outcome = NULL, outbound_error = NULL, updated_at = now() WHERE customer_id = $1 AND title <> $2`,
        [customerId, ERASED],
      ),
      events: await run(`UPDATE events SET properties = '{}'::jsonb WHERE customer_id = $1 AND properties <> '{}'::jsonb`),
      segment_memberships: await run(`DELETE FROM segment_memberships WHERE customer_id = $1`),
      customer_identities: await run(`DELETE FROM customer_identities WHERE customer_id = $1`),
      customers: await run(`DELETE FROM customers WHERE id = $1`),
    };
  }
}
