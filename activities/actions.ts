/**
 * performAction: runs an action node through its channel, behind the send ledger (`messages`), so a
 * retried activity, a crashed worker or a replayed run never sends the same message twice.
 *
 * Ledger states: pending (nothing sent yet, or the last try is known to have sent nothing) -> sending
 * (a try is in flight) -> sent | failed. A try that finds `sending` left behind by a crash asks the
 * channel's lookup(); without one the outcome is recorded as `unknown` and nothing is re-sent.
 *
 * Policy is decided once, when a marketing touch is first claimed, under a per-customer-and-action
 * lock: no consent for the channel, or the frequency cap reached across all journeys, makes the row
 * `suppressed` with the reason. Transactional touches skip both. Quiet hours are the workflow's
 * (it defers the send); per-action send rates are limited in this process.
 */
import type { DataSource, EntityManager } from 'typeorm';
import { ApplicationFailure } from '@temporalio/activity';
import { capHold, consentHold, type FrequencyCap, type PolicyHold } from '../engine/policy.js';
import { renderActionParams } from '../engine/action-render.js';
import type { ActionOutcome, ActionRequest } from '../engine/runtime.js';
import { activityFields } from '../observability/activity-context.js';
import { errorFields, noopLogger, type Logger } from '../observability/logger.js';
import type { WorkerMetrics } from '../observability/metrics.js';
import { CustomersRepository } from '../store/customers.repository.js';
import { SendLedgerRepository, type LedgerRow } from '../store/send-ledger.repository.js';
import { createRateLimiter } from './rate-limiter.js';
import {
  PermanentChannelError,
  TransientChannelError,
  type ActionChannel,
  type ChannelCustomer,
  type ChannelResult,
} from '../core/channels/channel.js';

/** The idempotency key of one visit of one node in one run. */
export function idempotencyKeyOf(req: Pick<ActionRequest, 'enrollmentId' | 'nodeId' | 'attempt'>): string {
  return `${req.enrollmentId}:${req.nodeId}:${req.attempt}`;
}

function outcomeOf(row: LedgerRow, deduplicated: boolean): ActionOutcome {
  return {
    status: row.status === 'sent' || row.status === 'failed' || row.status === 'suppressed' ? row.status : 'unknown',
    provider: row.provider ?? undefined,
    providerMessageId: row.provider_message_id ?? undefined,
    error: row.error_code ? { code: row.error_code, message: row.error_message ?? '' } : undefined,
    deduplicated,
  };
}

/** Where performAction reports: a line per outcome, and the provider call's latency. */
export interface ActionObservers {
  logger?: Logger;
  metrics?: WorkerMetrics;
  policy?: SendPolicy;
}

/** Operator policy for touches (config: JE_FREQUENCY_CAPS, JE_SEND_RATE_LIMITS). */
export interface SendPolicy {
  /** Marketing caps by action, across all journeys. */
  caps?: Record<string, FrequencyCap>;
  /** Sends per second by action, in this worker process. */
  rateLimits?: Record<string, number>;
  /** Longest a send waits for the rate limiter before it is retried later instead. Default 10 s. */
  maxRateWaitMs?: number;
}

/** The reason policy holds a marketing touch back, or null. */
async function policyHold(
  ledger: SendLedgerRepository,
  tx: EntityManager,
  key: string,
  req: ActionRequest,
  customer: ChannelCustomer,
  caps: Record<string, FrequencyCap>,
  consentKind: string | undefined,
): Promise<PolicyHold | null> {
  const noConsent = consentHold(customer.traits, req.action, consentKind);
  if (noConsent) return noConsent;
  const cap = caps[req.action];
  if (!cap) return null;
  // Serializes the cap decision of one customer and action across journeys and workers.
  await ledger.lockForTransaction(`cap:${req.customerId}:${req.action}`, tx);
  return capHold(cap, req.action, await ledger.countMarketingSince(req.customerId, req.action, key, req.at - cap.windowMs, tx));
}

