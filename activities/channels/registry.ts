/**
 * Every channel the worker can run. Adding a channel: a folder under channels/ and one line here.
 * Providers that are configured replace the recording stand-ins; the rest keep recording.
 */
import type { DataSource } from 'typeorm';
import type { EngineConfig } from '../../config/index.js';
import type { ActionSpec } from '../../engine/actions.js';
import type { ActionChannel } from './channel.js';
import { createCrmTaskChannel } from './crm-task/index.js';
import { serviceAccountFromFile } from './fcm-push/credentials.js';
import { createFcmPushChannel } from './fcm-push/index.js';
import { createProfileChannel } from './profile/index.js';
import { createRecordingChannel } from './recording/index.js';
import { createTwilioSmsChannel } from './twilio-sms/index.js';
import { createWebhookChannel } from './webhook/index.js';

/** Provider settings of the channels (from the engine configuration). */
export type ChannelSettings = Pick<
  EngineConfig,
  'twilioAccountSid' | 'twilioAuthToken' | 'twilioFrom' | 'twilioMessagingServiceSid' | 'twilioApiBaseUrl' | 'firebaseCredentials' | 'publicBaseUrl' | 'webhookSecret' | 'crmWebhookUrl'
>;

export interface ChannelDeps {
  db: DataSource;
  /** Omitted: every touch goes to the recording channel. */
  settings?: ChannelSettings;
}

/** Path of the Twilio status-callback route under the API's public origin. */
export const TWILIO_STATUS_PATH = '/v1/providers/twilio/status';

/** The channel set for the given provider settings. */
export function defaultChannels({ db, settings }: ChannelDeps): ActionChannel[] {
  return [
    smsChannel(db, settings),
    pushChannel(db, settings),
    createCrmTaskChannel({ db, outboundUrl: settings?.crmWebhookUrl ?? undefined }),
    settings?.webhookSecret ? createWebhookChannel({ secret: settings.webhookSecret }) : createRecordingChannel(db, 'webhook'),
    createProfileChannel(db),
  ];
}

function smsChannel(db: DataSource, settings?: ChannelSettings): ActionChannel {
  if (!settings?.twilioAccountSid || !settings.twilioAuthToken) return createRecordingChannel(db, 'sms');
  return createTwilioSmsChannel({
    db,
    accountSid: settings.twilioAccountSid,
    authToken: settings.twilioAuthToken,
    from: settings.twilioFrom ?? undefined,
    messagingServiceSid: settings.twilioMessagingServiceSid ?? undefined,
    baseUrl: settings.twilioApiBaseUrl ?? undefined,
    statusCallbackUrl: settings.publicBaseUrl ? `${settings.publicBaseUrl}${TWILIO_STATUS_PATH}` : undefined,
  });
}

function pushChannel(db: DataSource, settings?: ChannelSettings): ActionChannel {
  if (!settings?.firebaseCredentials) return createRecordingChannel(db, 'push');
  const account = serviceAccountFromFile(settings.firebaseCredentials);
  return createFcmPushChannel({ db, projectId: account.projectId, credential: account.credential });
}

/** Releases what channels hold (the Firebase app). */
export async function closeChannels(channels: ActionChannel[]): Promise<void> {
  await Promise.all(channels.map((c) => (c as { close?: () => Promise<void> }).close?.()));
}

/** The action specs of a channel set, for the compiler (`compileCanvas(doc, { actions })`). */
export function actionSpecs(channels: ActionChannel[]): Record<string, ActionSpec> {
  return Object.fromEntries(channels.map((c) => [c.action, c.spec]));
}
