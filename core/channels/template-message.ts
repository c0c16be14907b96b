/**
 * What a provider-template SMS channel (aliyun-sms, tencent-sms) sends for one touch: the registered
 * template the action names, its parameter values rendered for the customer, and the customer's mobile
 * number. Shared by the template channels so they refuse alike before calling their provider.
 */
import type { DataSource } from 'typeorm';
import { fillTemplate, signedText, type ProviderTemplate } from '../../engine/provider-templates.js';
import { ProviderTemplatesRepository } from '../../store/provider-templates.repository.js';
import { PermanentChannelError, type ChannelContext } from './channel.js';

/** One template SMS, ready for a provider. */
export interface TemplateMessage {
  template: ProviderTemplate;
  /** A value per template parameter, in the template's parameter order. */
  values: [string, string][];
  /** The text as the handset shows it (signature in 【】 first), for logs and the history. */
  text: string;
}

const E164 = /^\+[1-9]\d{6,14}$/;

/** The customer's `phone` trait as E.164; `no_recipient` / `invalid_number` otherwise. */
export function mobileOf({ customer }: ChannelContext): string {
  const phone = customer.traits.phone;
  if (typeof phone !== 'string' || phone.trim() === '') throw new PermanentChannelError('no_recipient', `customer ${customer.id} has no phone trait`);
  if (!E164.test(phone.trim())) {
    throw new PermanentChannelError('invalid_number', `customer ${customer.id} has phone "${phone}", which is not an E.164 number like +8613800000000`);
  }
  return phone.trim();
}

/** The customer's mobile number (as `mobileOf`), refusing a customer who opted out of SMS (`consent.sms === false`) as `opted_out`. */
export function smsRecipientOf(ctx: ChannelContext): string {
  const to = mobileOf(ctx);
  const consent = ctx.customer.traits.consent;
  if (typeof consent === 'object' && consent !== null && (consent as Record<string, unknown>).sms === false) {
    throw new PermanentChannelError('opted_out', `customer ${ctx.customer.id} has opted out of SMS (consent.sms is false)`);
  }
  return to;
}

/**
 * The template message of `ctx`: the registered template of `ctx.params.template` for `action` and the
 * rendered `ctx.params.params`. Publish checked both; a template re-registered since with other
 * parameters fails the touch (`template_changed`) rather than send text the provider would refuse.
 */
export async function templateMessageOf(db: DataSource, action: string, ctx: ChannelContext): Promise<TemplateMessage> {
  const templateId = String(ctx.params.template);
  const template = await new ProviderTemplatesRepository(db).one(action, templateId);
  if (!template) {
    throw new PermanentChannelError('unknown_template', `${action} has no registered template "${templateId}"; register it (PUT /v1/channels/${action}/templates/${templateId})`);
  }
  const given = (ctx.params.params ?? {}) as Record<string, string>;
  const missing = template.params.filter((p) => !Object.hasOwn(given, p));
  const extra = Object.keys(given).filter((p) => !template.params.includes(p));
  if (missing.length > 0 || extra.length > 0) {
    throw new PermanentChannelError(
      'template_changed',
      `template "${templateId}" now takes ${template.params.join(', ') || 'no parameters'}, but the journey gives ${Object.keys(given).join(', ') || 'none'}; publish the journey again with matching parameters`,
    );
  }
  const values = template.params.map((p): [string, string] => [p, given[p]]);
  return { template, values, text: signedText(template.signature, fillTemplate(template.text, Object.fromEntries(values))) };
}
