/**
 * The channel interface: how an action node's work leaves the building. A channel is one folder
 * under activities/channels/ exporting a descriptor (descriptor.ts) whose factory builds this, plus
 * one line in registry.ts.
 */
import type { ActionSpec } from '../../engine/actions.js';
import type { ActionRequest } from '../../engine/runtime.js';

/** The customer as a channel sees it. */
export interface ChannelCustomer {
  id: string;
  traits: Record<string, unknown>;
}

/** Everything a channel needs to carry out one action. */
export interface ChannelContext {
  request: ActionRequest;
  /** Stable per (enrollment, node, visit): pass it to providers that support idempotency. */
  idempotencyKey: string;
  customer: ChannelCustomer;
  /** The action's params with templates rendered. */
  params: Record<string, unknown>;
}

/** What a channel reports after a successful action. */
export interface ChannelResult {
  provider: string;
  providerMessageId?: string;
  recipient?: string;
}

/** A provider's delivery report, read from its status callback. */
export interface DeliveryReport {
  providerMessageId: string;
  /** Our delivery status: queued, sending, sent, delivered, undelivered, failed, canceled, read. */
  status: string;
  /** How far along the message is; callbacks arrive out of order, and a lower rank never overwrites a higher one. */
  rank: number;
  errorCode: string | null;
}

/** A channel's sender: an action name, its params spec, and how to execute it. */
export interface ActionChannel {
  /** Action name used in canvases (`sms`, `push`, ...). */
  action: string;
  /** `touch` actions reach a customer and go through the send ledger; `internal` ones change our own data idempotently. */
  kind: 'touch' | 'internal';
  spec: ActionSpec;
  execute(ctx: ChannelContext): Promise<ChannelResult>;
  /**
   * Finds a send made earlier under this idempotency key (after a crash left its outcome unknown).
   * Channels whose provider cannot answer omit it; the ledger then records `unknown` rather than risk a second message.
   */
  lookup?(idempotencyKey: string): Promise<ChannelResult | null>;
}

/** A failure that retrying cannot fix (no phone number, invalid token): recorded, never retried. */
export class PermanentChannelError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'PermanentChannelError';
  }
}

/** A failure known to have sent nothing (provider said 429 or 5xx): safe to retry. */
export class TransientChannelError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'TransientChannelError';
  }
}
