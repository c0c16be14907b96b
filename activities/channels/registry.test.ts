/** The registry's rules: one descriptor per action and route, factories that agree with their descriptors, settings limited to declared variables. */
import { describe, expect, it } from '@jest/globals';
import type { DataSource } from 'typeorm';
import { VARIABLES } from '../../config/catalogue.js';
import { BUILTIN_ACTIONS } from '../../engine/actions.js';
import { actionSpecsOf, defineChannel, settingsFor, type ChannelDescriptor } from '../../core/channels/descriptor.js';
import { buildChannels, checkRegistry, checkSendPolicy, defaultChannelDescriptors } from './registry.js';

// Factories only keep the handle; nothing here touches the database.
const db = {} as DataSource;

const probe = (seen: unknown[]) =>
  defineChannel({
    action: 'probe',
    spec: { description: 'probe', paramsSchema: { type: 'object' }, templateParams: [] },
    kind: 'internal',
    defaultCategory: 'transactional',
    variables: ['crmWebhookUrl'],
    create: ({ settings }) => {
      seen.push(settings);
      return { action: 'probe', kind: 'internal', spec: BUILTIN_ACTIONS.update_traits, execute: async () => ({ provider: 'probe' }) };
    },
  });

describe('the default registry', () => {
  it('declares only variables of the catalogue', () => {
    const catalogue = new Set(VARIABLES.map((v) => v.field as string));
    for (const d of defaultChannelDescriptors()) expect({ action: d.action, unknown: d.variables.filter((v) => !catalogue.has(v)) }).toEqual({ action: d.action, unknown: [] });
  });

  it('builds one channel per descriptor that agrees with it, and gives the compiler every action', () => {
    const descriptors = defaultChannelDescriptors();
    const channels = buildChannels(descriptors, { db });
    expect(channels.map((c) => [c.action, c.kind, c.spec])).toEqual(descriptors.map((d) => [d.action, d.kind, d.spec]));
    expect(Object.keys(actionSpecsOf(descriptors))).toEqual([...Object.keys(BUILTIN_ACTIONS), 'aliyun-sms', 'tencent-sms', 'jpush']);
  });

  it('keeps the built-in actions marketing by default', () => {
    expect(defaultChannelDescriptors().map((d) => d.defaultCategory)).toEqual(defaultChannelDescriptors().map(() => 'marketing'));
  });
});

describe('registry rules', () => {
  it('refuses two descriptors of one action, or of one delivery-report route', () => {
    const [sms] = defaultChannelDescriptors();
    expect(() => checkRegistry([sms, sms])).toThrow('two channels are registered for action "sms"');
    const copy: ChannelDescriptor = { ...sms, action: 'sms_copy' };
    expect(() => checkRegistry([sms, copy])).toThrow('two channels serve the delivery-report route "twilio"');
  });

  it('refuses a factory whose channel disagrees with its descriptor', () => {
    expect(() => buildChannels([{ ...probe([]), kind: 'touch' }], { db })).toThrow('the probe descriptor built a internal channel for "probe"');
  });

  it('hands a factory only the variables its descriptor declares', () => {
    const seen: unknown[] = [];
    buildChannels([probe(seen)], { db, settings: { crmWebhookUrl: 'https://crm.example.com', webhookSecret: 'x'.repeat(32) } });
    expect(seen).toEqual([{ crmWebhookUrl: 'https://crm.example.com' }]);
    expect(settingsFor(probe([]), undefined)).toEqual({});
  });
});

describe('the send policy against the registry', () => {
  const descriptors = defaultChannelDescriptors();

  it('accepts caps and rates of touches', () => {
    expect(() => checkSendPolicy(descriptors, { frequencyCaps: { sms: {}, crm_task: {} }, sendRateLimits: { push: 5 } })).not.toThrow();
  });

  it.each([
    ['a cap of an internal action', { frequencyCaps: { update_traits: {} } }, 'JE_FREQUENCY_CAPS: "update_traits" is not an action that reaches customers'],
    ['a rate of an unknown action', { sendRateLimits: { email: 5 } }, 'JE_SEND_RATE_LIMITS: "email" is not an action that reaches customers'],
  ])('refuses %s, naming the variable', (_, policy, message) => {
    expect(() => checkSendPolicy(descriptors, policy)).toThrow(message);
  });
});