export function createActionActivities(
  db: DataSource,
  channels: ActionChannel[],
  { logger = noopLogger, metrics, policy = {} }: ActionObservers = {},
) {
  const byAction = new Map(channels.map((c) => [c.action, c]));
  const limiter = createRateLimiter(policy.rateLimits ?? {}, policy.maxRateWaitMs ?? 10_000);
  const customers = new CustomersRepository(db);
  const ledger = new SendLedgerRepository(db);

  async function loadCustomer(customerId: string): Promise<ChannelCustomer> {
    return { id: customerId, traits: (await customers.traitsOf(customerId)) ?? {} };
  }

  function renderParams(channel: ActionChannel, req: ActionRequest, customer: ChannelCustomer): Record<string, unknown> {
    const journey = { id: req.journeyId, name: req.journeyName, versionId: req.versionId };
    return renderActionParams(req.params, channel.spec.templateParams, { customerId: customer.id, traits: customer.traits, entry: req.entry, journey });
  }

  async function setLedger(key: string, status: LedgerRow['status'], result?: ChannelResult, error?: { code: string; message: string }) {
    await ledger.settle(key, {
      status,
      provider: result?.provider ?? null,
      providerMessageId: result?.providerMessageId ?? null,
      errorCode: error?.code ?? null,
      errorMessage: error?.message ?? null,
      recipient: result?.recipient ?? null,
    });
  }

  /**
   * Claims the ledger row for a new try; returns the row instead when this try must not send
   * (settled, in flight, or held back by policy on its first claim).
   */
  async function claim(key: string, req: ActionRequest, customer: ChannelCustomer, params: Record<string, unknown>, consentKind?: string): Promise<LedgerRow | null> {
    return db.transaction(async (tx) => {
      await ledger.insertIfNew(
        {
          idempotencyKey: key,
          enrollmentId: req.enrollmentId,
          nodeId: req.nodeId,
          customerId: req.customerId,
          action: req.action,
          category: req.category,
          request: params,
          requestedAt: req.at,
        },
        tx,
      );
      const row = await ledger.lockByKey(key, tx);
      if (row.status !== 'pending') return row;
      const held = req.category === 'marketing' && row.attempts === 0 ? await policyHold(ledger, tx, key, req, customer, policy.caps ?? {}, consentKind) : null;
      if (held) {
        await ledger.suppress(key, held.code, held.message, tx);
        return { ...row, status: 'suppressed', error_code: held.code, error_message: held.message };
      }
      await ledger.startAttempt(key, tx);
      return null;
    });
  }

  /** The channel call itself, timed into je_provider_latency_seconds (provider `unknown` when it threw). */
  async function callProvider(channel: ActionChannel, ctx: Parameters<ActionChannel['execute']>[0]): Promise<ChannelResult> {
    const started = process.hrtime.bigint();
    let provider = 'unknown';
    try {
      const result = await channel.execute(ctx);
      provider = result.provider;
      return result;
    } finally {
      metrics?.providerLatency.observe({ action: channel.action, provider }, Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  async function execute(channel: ActionChannel, key: string, req: ActionRequest, customer: ChannelCustomer, params: Record<string, unknown>) {
    try {
      await limiter.take(channel.action);
      const result = await callProvider(channel, { request: req, idempotencyKey: key, customer, params });
      await setLedger(key, 'sent', result);
      return { status: 'sent' as const, provider: result.provider, providerMessageId: result.providerMessageId };
    } catch (err) {
      if (err instanceof PermanentChannelError) {
        await setLedger(key, 'failed', undefined, { code: err.code, message: err.message });
        return { status: 'failed' as const, error: { code: err.code, message: err.message } };
      }
      if (err instanceof TransientChannelError) {
        // Nothing left the building: the next try may send.
        await setLedger(key, 'pending', undefined, { code: err.code, message: err.message });
      }
      // Anything else leaves the row `sending`: the outcome is unknown until lookup() settles it.
      throw err;
    }
  }

  /** performAction without its reporting. */
  async function perform(req: ActionRequest): Promise<ActionOutcome> {
    const channel = byAction.get(req.action);
    if (!channel) {
      throw ApplicationFailure.nonRetryable(`no channel is registered for action "${req.action}"`, 'unknown_action');
    }
    const customer = await loadCustomer(req.customerId);
    const params = renderParams(channel, req, customer);
    const key = idempotencyKeyOf(req);

    if (channel.kind === 'internal') {
      const result = await channel.execute({ request: req, idempotencyKey: key, customer, params });
      return { status: 'done', provider: result.provider };
    }

    const existing = await claim(key, req, customer, params, channel.spec.consentKind);
    if (existing === null) return execute(channel, key, req, customer, params);
    if (existing.status === 'suppressed' && existing.attempts === 0) return outcomeOf(existing, false);
    if (existing.status !== 'sending') return outcomeOf(existing, true);

    // An earlier try crashed or timed out mid-send: settle it before anything else.
    const found = channel.lookup ? await channel.lookup(key) : null;
    if (found) {
      await setLedger(key, 'sent', found);
      return { status: 'sent', provider: found.provider, providerMessageId: found.providerMessageId, deduplicated: true };
    }
    if (channel.lookup) {
      // The provider has no record of it: nothing was sent, so this try may send.
      return execute(channel, key, req, customer, params);
    }
    const error = { code: 'outcome_unknown', message: 'an earlier try may have sent this message; not sent again' };
    await setLedger(key, 'unknown', undefined, error);
    return { status: 'unknown', error, deduplicated: true };
  }

  return {
    /** Carries out one action node for one customer, at most once per (enrollment, node, visit). */
    async performAction(req: ActionRequest): Promise<ActionOutcome> {
      const log = logger.child({
        journeyId: req.journeyId,
        versionId: req.versionId,
        enrollmentId: req.enrollmentId,
        customerId: req.customerId,
        ...activityFields(),
      });
      const about = { nodeId: req.nodeId, action: req.action, visit: req.attempt };
      try {
        const outcome = await perform(req);
        log[outcome.status === 'failed' || outcome.status === 'unknown' ? 'warn' : 'info']('action performed', {
          ...about,
          status: outcome.status,
          provider: outcome.provider,
          providerMessageId: outcome.providerMessageId,
          deduplicated: outcome.deduplicated,
          errorCode: outcome.error?.code,
          errorMessage: outcome.error?.message,
        });
        return outcome;
      } catch (err) {
        log.warn('action try failed', { ...about, ...errorFields(err) });
        throw err;
      }
    },
  };
}
