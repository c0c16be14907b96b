/** The `crm_task` channel: tasks in our own table, copied to JE_CRM_WEBHOOK_URL when it is set. */
import { BUILTIN_ACTIONS } from '../../../engine/actions.js';
import { defineChannel } from '../../../core/channels/descriptor.js';
import { createCrmTaskChannel } from './index.js';

export const crmTaskDescriptor = defineChannel({
  action: 'crm_task',
  spec: BUILTIN_ACTIONS.crm_task,
  kind: 'touch',
  defaultCategory: 'marketing',
  variables: ['crmWebhookUrl'],
  create: ({ db, settings }) => createCrmTaskChannel({ db, outboundUrl: settings.crmWebhookUrl ?? undefined }),
});
