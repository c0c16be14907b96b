/**
 * The JPush push object (REST API v3, `POST /v3/push`) for one touch, and the vendor classification
 * each Android vendor channel requires, derived from the node's category. Pure: no I/O.
 */
import type { ActionCategory } from '../../../engine/actions.js';

/** Whom a push goes to: the customer's devices by registration id, or the app's alias for the customer. */
export type JpushAudience = { registration_id: string[] } | { alias: string[] };

/** Channel ids registered in the Xiaomi and OPPO consoles, keyed `vendor.category` (JPUSH_VENDOR_CHANNELS). */
export type VendorChannelIds = Record<string, string>;

/**
 * `options.third_party_channel`: how each vendor classifies the message. Marketing pushes are the
 * vendors' lowest class (quota-limited, shown quietly); transactional ones their service class.
 * - Huawei: `importance` LOW / NORMAL plus the self-classification `category` MARKETING / FINANCE.
 * - Honor: `importance` LOW / NORMAL.
 * - vivo: `classification` 0 (operation) / 1 (system).
 * - Xiaomi, OPPO: the `channel_id` registered for the category, when the operator configured one.
 */
export function thirdPartyChannel(category: ActionCategory, channelIds: VendorChannelIds = {}): Record<string, Record<string, unknown>> {
  const service = category === 'transactional';
  const channel: Record<string, Record<string, unknown>> = {
    huawei: { importance: service ? 'NORMAL' : 'LOW', category: service ? 'FINANCE' : 'MARKETING' },
    honor: { importance: service ? 'NORMAL' : 'LOW' },
    vivo: { classification: service ? 1 : 0 },
  };
  for (const vendor of ['xiaomi', 'oppo']) {
    const id = channelIds[`${vendor}.${category}`];
    if (id !== undefined) channel[vendor] = { channel_id: id };
  }
  return channel;
}

/** What one push carries. */
export interface PushContent {
  /** The push id JPush issued for this touch: a second push under it is dropped (one day). */
  cid: string;
  audience: JpushAudience;
  title: string;
  body: string;
  /** Key/value data for the app (the node's `data` plus the ids an open is attributed with). */
  extras: Record<string, string>;
  category: ActionCategory;
  channelIds?: VendorChannelIds;
}

/** The body of `POST /v3/push`: a notification for Android and iOS with the vendor classification. */
export function pushPayload(content: PushContent): Record<string, unknown> {
  const { title, body, extras } = content;
  return {
    cid: content.cid,
    platform: ['android', 'ios'],
    audience: content.audience,
    notification: {
      alert: body,
      android: { alert: body, title, extras },
      ios: { alert: { title, body }, extras },
    },
    options: { third_party_channel: thirdPartyChannel(content.category, content.channelIds) },
  };
}
