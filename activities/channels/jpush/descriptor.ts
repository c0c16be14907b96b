/** The `jpush` channel: JPush when JPUSH_APP_KEY and JPUSH_MASTER_SECRET are configured, the recording stand-in otherwise. */
import { defineChannel } from '../../../core/channels/descriptor.js';
import { createRecordingChannelFor } from '../recording/index.js';
import { createJpushChannel, JPUSH_ACTION, JPUSH_SPEC, jpushRecipientOf } from './index.js';

export const jpushDescriptor = defineChannel({
  action: JPUSH_ACTION,
  spec: JPUSH_SPEC,
  kind: 'touch',
  defaultCategory: 'marketing',
  variables: ['jpushAppKey', 'jpushMasterSecret', 'jpushApiBaseUrl', 'jpushVendorChannels'],
  create({ db, settings }) {
    if (!settings.jpushAppKey || !settings.jpushMasterSecret) return createRecordingChannelFor(db, JPUSH_ACTION, JPUSH_SPEC, jpushRecipientOf);
    return createJpushChannel({
      db,
      appKey: settings.jpushAppKey,
      masterSecret: settings.jpushMasterSecret,
      baseUrl: settings.jpushApiBaseUrl ?? undefined,
      vendorChannels: settings.jpushVendorChannels ?? undefined,
    });
  },
});
