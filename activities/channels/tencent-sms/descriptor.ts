/** The `tencent-sms` channel: Tencent Cloud SMS when TENCENTCLOUD_* is configured, the recording stand-in otherwise. */
import { queryTokenVerifier } from '../../../core/channels/callback-token.js';
import { defineChannel } from '../../../core/channels/descriptor.js';
import { mobileOf } from '../../../core/channels/template-message.js';
import { createRecordingChannelFor } from '../recording/index.js';
import { parseTencentReports, TENCENT_ACK, TENCENT_RANKS } from './delivery-report.js';
import { createTencentSmsChannel, TENCENT_PROVIDER, TENCENT_SMS_ACTION, TENCENT_SMS_SPEC } from './index.js';
import { explainTencentReport } from './outcome.js';

export const tencentSmsDescriptor = defineChannel({
  action: TENCENT_SMS_ACTION,
  spec: TENCENT_SMS_SPEC,
  kind: 'touch',
  defaultCategory: 'marketing',
  variables: ['tencentSecretId', 'tencentSecretKey', 'tencentSmsSdkAppId', 'tencentSmsRegion', 'tencentSmsApiBaseUrl', 'tencentSmsCallbackToken'],
  create({ db, settings }) {
    if (!settings.tencentSecretId || !settings.tencentSecretKey || !settings.tencentSmsSdkAppId) {
      return createRecordingChannelFor(db, TENCENT_SMS_ACTION, TENCENT_SMS_SPEC, mobileOf);
    }
    return createTencentSmsChannel({
      db,
      secretId: settings.tencentSecretId,
      secretKey: settings.tencentSecretKey,
      smsSdkAppId: settings.tencentSmsSdkAppId,
      region: settings.tencentSmsRegion ?? undefined,
      baseUrl: settings.tencentSmsApiBaseUrl ?? undefined,
    });
  },
  deliveryReports: {
    name: TENCENT_SMS_ACTION,
    provider: TENCENT_PROVIDER,
    ranks: TENCENT_RANKS,
    explain: explainTencentReport,
    verifier: ({ tencentSmsCallbackToken }) => (tencentSmsCallbackToken ? queryTokenVerifier(tencentSmsCallbackToken, 'TENCENT_SMS_CALLBACK_TOKEN') : null),
    parse: parseTencentReports,
    acknowledgement: TENCENT_ACK,
  },
});
