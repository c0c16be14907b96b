/**
 * performAction: runs an action node through its channel, behind the send ledger (`messages`), so a
 * retried activity, a crashed worker or a replayed run never sends the same message twice.
 *
 * Ledger states: pending (nothing sent yet, or the last try is known to have sent nothing) -> sending
 * (a try is in flight) -> sent | failed. A try that finds `sending` left behind by a crash asks the
 * channel's lookup(); without one the outcome is recorded as `unknown` and nothing is re-sent.
 */
import type { DataSource } from 'typeorm';
import { ApplicationFailure } from '@temporalio/activity';
import { renderTemplate } from '../engine/template.js';
import type { ActionOutcome, ActionRequest } from '../engine/runtime.js';
import { activityFields } from '../observability/activity-context.js';
import { errorFields, noopLogger, type Logger } from '../observability/logger.js';
import type { WorkerMetrics } from '../observability/metrics.js';
import {
  PermanentChannelError,
  TransientChannelError,
  type ActionChannel,
  type ChannelCustomer,
  type ChannelResult,
} from './channels/channel.js';

interface LedgerRow {
  status: 'pending' | 'sending' | 'sent' | 'failed' | 'unknown';
  provider: string | null;
  provider_message_id: string | null;
  error_code: string | null;
  error_message: string | null;
}

/** The idempotency key of one visit of one node in one run. */
export function idempotencyKeyOf(req: Pick<ActionRequest, 'enrollmentId' | 'nodeId' | 'attempt'>): string {
  return `${req.enrollmentId}:${req.nodeId}:${req.attempt}`;
}

function outcomeOf(row: LedgerRow, deduplicated: boolean): ActionOutcome {
  return {
    status: row.status === 'sent' ? 'sent' : row.status === 'failed' ? 'failed' : 'unknown',
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
}

export function createActionActivities(db: DataSource, channels: ActionChannel[], { logger = noopLogger, metrics }: ActionObservers = {}) {
  const byAction = new Map(channels.map((c) => [c.action, c]));

  async function loadCustomer(customerId: string): Promise<ChannelCustomer> {
    const rows: { traits: Record<string, unknown> }[] = await db.query(`SELECT traits FROM customers WHERE id = $1`, [
      customerId,
    ]);
    return { id: customerId, traits: rows[0]?.traits ?? {} };
  }

  function renderParams(channel: ActionChannel, req: ActionRequest, customer: ChannelCustomer): Record<string, unknown> {
    const context = {
      traits: customer.traits,
      entry: req.entry,
      customer: { id: customer.id },
      journey: { id: req.journeyId, name: req.journeyName, versionId: req.versionId },
    };
    const params = { ...req.params };
    for (const name of channel.spec.templateParams) {
      if (typeof params[name] === 'string') params[name] = renderTemplate(params[name] as string, context);
    }
    return params;
  }

  async function setLedger(key: string, status: LedgerRow['status'], result?: ChannelResult, error?: { code: string; message: string }) {
    await db.query(
      `UPDATE messages SET status = $2, provider = COALESCE($3, provider), provider_message_id = COALESCE($4, provider_message_id),
              error_code = $5, error_message = $6, updated_at = now()
        WHERE idempotency_key = $1`,
      [key, status, result?.provider ?? null, result?.providerMessageId ?? null, error?.code ?? null, error?.message ?? null],
    );
  }

  /** Claims the ledger row for a new try; returns the existing row when the try must not send. */
  async function claim(key: string, req: ActionRequest, params: Record<string, unknown>): Promise<LedgerRow | null> {
    await db.query(
      `INSERT INTO messages (idempotency_key, enrollment_id, node_id, customer_id, action, category, status, request)
       VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7) ON CONFLICT (idempotency_key) DO NOTHING`,
      [key, req.enrollmentId, req.nodeId, req.customerId, req.action, req.category, JSON.stringify(params)],
    );
    // A CTE so the driver returns the claimed rows themselves (TypeORM returns [rows, count] for a bare UPDATE).
    const claimed: unknown[] = await db.query(
      `WITH claimed AS (
         UPDATE messages SET status = 'sending', attempts = attempts + 1, updated_at = now()
          WHERE idempotency_key = $1 AND status = 'pending' RETURNING id
       ) SELECT id FROM claimed`,
      [key],
    );
    if (claimed.length > 0) return null;
    const rows: LedgerRow[] = await db.query(
      `SELECT status, provider, provider_message_id, error_code, error_message FROM messages WHERE idempotency_key = $1`,
      [key],
    );
    return rows[0];
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

    const existing = await claim(key, req, params);
    if (existing === null) return execute(channel, key, req, customer, params);
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
