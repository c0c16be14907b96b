/**
 * `POST /v1/identify`: links an anonymous id (a device id) to a customer. The events stored under the
 * unlinked id move to the customer, and every later event sent under it is stored as the customer's
 * (core/identity/stitching.ts), so segments, conditions, waits, the event list and the history see them.
 * An id linked to another customer is refused (409 `anonymous_id_linked`) unless the request says
 * `move`: then the link moves (audited), the events already stitched stay with the first customer, and
 * only later events go to the new one (docs/identity.md).
 */
import type { DataSource } from 'typeorm';
import type { AuditLog } from '../access/audit-log.js';
import type { Principal } from '../access/roles.js';
import { conflict } from '../errors.js';
import { CustomersRepository } from '../../store/customers.repository.js';
import { anonymousProfileKey, EventsRepository } from '../../store/events.repository.js';
import { IdentitiesRepository } from '../../store/identities.repository.js';

/** A link to make. */
export interface IdentifyRequest {
  anonymousId: string;
  customerId: string;
  /** Move the id from the customer it is linked to (a shared or re-sold phone, a re-install). */
  move?: boolean;
}

export interface IdentifyOutcome {
  anonymousId: string;
  customerId: string;
  /** `linked`: new link; `unchanged`: it was already this customer's; `moved`: taken from `previousCustomerId`. */
  link: 'linked' | 'unchanged' | 'moved';
  previousCustomerId: string | null;
  /** How many stored events moved to the customer. */
  eventsMoved: number;
}

/** What identify needs done after a link commits: the customer's segment triggers re-checked (IngestionService.recheckSegments). */
export type AfterLink = (customerId: string) => Promise<void>;

export class IdentityService {
  constructor(
    private readonly db: DataSource,
    private readonly audit: AuditLog,
    private readonly afterLink: AfterLink = async () => undefined,
  ) {}

  async identify(actor: Principal, request: IdentifyRequest): Promise<IdentifyOutcome> {
    const outcome = await this.db.transaction(async (tx) => {
      const identities = new IdentitiesRepository(tx);
      await identities.lockAnonymous([request.anonymousId], 'exclusive', tx);
      const current = (await identities.customersOf([request.anonymousId], tx)).get(request.anonymousId) ?? null;
      const base = { anonymousId: request.anonymousId, customerId: request.customerId, previousCustomerId: current };
      if (current === request.customerId) return { ...base, previousCustomerId: null, link: 'unchanged' as const, eventsMoved: 0 };
      if (current !== null && !request.move) {
        throw conflict(
          'anonymous_id_linked',
          `Anonymous id "${request.anonymousId}" is already linked to another customer; send "move": true to link it to "${request.customerId}" from now on`,
          { linkedTo: current },
        );
      }
      await new CustomersRepository(tx).ensureAllKnown([request.customerId], tx);
      await identities.link(request.anonymousId, request.customerId, current === null ? 'identify' : 'move', tx);
      if (current !== null) {
        await this.audit.record(actor, { action: 'customer.identity_moved', entityType: 'customer', entityId: request.customerId, detail: { anonymousId: request.anonymousId, from: current } }, tx);
        return { ...base, link: 'moved' as const, eventsMoved: 0 };
      }
      const eventsMoved = await new EventsRepository(tx).rekey(anonymousProfileKey(request.anonymousId), request.customerId, tx);
      return { ...base, link: 'linked' as const, eventsMoved };
    });
    if (outcome.eventsMoved > 0) await this.afterLink(request.customerId);
    return outcome;
  }
}
