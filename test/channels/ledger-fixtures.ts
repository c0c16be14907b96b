/** Rows a ledger test needs (a journey, a version, customers with enrollments) and readers of the result. */
import { randomInt } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { idempotencyKeyOf } from '../../activities/actions.js';
import type { ActionRequest } from '../../engine/runtime.js';

export interface LedgerRow {
  status: string;
  attempts: number;
  provider: string | null;
  provider_message_id: string | null;
  error_code: string | null;
  delivery_status: string | null;
  delivery_error_code: string | null;
  delivery_updated_at: Date | null;
}

/** A journey to hang enrollments on; returns a factory of SMS action requests for fresh customers. */
export async function ledgerFixtures(db: DataSource, prefix: string) {
  const run = `${prefix}-${Date.now().toString(36)}-${process.pid}`;
  await db.query(`INSERT INTO journeys (id, name) VALUES ($1, $2)`, [run, prefix]);
  await db.query(
    `INSERT INTO journey_versions (id, journey_id, version, canvas, plan, trigger_kind) VALUES ($1, $2, 1, '{}', '{}', 'api')`,
    [`${run}@1`, run],
  );
  let n = 0;
  return {
    /** The journey every request belongs to (unique per test run). */
    journeyId: run,
    /** A fresh customer with `traits`, enrolled, and an `sms` request for them. */
    async smsRequest(traits: Record<string, unknown>, body = 'Hi {{ customer.id }}, your statement is ready'): Promise<ActionRequest> {
      n++;
      const customerId = `${run}-c${n}`;
      const enrollmentId = `${run}:e${n}`;
      await db.query(`INSERT INTO customers (id, traits) VALUES ($1, $2)`, [customerId, JSON.stringify(traits)]);
      await db.query(
        `INSERT INTO enrollments (id, journey_id, version_id, customer_id, seq, status) VALUES ($1, $2, $3, $4, 1, 'active')`,
        [enrollmentId, run, `${run}@1`, customerId],
      );
      return {
        enrollmentId,
        journeyId: run,
        versionId: `${run}@1`,
        customerId,
        nodeId: 'sms',
        attempt: 1,
        action: 'sms',
        category: 'marketing',
        params: { body },
        entry: {},
        journeyName: prefix,
        at: Date.now(),
      };
    },
    /** A random E.164 mobile number (mainland China range), so tests never share a recipient. */
    phone: () => `+86139${String(randomInt(0, 100_000_000)).padStart(8, '0')}`,
  };
}

export async function ledgerOf(db: DataSource, req: ActionRequest): Promise<LedgerRow> {
  const rows: LedgerRow[] = await db.query(
    `SELECT status, attempts, provider, provider_message_id, error_code, delivery_status, delivery_error_code, delivery_updated_at
       FROM messages WHERE idempotency_key = $1`,
    [idempotencyKeyOf(req)],
  );
  return rows[0];
}

export async function traitsOf(db: DataSource, customerId: string): Promise<Record<string, unknown>> {
  const rows: { traits: Record<string, unknown> }[] = await db.query(`SELECT traits FROM customers WHERE id = $1`, [customerId]);
  return rows[0].traits;
}
