/**
 * The push channel: sends a `push` action to every device in the customer's `push_tokens` trait through
 * Firebase Cloud Messaging (HTTP v1, the real firebase-admin SDK), and drops tokens FCM reports dead.
 *
 * No `lookup`: FCM has no way to find a message by our idempotency key (it takes none, and keeps no
 * queryable send log), so a try that crashed mid-send is recorded as `unknown` by the ledger instead
 * of being sent again.
 */
import { randomUUID } from 'node:crypto';
import type { Agent } from 'node:http';
import type { DataSource } from 'typeorm';
import { applicationDefault, deleteApp, initializeApp, type App, type Credential } from 'firebase-admin/app';
import { getMessaging, type Messaging, type MulticastMessage, type SendResponse } from 'firebase-admin/messaging';
import { BUILTIN_ACTIONS } from '../../../engine/actions.js';
import type { Logger } from '../../../observability/logger.js';
import { PermanentChannelError, type ActionChannel, type ChannelContext } from '../../../core/channels/channel.js';
import { decide } from './outcome.js';
import { CustomersRepository } from '../../../store/customers.repository.js';

/** What the push channel needs. */
export interface FcmPushOptions {
  db: DataSource;
  /** Firebase project the messages are sent as (`projects/{projectId}/messages:send`). */
  projectId: string;
  /** OAuth2 credential of a service account allowed to send for the project; default: application default credentials. */
  credential?: Credential;
  /** Agent for the HTTPS requests to FCM (an outbound proxy; in tests, the loopback fake's agent). */
  httpAgent?: Agent;
  /** An app to send through instead (its own project, credential and agent are used); the channel does not delete it. */
  app?: App;
  /** Where a failed token clean-up is reported. */
  logger?: Pick<Logger, 'warn'>;
}

/** The push channel, plus `close()` to release the Firebase app it created. */
export interface FcmPushChannel extends ActionChannel {
  close(): Promise<void>;
}

/** FCM's limit of tokens per multicast call. */
const MAX_TOKENS_PER_CALL = 500;

/** The customer's distinct device tokens, in profile order. */
function tokensOf({ customer }: ChannelContext): string[] {
  const raw = customer.traits.push_tokens;
  const tokens = Array.isArray(raw) ? [...new Set(raw.filter((t): t is string => typeof t === 'string' && t.trim() !== ''))] : [];
  if (tokens.length === 0) {
    throw new PermanentChannelError('no_recipient', `customer ${customer.id} has no push_tokens: the app has not registered a device`);
  }
  return tokens;
}

/** The app's data payload: the node's `data` (strings only, as FCM requires) plus the ids the app reports opens with. */
function dataOf({ params, request }: ChannelContext): Record<string, string> {
  const data: Record<string, string> = {};
  const extra = params.data;
  if (extra && typeof extra === 'object') {
    for (const [key, value] of Object.entries(extra as Record<string, unknown>)) {
      data[key] = typeof value === 'string' ? value : JSON.stringify(value);
    }
  }
  // Set last so a canvas cannot spoof the attribution of an open.
  data.journey_id = request.journeyId;
  data.enrollment_id = request.enrollmentId;
  data.node_id = request.nodeId;
  return data;
}

/** Sends to every token; a call the SDK refuses outright counts as that error for each of its tokens. */
async function sendToAll(messaging: Messaging, tokens: string[], message: Omit<MulticastMessage, 'tokens'>): Promise<SendResponse[]> {
  const responses: SendResponse[] = [];
  for (let i = 0; i < tokens.length; i += MAX_TOKENS_PER_CALL) {
    const chunk = tokens.slice(i, i + MAX_TOKENS_PER_CALL);
    try {
      responses.push(...(await messaging.sendEachForMulticast({ ...message, tokens: chunk })).responses);
    } catch (err) {
      responses.push(...chunk.map(() => ({ success: false, error: err as SendResponse['error'] })));
    }
  }
  return responses;
}

/** Builds the push channel on the real firebase-admin SDK. */
export function createFcmPushChannel(options: FcmPushOptions): FcmPushChannel {
  const { db, logger } = options;
  const customers = new CustomersRepository(db);
  const ownsApp = options.app === undefined;
  const app =
    options.app ??
    initializeApp(
      { projectId: options.projectId, credential: options.credential ?? applicationDefault(), httpAgent: options.httpAgent },
      `journey-engine-fcm-${randomUUID()}`,
    );
  const messaging = getMessaging(app);
  // HTTP/1.1: the SDK's default HTTP/2 transport ignores `httpAgent` (proxies, the test fake), and one
  // transport for tests and production means production runs the path the tests prove.
  messaging.enableLegacyHttpTransport();

  /**
   * Removes exactly `stale` from the customer's push_tokens in one statement, computed from the row as it
   * is when updated, so a token the app registers meanwhile is kept. Best effort: a failure must not turn
   * a delivered push into an error, and FCM reports the same tokens again on the next push.
   */
  async function removeTokens(customerId: string, stale: string[]): Promise<void> {
    try {
      await customers.removePushTokens(customerId, stale);
    } catch (err) {
      logger?.warn('push: could not remove dead tokens from the profile', {
        customerId,
        count: stale.length,
        error: (err as Error).message,
      });
    }
  }

  return {
    action: 'push',
    kind: 'touch',
    spec: BUILTIN_ACTIONS.push,
    async execute(ctx) {
      const tokens = tokensOf(ctx);
      const responses = await sendToAll(messaging, tokens, {
        notification: { title: String(ctx.params.title), body: String(ctx.params.body) },
        data: dataOf(ctx),
      });
      const outcome = decide(tokens, responses);
      if (outcome.stale.length > 0) await removeTokens(ctx.customer.id, outcome.stale);
      if (outcome.failure) throw outcome.failure;
      return {
        provider: 'fcm',
        providerMessageId: outcome.delivered[0],
        recipient: `${tokens.length} token${tokens.length === 1 ? '' : 's'}, ${outcome.delivered.length} delivered`,
      };
    },
    async close() {
      if (ownsApp) await deleteApp(app);
    },
  };
}
