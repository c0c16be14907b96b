/**
 * A customer's data requests under personal-information law (PIPL, GDPR): the export of everything
 * the engine holds about them, and its erasure. Both are audited. Erasure ends the customer's runs in
 * Temporal first (terminated: no activity of theirs is scheduled after the answer), then deletes or
 * blanks their personal data in one transaction (store/customer-data.repository.ts, ERASURE_PLAN);
 * what stays is what aggregates and the law need (run, message and event rows keyed by the customer id,
 * the audit log). docs/operations.md#erasure.
 */
import type { DataSource } from 'typeorm';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { AuditLog } from '../access/audit-log.js';
import type { Principal } from '../access/roles.js';
import { notFound } from '../errors.js';
import { CustomerDataRepository, type CustomerDataRows, type ErasureCounts } from '../../store/customer-data.repository.js';
import type { Logger } from '../../observability/logger.js';

/** The export document: every table's rows of the customer, with when it was made. */
export interface CustomerExport extends Omit<CustomerDataRows, 'customer'> {
  customerId: string;
  exportedAt: string;
  profile: Record<string, unknown>;
}

export interface ErasureOutcome {
  customerId: string;
  /** False when there was nothing left to erase (a repeated request). */
  erased: boolean;
  /** Runs ended (their workflows terminated) with exit reason `erased`. */
  runsEnded: number;
  /** Rows changed, by table. */
  rows: ErasureCounts;
}

export interface DataRequestsDeps {
  db: DataSource;
  temporal: Client;
  audit: AuditLog;
  logger?: Pick<Logger, 'info'>;
}

export class CustomerDataRequests {
  constructor(private readonly deps: DataRequestsDeps) {}

  /** Everything held about the customer as one document; audited as `customer.export`. 404 when unknown. */
  async export(actor: Principal, customerId: string): Promise<CustomerExport> {
    const { customer, ...rows } = await new CustomerDataRepository(this.deps.db).rowsOf(customerId);
    if (!customer) throw notFound('customer_not_found', `No customer with id "${customerId}"`);
    await this.deps.audit.record(actor, { action: 'customer.export', entityType: 'customer', entityId: customerId, detail: { events: rows.events.length, messages: rows.messages.length } });
    return { customerId, exportedAt: new Date().toISOString(), profile: customer, ...rows };
  }

  /**
   * Ends the customer's live runs (terminated with reason `erased`), then erases their personal data;
   * audited as `customer.erasure` with the counts (never the data). Idempotent: a repeat answers
   * `erased: false` with zero counts (and is audited too).
   */
  async erase(actor: Principal, customerId: string, reason: string): Promise<ErasureOutcome> {
    const data = new CustomerDataRepository(this.deps.db);
    const live = await data.liveRunsOf(customerId);
    for (const id of live) await this.terminate(id);
    const rows = await this.deps.db.transaction(async (tx) => {
      const counts = await new CustomerDataRepository(tx).erase(customerId, tx);
      await this.deps.audit.record(actor, { action: 'customer.erasure', entityType: 'customer', entityId: customerId, detail: { reason, rows: counts } }, tx);
      return counts;
    });
    const erased = Object.values(rows).some((n) => n > 0);
    this.deps.logger?.info('customer erased', { customerId, erased, runsEnded: rows.enrollments_ended });
    return { customerId, erased, runsEnded: rows.enrollments_ended, rows };
  }

  private async terminate(enrollmentId: string): Promise<void> {
    try {
      await this.deps.temporal.workflow.getHandle(enrollmentId).terminate('customer erased');
    } catch (err) {
      // Already ended (or its start was deferred and never happened): nothing runs for it.
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
  }
}
