/**
 * The profile support reads in one request (GET /v1/customers/:customerId): traits (personal ones
 * masked for roles that should not see them, by the history's masking rule), consent per channel with
 * when and how it was last changed, linked identities, the runs the customer is in now with their node
 * and next deadline, the last events and the message counts.
 */
import type { DataSource } from 'typeorm';
import type { Role } from '../access/roles.js';
import { AuditLogRepository, type AuditRow } from '../../store/audit-log.repository.js';
import { CustomersRepository } from '../../store/customers.repository.js';
import { CustomerRecordsRepository, type LiveRunRow } from '../../store/customer-records.repository.js';
import { EventsRepository } from '../../store/events.repository.js';
import { IdentitiesRepository } from '../../store/identities.repository.js';
import { maskTraits } from './history-views.js';
import type { CustomerEventView } from './history.js';

/** Channels a customer can opt out of (the send policy reads `consent.<channel>`). */
export const CONSENT_CHANNELS = ['sms', 'push', 'crm_task'] as const;

/** One channel's consent: the recorded value (null: never recorded, touches allowed) and its last change. */
export interface ConsentView {
  channel: string;
  consented: boolean | null;
  /** When the customer opted out (`<channel>_opted_out_at`), null when not opted out. */
  optedOutAt: string | null;
  /** The newest change recorded by support (audit `customer.consent`): when, by whom and why; null when none. */
  lastChange: { at: string; by: string; role: string; reason: string | null } | null;
}

/** A linked anonymous id (docs/identity.md). */
export interface IdentityView {
  anonymousId: string;
  linkedAt: Date;
  source: string;
}

export interface CustomerProfile {
  customerId: string;
  traits: Record<string, unknown>;
  /** Which trait keys were masked for the reader's role. */
  maskedTraits: string[];
  consent: ConsentView[];
  identities: IdentityView[];
  /** The runs the customer is in now, newest first. */
  journeys: LiveRunRow[];
  /** The newest events (at most LAST_EVENTS), newest first. */
  lastEvents: CustomerEventView[];
  /** Messages in the send ledger by status, and their total. */
  messages: { total: number; byStatus: Record<string, number> };
}

export const LAST_EVENTS = 10;
/** Consent changes read to find each channel's newest (support rarely records more). */
const CONSENT_CHANGES_READ = 200;

export class CustomerProfileService {
  constructor(private readonly db: DataSource) {}

  /** The profile, or null when the customer is unknown; personal traits masked unless `role` may read them. */
  async profile(customerId: string, role: Role): Promise<CustomerProfile | null> {
    const raw = await new CustomersRepository(this.db).traitsOf(customerId);
    if (!raw) return null;
    const records = new CustomerRecordsRepository(this.db);
    const [identities, journeys, events, byStatus, changes] = await Promise.all([
      new IdentitiesRepository(this.db).ofCustomer(customerId),
      records.liveRunsOf(customerId),
      new EventsRepository(this.db).pageOfCustomer(customerId, { name: null, fromMs: null, toMs: null }, null, LAST_EVENTS),
      records.messageCountsOf(customerId),
      new AuditLogRepository(this.db).newestBefore({ entityType: 'customer', entityId: customerId, action: 'customer.consent' }, null, CONSENT_CHANGES_READ),
    ]);
    const { traits, masked } = maskTraits(raw, role);
    return {
      customerId,
      traits,
      maskedTraits: masked,
      consent: consentViews(raw, changes),
      identities: identities.map(({ customerId: _, ...i }) => i),
      journeys,
      lastEvents: events.map(({ id: _, ...e }) => e),
      messages: { total: Object.values(byStatus).reduce((a, b) => a + b, 0), byStatus },
    };
  }
}

/** Each channel's consent from the traits, with the newest support change (audit rows come newest first). */
function consentViews(traits: Record<string, unknown>, changes: AuditRow[]): ConsentView[] {
  const consent = typeof traits.consent === 'object' && traits.consent !== null ? (traits.consent as Record<string, unknown>) : {};
  return CONSENT_CHANNELS.map((channel) => {
    const value = consent[channel];
    const optedOut = traits[`${channel}_opted_out_at`];
    const change = changes.find((c) => c.detail.channel === channel);
    return {
      channel,
      consented: typeof value === 'boolean' ? value : null,
      optedOutAt: typeof optedOut === 'string' ? optedOut : null,
      lastChange: change
        ? { at: change.at.toISOString(), by: change.actor_name, role: change.actor_role, reason: typeof change.detail.reason === 'string' ? change.detail.reason : null }
        : null,
    };
  });
}
