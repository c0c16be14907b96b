/** The `aliyun-sms` channel: Aliyun SMS when ALIYUN_ACCESS_KEY_* is configured, the recording stand-in otherwise. */
import { defineChannel } from '../../../core/channels/descriptor.js';
import { queryTokenVerifier } from '../../../core/channels/callback-token.js';
import { createRecordingChannelFor } from '../recording/index.js';
import { mobileOf } from '../../../core/channels/template-message.js';
import { ALIYUN_ACK, ALIYUN_RANKS, parseAliyunReports } from './delivery-report.js';
import { ALIYUN_PROVIDER, ALIYUN_SMS_ACTION, ALIYUN_SMS_SPEC, createAliyunSmsChannel } from './index.js';
import { explainAliyunReport } from './outcome.js';

export const aliyunSmsDescriptor = defineChannel({
  action: ALIYUN_SMS_ACTION,
  spec: ALIYUN_SMS_SPEC,
  kind: 'touch',
  defaultCategory: 'marketing',
  variables: ['aliyunAccessKeyId', 'aliyunAccessKeySecret', 'aliyunSmsApiBaseUrl', 'aliyunSmsReportToken'],
  create({ db, settings }) {
    if (!settings.aliyunAccessKeyId || !settings.aliyunAccessKeySecret) return createRecordingChannelFor(db, ALIYUN_SMS_ACTION, ALIYUN_SMS_SPEC, mobileOf);
    return createAliyunSmsChannel({
      db,
      accessKeyId: settings.aliyunAccessKeyId,
      accessKeySecret: settings.aliyunAccessKeySecret,
      baseUrl: settings.aliyunSmsApiBaseUrl ?? undefined,
    });
  },
  deliveryReports: {
    name: ALIYUN_SMS_ACTION,
    provider: ALIYUN_PROVIDER,
    ranks: ALIYUN_RANKS,
    explain: explainAliyunReport,
    verifier: ({ aliyunSmsReportToken }) => (aliyunSmsReportToken ? queryTokenVerifier(aliyunSmsReportToken, 'ALIYUN_SMS_REPORT_TOKEN') : null),
    parse: parseAliyunReports,
    acknowledgement: ALIYUN_ACK,
  },
});
