/**
 * The recording channel: carries out sms, push, crm_task and webhook actions by writing what it would
 * send to `recorded_sends`. It stands in for real providers in development and tests, and is the
 * worked example of the channel interface.
 */
import type { DataSource } from 'typeorm';
import { BUILTIN_ACTIONS, type ActionSpec } from '../../../engine/actions.js';
import { PermanentChannelError, type ActionChannel, type ChannelContext } from '../../../core/channels/channel.js';
import { RecordedSendsRepository } from '../../../store/recorded-sends.repository.js';

type Recipient = (ctx: ChannelContext) => string;

const RECIPIENTS: Record<string, Recipient> = {
  sms: ({ customer }) => {
    const phone = customer.traits.phone;
    if (typeof phone !== 'string' || phone.trim() === '') {
      throw new PermanentChannelError('no_recipient', `customer ${customer.id} has no phone trait`);
    }
    return phone;
  },
  push: ({ customer }) => {
    const tokens = customer.traits.push_tokens;
    if (!Array.isArray(tokens) || tokens.length === 0) {
      throw new PermanentChannelError('no_recipient', `customer ${customer.id} has no push_tokens`);
    }
    return tokens.join(',');
  },
  crm_task: ({ customer, params }) => {
    if (typeof params.queue === 'string') return `queue:${params.queue}`;
    const manager = customer.traits.account_manager;
    if (typeof manager !== 'string' || manager === '') {
      throw new PermanentChannelError('no_recipient', `customer ${customer.id} has no account_manager and the task names no queue`);
    }
    return `manager:${manager}`;
  },
  webhook: ({ params }) => String(params.url),
};

/** Builds a recording channel for one of the built-in touch actions. */
export function createRecordingChannel(db: DataSource, action: keyof typeof RECIPIENTS): ActionChannel {
  return createRecordingChannelFor(db, action, BUILTIN_ACTIONS[action], RECIPIENTS[action]);
}

/** A recording channel for any touch action: its spec, and who a touch reaches (which may refuse with a PermanentChannelError). */
export function createRecordingChannelFor(db: DataSource, action: string, spec: ActionSpec, recipientOf: Recipient): ActionChannel {
  const sends = new RecordedSendsRepository(db);
  return {
    action,
    kind: 'touch',
    spec,
    async execute(ctx) {
      const recipient = recipientOf(ctx);
      const id = await sends.insert(ctx.idempotencyKey, action, ctx.customer.id, recipient, ctx.params);
      return { provider: 'recorder', providerMessageId: `rec-${id}`, recipient };
    },
    async lookup(idempotencyKey) {
      const sent = await sends.firstOf(idempotencyKey);
      return sent ? { provider: 'recorder', providerMessageId: `rec-${sent.id}`, recipient: sent.recipient } : null;
    },
  };
}
