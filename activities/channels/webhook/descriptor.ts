/** The `webhook` channel: signed HTTP calls when JE_WEBHOOK_SECRET is set, the recording stand-in otherwise. */
import { BUILTIN_ACTIONS, webhookParamsIssues } from '../../../engine/actions.js';
import { defineChannel } from '../../../core/channels/descriptor.js';
import { createRecordingChannel } from '../recording/index.js';
import { createWebhookChannel } from './index.js';

export const webhookDescriptor = defineChannel({
  action: 'webhook',
  spec: BUILTIN_ACTIONS.webhook,
  kind: 'touch',
  defaultCategory: 'marketing',
  variables: ['webhookSecret', 'webhookAllowedHosts'],
  paramsIssues: (settings) => webhookParamsIssues(settings.webhookAllowedHosts ?? []),
  create: ({ db, settings }) =>
    settings.webhookSecret
      ? createWebhookChannel({ secret: settings.webhookSecret, allowedHosts: settings.webhookAllowedHosts ?? [] })
      : createRecordingChannel(db, 'webhook'),
});
