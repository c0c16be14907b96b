/**
 * Identity stitching at ingestion (docs/identity.md): an event may carry a `customerId`, an
 * `anonymousId` (a device id), or both. Each event is stored under one profile key:
 * - its `customerId` when it has one; an `anonymousId` beside it that is not linked yet is linked to
 *   that customer here (source `event`) and the events already stored under the anonymous id move to
 *   the customer. An anonymous id already linked to someone else keeps its link (only
 *   `POST /v1/identify` with `move` changes it); the event still belongs to its `customerId`.
 * - otherwise the customer its `anonymousId` is linked to;
 * - otherwise `anon:<anonymousId>`, which no customer row backs (segments do not count it) and which
 *   dispatches to no journey; `POST /v1/identify` later moves those events to the customer.
 * Advisory locks per anonymous id keep this and identify from interleaving (store/identities.repository.ts).
 */
import type { Queryable } from '../../store/queryable.js';
import { anonymousProfileKey, EventsRepository } from '../../store/events.repository.js';
import { IdentitiesRepository } from '../../store/identities.repository.js';

/** An event's identity as sent: a customer id, an anonymous id, or both (at least one). */
export interface EventIdentity {
  customerId?: string;
  anonymousId?: string;
}

/** Whether the profile key is an unlinked anonymous id's (its events dispatch to no journey). */
export const isAnonymousProfileKey = (key: string): boolean => key.startsWith('anon:');

/**
 * The profile key of each event, in order, after linking the anonymous ids that came with a customer
 * id (inside `tx`, the transaction that stores the events). Answers the keys and the customers known.
 */
export async function stitchEvents(tx: Queryable, events: EventIdentity[]): Promise<{ keys: string[]; customerIds: string[] }> {
  const anonymousIds = [...new Set(events.flatMap((e) => (e.anonymousId !== undefined ? [e.anonymousId] : [])))];
  const identities = new IdentitiesRepository(tx);
  const linking = events.filter((e): e is Required<EventIdentity> => e.customerId !== undefined && e.anonymousId !== undefined);
  // A batch that links takes its ids exclusively, as identify does; the others only keep identify out.
  await identities.lockAnonymous(anonymousIds, linking.length > 0 ? 'exclusive' : 'shared', tx);
  const before = await identities.customersOf(anonymousIds, tx);
  const fresh = new Map<string, string>();
  for (const e of linking) if (!before.has(e.anonymousId) && !fresh.has(e.anonymousId)) fresh.set(e.anonymousId, e.customerId);
  if (fresh.size > 0) {
    await identities.linkUnlinked([...fresh].map(([anonymousId, customerId]) => ({ anonymousId, customerId })), 'event', tx);
    const stored = new EventsRepository(tx);
    for (const [anonymousId, customerId] of fresh) await stored.rekey(anonymousProfileKey(anonymousId), customerId, tx);
  }
  const linked = new Map([...before, ...fresh]);
  const keys = events.map((e) => e.customerId ?? linked.get(e.anonymousId!) ?? anonymousProfileKey(e.anonymousId!));
  return { keys, customerIds: [...new Set(keys.filter((k) => !isAnonymousProfileKey(k)))] };
}
