/**
 * The channel registry: one line per channel descriptor. The worker builds its senders from it
 * (`defaultChannels`), and the API validates canvases, documents actions and mounts delivery-report
 * routes from the same list. Adding a channel: a folder under channels/ exporting a descriptor, and
 * one line in `defaultChannelDescriptors`.
 */
import type { DataSource } from 'typeorm';
import { ConfigError } from '../../config/index.js';
import type { ActionChannel } from '../../core/channels/channel.js';
import { aliyunSmsDescriptor } from './aliyun-sms/descriptor.js';
import { crmTaskDescriptor } from './crm-task/descriptor.js';
import { settingsFor, type ChannelDescriptor, type ChannelSettings } from '../../core/channels/descriptor.js';
import { fcmPushDescriptor } from './fcm-push/descriptor.js';
import { jpushDescriptor } from './jpush/descriptor.js';
import { profileDescriptor } from './profile/descriptor.js';
import { tencentSmsDescriptor } from './tencent-sms/descriptor.js';
import { twilioSmsDescriptor } from './twilio-sms/descriptor.js';
import { webhookDescriptor } from './webhook/descriptor.js';

/** Every channel this installation has, one line each. */
export function defaultChannelDescriptors(): ChannelDescriptor[] {
  return [
    twilioSmsDescriptor,
    fcmPushDescriptor,
    crmTaskDescriptor,
    webhookDescriptor,
    profileDescriptor,
    aliyunSmsDescriptor,
    tencentSmsDescriptor,
    jpushDescriptor,
  ];
}

export interface ChannelDeps {
  db: DataSource;
  /** Omitted: every touch goes to the recording channel. */
  settings?: ChannelSettings;
}

/**
 * The senders of `descriptors` for the given settings. Refuses two descriptors of one action, and a
 * factory whose channel disagrees with its descriptor about the action or its kind.
 */
export function buildChannels(descriptors: readonly ChannelDescriptor[], { db, settings }: ChannelDeps): ActionChannel[] {
  checkRegistry(descriptors);
  return descriptors.map((descriptor) => {
    const channel = descriptor.create({ db, settings: settingsFor(descriptor, settings) });
    if (channel.action !== descriptor.action || channel.kind !== descriptor.kind) {
      throw new Error(`the ${descriptor.action} descriptor built a ${channel.kind} channel for "${channel.action}"`);
    }
    return channel;
  });
}

/** Throws when two descriptors claim one action or one delivery-report route. */
export function checkRegistry(descriptors: readonly ChannelDescriptor[]): void {
  const seen = new Set<string>();
  const routes = new Set<string>();
  for (const d of descriptors) {
    if (seen.has(d.action)) throw new Error(`two channels are registered for action "${d.action}"`);
    seen.add(d.action);
    const route = d.deliveryReports?.name;
    if (route === undefined) continue;
    if (routes.has(route)) throw new Error(`two channels serve the delivery-report route "${route}"`);
    routes.add(route);
  }
}

/**
 * Throws a ConfigError naming the variable when the operator's caps or send rates name an action that
 * is not a registered touch: they apply only to touches, so such an entry would silently do nothing.
 */
export function checkSendPolicy(
  descriptors: readonly ChannelDescriptor[],
  policy: { frequencyCaps?: Record<string, unknown>; sendRateLimits?: Record<string, unknown> },
): void {
  const touches = descriptors.filter((d) => d.kind === 'touch').map((d) => d.action);
  const entries = [
    ['JE_FREQUENCY_CAPS', policy.frequencyCaps],
    ['JE_SEND_RATE_LIMITS', policy.sendRateLimits],
  ] as const;
  for (const [variable, byAction] of entries) {
    const stray = Object.keys(byAction ?? {}).find((action) => !touches.includes(action));
    if (stray !== undefined) {
      throw new ConfigError(variable, `"${stray}" is not an action that reaches customers; these are: ${touches.join(', ')}`);
    }
  }
}

/** The channel set of the default registry for the given provider settings. */
export function defaultChannels(deps: ChannelDeps): ActionChannel[] {
  return buildChannels(defaultChannelDescriptors(), deps);
}

/** Releases what channels hold (the Firebase app). */
export async function closeChannels(channels: ActionChannel[]): Promise<void> {
  await Promise.all(channels.map((c) => (c as { close?: () => Promise<void> }).close?.()));
}
