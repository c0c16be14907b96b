/** The update_traits action: merges `set` into the customer's traits and removes `unset` keys. Idempotent. */
import type { DataSource } from 'typeorm';
import { BUILTIN_ACTIONS } from '../../../engine/actions.js';
import type { ActionChannel } from '../channel.js';

export function createProfileChannel(db: DataSource): ActionChannel {
  return {
    action: 'update_traits',
    kind: 'internal',
    spec: BUILTIN_ACTIONS.update_traits,
    async execute({ customer, params }) {
      const set = (params.set ?? {}) as Record<string, unknown>;
      const unset = (params.unset ?? []) as string[];
      await db.query(
        `INSERT INTO customers (id, traits) VALUES ($1, $2::jsonb)
         ON CONFLICT (id) DO UPDATE SET traits = (customers.traits || $2::jsonb) - $3::text[], updated_at = now()`,
        [customer.id, JSON.stringify(set), unset],
      );
      return { provider: 'profile' };
    },
  };
}
