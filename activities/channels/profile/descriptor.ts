/** The `update_traits` action: a profile change, internal (no ledger, no policy). */
import { BUILTIN_ACTIONS } from '../../../engine/actions.js';
import { defineChannel } from '../../../core/channels/descriptor.js';
import { createProfileChannel } from './index.js';

export const profileDescriptor = defineChannel({
  action: 'update_traits',
  spec: BUILTIN_ACTIONS.update_traits,
  kind: 'internal',
  defaultCategory: 'marketing',
  variables: [],
  create: ({ db }) => createProfileChannel(db),
});
