/** The update_traits action: merges `set` into the customer's traits and removes `unset` keys. Idempotent. */
import type { DataSource } from 'typeorm';
import { BUILTIN_ACTIONS } from '../../../engine/actions.js';
import type { ActionChannel } from '../../../core/channels/channel.js';
import { CustomersRepository } from '../../../store/customers.repository.js';

export function createProfileChannel(db: DataSource): ActionChannel {
  const customers = new CustomersRepository(db);
  return {
    action: 'update_traits',
    kind: 'internal',
    spec: BUILTIN_ACTIONS.update_traits,
    async execute({ customer, params }) {
      const set = (params.set ?? {}) as Record<string, unknown>;
      const unset = (params.unset ?? []) as string[];
      await customers.mergeAndUnsetTraits(customer.id, set, unset);
      return { provider: 'profile' };
    },
  };
}
