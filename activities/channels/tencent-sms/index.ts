/**
 * The Tencent Cloud SMS channel (`tencent-sms`): sends a registered template (TemplateId) under its
 * approved signature (SignName) from the SMS application (SmsSdkAppId) through the official SDK
 * (tencentcloud-sdk-nodejs-sms, API 2021-01-11), with TemplateParamSet in the template's parameter
 * order and our ledger key as SessionContext; classifies the answers; and finds a send whose answer was
 * lost through PullSmsSendStatusByPhoneNumber, matched on SessionContext.
 */
import type { Agent } from 'node:http';
import * as tencentcloud from 'tencentcloud-sdk-nodejs-sms';
import type { DataSource } from 'typeorm';
import { providerTemplateSmsSpec } from '../../../engine/actions.js';
import type { ActionChannel } from '../../../core/channels/channel.js';
import { smsRecipientOf, templateMessageOf } from '../../../core/channels/template-message.js';
import { SendLedgerRepository } from '../../../store/send-ledger.repository.js';
import { tencentHttpError, tencentRefusal } from './outcome.js';

export const TENCENT_SMS_ACTION = 'tencent-sms';
/** The ledger's `provider` of Tencent Cloud messages; their provider message id is Tencent's SerialNo. */
export const TENCENT_PROVIDER = 'tencent';
export const TENCENT_SMS_SPEC = providerTemplateSmsSpec('Tencent Cloud SMS', '1234567');

const SmsClient = tencentcloud.sms.v20210111.Client;

export interface TencentSmsOptions {
  db: DataSource;
  secretId: string;
  secretKey: string;
  /** The SMS application (SmsSdkAppId) the templates and signatures belong to. */
  smsSdkAppId: string;
  /** Default ap-guangzhou. */
  region?: string;
  /** API origin, default `https://sms.tencentcloudapi.com`. The SDK signs for the service named by the host's first label, so keep `sms.`. */
  baseUrl?: string;
  /** Per-request timeout (whole seconds, at least 1); default 10 s, under the touch activities' 30 s start-to-close. */
  timeoutMs?: number;
  /** The HTTP agent (an outbound proxy; tests resolve the API host to the fake). */
  agent?: Agent;
}

/** How far before the first claim PullSmsSendStatusByPhoneNumber is asked from (clock skew); Tencent keeps 7 days. */
const LOOKUP_MARGIN_MS = 60_000;
/** The most status records one pull returns (Tencent's maximum; Offset is fixed at 0). */
const LOOKUP_LIMIT = 100;

export function createTencentSmsChannel(opts: TencentSmsOptions): ActionChannel {
  const origin = new URL(opts.baseUrl ?? 'https://sms.tencentcloudapi.com');
  const client = new SmsClient({
    credential: { secretId: opts.secretId, secretKey: opts.secretKey },
    region: opts.region ?? 'ap-guangzhou',
    profile: {
      httpProfile: {
        endpoint: origin.host,
        protocol: `${origin.protocol}//`,
        reqTimeout: Math.max(1, Math.round((opts.timeoutMs ?? 10_000) / 1000)),
        ...(opts.agent ? { agent: opts.agent } : {}),
      },
    },
  });

  return {
    action: TENCENT_SMS_ACTION,
    kind: 'touch',
    spec: TENCENT_SMS_SPEC,
    async execute(ctx) {
      const to = smsRecipientOf(ctx);
      const message = await templateMessageOf(opts.db, TENCENT_SMS_ACTION, ctx);
      let answer;
      try {
        answer = await client.SendSms({
          PhoneNumberSet: [to],
          SmsSdkAppId: opts.smsSdkAppId,
          SignName: message.template.signature,
          TemplateId: message.template.templateId,
          TemplateParamSet: message.values.map(([, value]) => value),
          SessionContext: ctx.idempotencyKey,
        });
      } catch (err) {
        const refused = tencentHttpError(err);
        // Network error or timeout: Tencent may have the message; rethrown, the next try asks lookup().
        throw refused ? tencentRefusal(refused.code, refused.message, refused.status) : err;
      }
      const status = answer.SendStatusSet?.[0];
      if (!status) throw tencentRefusal('NoSendStatus', 'the answer had no SendStatusSet');
      if (status.Code !== 'Ok') throw tencentRefusal(status.Code ?? 'unknown', status.Message ?? '');
      return { provider: TENCENT_PROVIDER, providerMessageId: status.SerialNo, recipient: to };
    },
    /**
     * Finds a send an earlier try made but never heard back about: PullSmsSendStatusByPhoneNumber lists
     * the latest (up to 100) delivery statuses of the number since the first claim minus a minute, and
     * ours is the one whose SessionContext is the ledger key. Tencent lists a message once its carrier
     * report is in (usually seconds; lookup runs at least 30 s after the lost send): one still without a
     * report is not found and is sent again. A failing pull is thrown; the row stays `sending`.
     */
    async lookup(idempotencyKey) {
      const row = await new SendLedgerRepository(opts.db).smsClaimOf(idempotencyKey);
      const to = row?.phone?.trim();
      if (!row || !to || !/^\+[1-9]\d{6,14}$/.test(to)) return null;
      const begin = Math.floor((new Date(row.claimed).getTime() - LOOKUP_MARGIN_MS) / 1000);
      const pulled = await client.PullSmsSendStatusByPhoneNumber({
        PhoneNumber: to,
        SmsSdkAppId: opts.smsSdkAppId,
        BeginTime: begin,
        EndTime: Math.ceil(Date.now() / 1000),
        Offset: 0,
        Limit: LOOKUP_LIMIT,
      });
      const ours = (pulled.PullSmsSendStatusSet ?? []).find((s) => s.SessionContext === idempotencyKey);
      return ours?.SerialNo ? { provider: TENCENT_PROVIDER, providerMessageId: ours.SerialNo, recipient: to } : null;
    },
  };
}
