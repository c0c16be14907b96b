/** The `sms` channel: Twilio when TWILIO_* is configured, the recording stand-in otherwise. */
import twilio from 'twilio';
import { BUILTIN_ACTIONS } from '../../../engine/actions.js';
import { CustomersRepository } from '../../../store/customers.repository.js';
import { defineChannel, deliveryReportPath, type CallbackReading } from '../../../core/channels/descriptor.js';
import { createRecordingChannel } from '../recording/index.js';
import { DELIVERY_RANKS, explainTwilioReport, parseTwilioDeliveryReport } from './delivery-report.js';
import { createTwilioSmsChannel, TWILIO_PROVIDER } from './index.js';

/** Twilio error code: the recipient replied STOP to our sender. */
const OPTED_OUT_CODE = '21610';

/** Path of the Twilio status-callback route under the API's public origin. */
export const TWILIO_STATUS_PATH = deliveryReportPath('twilio');

function field(fields: Record<string, unknown>, name: string): string | null {
  const value = fields[name];
  return typeof value === 'string' && value !== '' ? value : null;
}

/** Reads Twilio's status-callback form: MessageSid and MessageStatus are required. */
function readStatusCallback(fields: Record<string, unknown>): CallbackReading {
  const sid = field(fields, 'MessageSid');
  if (sid === null) return { invalid: 'The form field MessageSid is required' };
  const status = field(fields, 'MessageStatus');
  if (status === null) return { invalid: 'The form field MessageStatus is required' };
  const report = parseTwilioDeliveryReport({ MessageSid: sid, MessageStatus: status, ErrorCode: field(fields, 'ErrorCode') ?? '' });
  return report ? { report } : { ignored: `status callback for ${sid} with unrecognised MessageStatus "${status}"` };
}

export const twilioSmsDescriptor = defineChannel({
  action: 'sms',
  spec: BUILTIN_ACTIONS.sms,
  kind: 'touch',
  defaultCategory: 'marketing',
  variables: ['twilioAccountSid', 'twilioAuthToken', 'twilioFrom', 'twilioMessagingServiceSid', 'twilioApiBaseUrl', 'publicBaseUrl'],
  create({ db, settings }) {
    if (!settings.twilioAccountSid || !settings.twilioAuthToken) return createRecordingChannel(db, 'sms');
    return createTwilioSmsChannel({
      db,
      accountSid: settings.twilioAccountSid,
      authToken: settings.twilioAuthToken,
      from: settings.twilioFrom ?? undefined,
      messagingServiceSid: settings.twilioMessagingServiceSid ?? undefined,
      baseUrl: settings.twilioApiBaseUrl ?? undefined,
      statusCallbackUrl: settings.publicBaseUrl ? `${settings.publicBaseUrl}${TWILIO_STATUS_PATH}` : undefined,
    });
  },
  deliveryReports: {
    name: 'twilio',
    provider: TWILIO_PROVIDER,
    ranks: DELIVERY_RANKS,
    explain: explainTwilioReport,
    // Served only with the auth token Twilio signs with and the public origin it posts to.
    verifier({ twilioAuthToken, publicBaseUrl }) {
      if (!twilioAuthToken || !publicBaseUrl) return null;
      return ({ publicUrl, headers, fields }) => {
        const signature = headers['x-twilio-signature'];
        if (typeof signature !== 'string' || signature === '') return 'The request carries no X-Twilio-Signature header';
        // Twilio signs the URL it posted to (our public one, path and query included) plus the form fields.
        if (twilio.validateRequest(twilioAuthToken, signature, publicUrl, fields)) return null;
        return 'The X-Twilio-Signature does not match this request; check the Twilio auth token and the public base URL';
      };
    },
    parse: readStatusCallback,
    // The customer said STOP to this sender: that stands whatever order the reports arrive in.
    async beforeRecord(report, { db, customerId }) {
      if (report.errorCode === OPTED_OUT_CODE) await new CustomersRepository(db).setSmsConsent({ customerId }, false);
    },
  },
});
