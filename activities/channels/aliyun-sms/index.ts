/**
 * The Aliyun SMS channel (`aliyun-sms`): sends a registered template (TemplateCode) under its approved
 * signature (SignName) to a mainland China mobile number through the official SDK
 * (@alicloud/dysmsapi20170525, API 2017-05-25), with our ledger key as `OutId`; classifies Aliyun's
 * answers; and finds a send whose answer was lost through QuerySendDetails, matched on `OutId`.
 */
import dysmsapi, { QuerySendDetailsRequest, SendSmsRequest } from '@alicloud/dysmsapi20170525';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import type { DataSource } from 'typeorm';
import { providerTemplateSmsSpec } from '../../../engine/actions.js';
import { PermanentChannelError, type ActionChannel } from '../../../core/channels/channel.js';
import { smsRecipientOf, templateMessageOf } from '../../../core/channels/template-message.js';
import { SendLedgerRepository } from '../../../store/send-ledger.repository.js';
import { aliyunHttpError, aliyunRefusal } from './outcome.js';

export const ALIYUN_SMS_ACTION = 'aliyun-sms';
/** The ledger's `provider` of Aliyun messages; their provider message id is our OutId (the ledger key). */
export const ALIYUN_PROVIDER = 'aliyun';
export const ALIYUN_SMS_SPEC = providerTemplateSmsSpec('Aliyun SMS', 'SMS_123456789');

/** How the channel reaches Aliyun. */
export interface AliyunSmsOptions {
  db: DataSource;
  accessKeyId: string;
  accessKeySecret: string;
  /** API origin, default `https://dysmsapi.aliyuncs.com`; tests point it at a fake (`http://127.0.0.1:port`). */
  baseUrl?: string;
  /** Per-request timeout; under the touch activities' 30 s start-to-close. Default 10 s. */
  timeoutMs?: number;
}

// The SDK is CommonJS with its client as `exports.default`.
const Dysmsapi = dysmsapi.default;
type DysmsapiClient = InstanceType<typeof Dysmsapi>;

/** QuerySendDetails pages: at most 50 records each; lookup reads up to 20 pages (1,000 messages to one number in a day). */
const LOOKUP_PAGE_SIZE = 50;
const LOOKUP_MAX_PAGES = 20;
/** How far before the ledger row's first claim a matching send may be dated (clock skew). */
const LOOKUP_MARGIN_MS = 60_000;

/** Aliyun's domestic SMS takes 11-digit mainland numbers; other countries go through its international API. */
function mainlandNumber(e164: string, customerId: string): string {
  if (/^\+861\d{10}$/.test(e164)) return e164.slice(3);
  throw new PermanentChannelError('invalid_number', `customer ${customerId} has phone ${e164}, which is not a mainland China mobile number (+86 1xx xxxx xxxx); aliyun-sms sends only to those`);
}

/** `yyyyMMdd` of an instant in Beijing time, the calendar QuerySendDetails' SendDate is in. */
function beijingDate(at: number): string {
  return new Date(at + 8 * 3_600_000).toISOString().slice(0, 10).replaceAll('-', '');
}

export function createAliyunSmsClient(opts: Pick<AliyunSmsOptions, 'accessKeyId' | 'accessKeySecret' | 'baseUrl' | 'timeoutMs'>): DysmsapiClient {
  const origin = new URL(opts.baseUrl ?? 'https://dysmsapi.aliyuncs.com');
  const timeout = opts.timeoutMs ?? 10_000;
  return new Dysmsapi(
    new $OpenApiUtil.Config({
      accessKeyId: opts.accessKeyId,
      accessKeySecret: opts.accessKeySecret,
      endpoint: origin.host,
      protocol: origin.protocol.replace(':', ''),
      readTimeout: timeout,
      connectTimeout: timeout,
    }),
  );
}

/** Builds the `aliyun-sms` channel on an Aliyun account. */
export function createAliyunSmsChannel(opts: AliyunSmsOptions): ActionChannel {
  const client = createAliyunSmsClient(opts);

  /** One page of QuerySendDetails for the number and day; throws on an error answer (the row stays `sending`). */
  async function sendDetails(phoneNumber: string, sendDate: string, currentPage: number) {
    const res = await client.querySendDetails(new QuerySendDetailsRequest({ phoneNumber, sendDate, pageSize: LOOKUP_PAGE_SIZE, currentPage }));
    const body = res.body;
    if (body?.code !== 'OK') throw new Error(`Aliyun QuerySendDetails answered ${body?.code}: ${body?.message}`);
    return { items: body.smsSendDetailDTOs?.smsSendDetailDTO ?? [], total: Number(body.totalCount ?? 0) };
  }

  return {
    action: ALIYUN_SMS_ACTION,
    kind: 'touch',
    spec: ALIYUN_SMS_SPEC,
    async execute(ctx) {
      const to = smsRecipientOf(ctx);
      const phoneNumbers = mainlandNumber(to, ctx.customer.id);
      const message = await templateMessageOf(opts.db, ALIYUN_SMS_ACTION, ctx);
      let answer;
      try {
        answer = await client.sendSms(
          new SendSmsRequest({
            phoneNumbers,
            signName: message.template.signature,
            templateCode: message.template.templateId,
            templateParam: JSON.stringify(Object.fromEntries(message.values)),
            outId: ctx.idempotencyKey,
          }),
        );
      } catch (err) {
        const refused = aliyunHttpError(err);
        // Network error or timeout: Aliyun may have the message; rethrown, the next try asks lookup().
        throw refused ? aliyunRefusal(refused.code, refused.message, refused.status) : err;
      }
      const body = answer.body;
      if (body?.code !== 'OK') throw aliyunRefusal(body?.code ?? 'unknown', body?.message ?? 'no message');
      return { provider: ALIYUN_PROVIDER, providerMessageId: ctx.idempotencyKey, recipient: to };
    },
    /**
     * Finds a send an earlier try made but never heard back about: QuerySendDetails lists what Aliyun
     * sent to the number on one Beijing calendar day (records are kept 30 days), and ours is the one
     * whose OutId is the ledger key. The days read are those from the ledger row's first claim (minus a
     * minute) to now. Found: `sent`. Not found: Aliyun has no such message, and the try sends.
     * A failing query is thrown: the row stays `sending` and the next try asks again.
     */
    async lookup(idempotencyKey) {
      const row = await new SendLedgerRepository(opts.db).smsClaimOf(idempotencyKey);
      const to = row?.phone?.trim();
      if (!row || !to || !/^\+861\d{10}$/.test(to)) return null;
      const days = new Set([beijingDate(new Date(row.claimed).getTime() - LOOKUP_MARGIN_MS), beijingDate(Date.now())]);
      for (const day of days) {
        for (let page = 1; page <= LOOKUP_MAX_PAGES; page++) {
          const { items, total } = await sendDetails(to.slice(3), day, page);
          if (items.some((item) => item.outId === idempotencyKey)) return { provider: ALIYUN_PROVIDER, providerMessageId: idempotencyKey, recipient: to };
          if (page * LOOKUP_PAGE_SIZE >= total || items.length === 0) break;
        }
      }
      return null;
    },
  };
}
