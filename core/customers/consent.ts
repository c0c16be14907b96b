/**
 * Consent recorded by support: a customer who asks by phone to stop (or resume) a channel. Writes
 * `consent.<channel>` in the traits (what the send policy reads) and audits who did it and why.
 */
import type { DataSource } from 'typeorm';
import type { AuditLog } from '../access/audit-log.js';
import type { Principal } from '../access/roles.js';
import { notFound } from '../errors.js';
import { CustomersRepository } from '../../store/customers.repository.js';

/** A consent change as support records it. */
export interface ConsentChangeRequest {
  channel: string;
  consented: boolean;
  reason: string;
}

export class ConsentService {
  constructor(
    private readonly db: DataSource,
    private readonly audit: AuditLog,
  ) {}

  /** Sets the customer's consent for the channel and audits it (`customer.consent`); answers the merged traits. */
  async record(actor: Principal, customerId: string, change: ConsentChangeRequest): Promise<Record<string, unknown>> {
    const customers = new CustomersRepository(this.db);
    const changed = await customers.setConsent({ customerId }, change.channel, change.consented);
    if (changed.length === 0) throw notFound('customer_not_found', `No customer with id "${customerId}"`);
    await this.audit.record(actor, { action: 'customer.consent', entityType: 'customer', entityId: customerId, detail: { ...change } });
    return (await customers.traitsOf(customerId)) ?? {};
  }
}
