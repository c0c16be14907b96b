/**
 * Provider templates: the pre-approved texts that mainland-China SMS providers (Aliyun, Tencent Cloud)
 * send instead of free text. An operator registers each approved template (its text with named
 * parameters, the signature it is sent under, marketing or service); an action on such a channel names
 * a template and gives a value per parameter. Publish refuses a canvas naming an unregistered template,
 * missing a parameter or adding one; the validation answer shows the rendered length and segment count.
 * Pure: the registered templates are handed in.
 */
import type { ActionSpec } from './actions.js';
import type { DocumentIssue } from './errors.js';

/** Marketing or service (notification) template: providers approve and rate-limit them differently. */
export const TEMPLATE_CATEGORIES = ['marketing', 'service'] as const;
export type TemplateCategory = (typeof TEMPLATE_CATEGORIES)[number];

/** A template as the provider approved it and the operator registered it. */
export interface ProviderTemplate {
  /** The action (channel) it belongs to, e.g. `aliyun-sms`. */
  channel: string;
  /** The provider's template id (Aliyun's TemplateCode `SMS_123456789`, Tencent's TemplateId `1234567`). */
  templateId: string;
  /** The approved text, parameters in braces: `${code}` (Aliyun) or `{1}` (Tencent). */
  text: string;
  /** The parameter names in order of first appearance in the text. */
  params: string[];
  /** The registered signature (签名) the message is sent under, without brackets. */
  signature: string;
  category: TemplateCategory;
}

/** `${name}` or `{name}`: the placeholder forms of Aliyun and Tencent Cloud templates. */
const PLACEHOLDER = /\$?\{([A-Za-z0-9_]{1,64})\}/g;

/** The parameter names of a template text, in order of first appearance. */
export function templateParamNames(text: string): string[] {
  const names: string[] = [];
  for (const match of text.matchAll(PLACEHOLDER)) if (!names.includes(match[1])) names.push(match[1]);
  return names;
}

/** The text with each placeholder replaced by its value (a missing value leaves the placeholder). */
export function fillTemplate(text: string, values: Record<string, string>): string {
  return text.replace(PLACEHOLDER, (whole, name: string) => (Object.hasOwn(values, name) ? values[name] : whole));
}

/** The message as the handset shows it: the signature in 【】 brackets, then the text. */
export function signedText(signature: string, text: string): string {
  return `【${signature}】${text}`;
}

/** The GSM 03.38 basic character set (plus the extension table, whose characters count twice). */
const GSM7_BASIC = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
const GSM7_EXTENDED = '^{}\\[~]|€\f';

/** How long an SMS is and how many segments it is billed as. */
export interface SmsLength {
  /** Characters as the network counts them (GSM-7 extension characters count 2; UCS-2 counts UTF-16 units). */
  characters: number;
  encoding: 'GSM-7' | 'UCS-2';
  segments: number;
}

/**
 * Length and segment count of an SMS: GSM-7 text is one segment up to 160 characters, else 153 per
 * segment; anything else (Chinese) is UCS-2: one segment up to 70 characters, else 67 per segment.
 */
export function smsLength(text: string): SmsLength {
  let gsm = 0;
  let isGsm = true;
  for (const ch of text) {
    if (GSM7_BASIC.includes(ch)) gsm += 1;
    else if (GSM7_EXTENDED.includes(ch)) gsm += 2;
    else isGsm = false;
  }
  if (isGsm) return { characters: gsm, encoding: 'GSM-7', segments: gsm <= 160 ? 1 : Math.ceil(gsm / 153) };
  const units = text.length;
  return { characters: units, encoding: 'UCS-2', segments: units <= 70 ? 1 : Math.ceil(units / 67) };
}

/** The key of a template in lookups: channel and id. */
export const templateKey = (channel: string, templateId: string): string => `${channel}\u0000${templateId}`;

interface ActionNodeRef {
  index: number;
  action: string;
  params: Record<string, unknown>;
}

/** The action nodes of `canvas` whose action takes provider templates. */
function templateNodes(canvas: unknown, actions: Record<string, ActionSpec>): ActionNodeRef[] {
  const nodes = (canvas as { nodes?: unknown } | null)?.nodes;
  if (!Array.isArray(nodes)) return [];
  return nodes.flatMap((node: { type?: unknown; action?: unknown; params?: unknown }, index) => {
    if (node?.type !== 'action' || typeof node.action !== 'string') return [];
    if (!Object.hasOwn(actions, node.action) || actions[node.action].content !== 'provider_template') return [];
    const params = node.params;
    if (typeof params !== 'object' || params === null || Array.isArray(params)) return [];
    return [{ index, action: node.action, params: params as Record<string, unknown> }];
  });
}

/** The templates a canvas names, `{ channel, templateId }` once each, for loading before the checks below. */
export function templatesNamedIn(canvas: unknown, actions: Record<string, ActionSpec>): { channel: string; templateId: string }[] {
  const seen = new Map<string, { channel: string; templateId: string }>();
  for (const node of templateNodes(canvas, actions)) {
    if (typeof node.params.template === 'string') seen.set(templateKey(node.action, node.params.template), { channel: node.action, templateId: node.params.template });
  }
  return [...seen.values()];
}

const valuesOf = (params: Record<string, unknown>): Record<string, unknown> =>
  typeof params.params === 'object' && params.params !== null && !Array.isArray(params.params) ? (params.params as Record<string, unknown>) : {};

/**
 * Publish-time issues of the template actions in `canvas`: `unknown_template` (not registered for the
 * channel), `missing_template_param` (a parameter of the approved text has no value) and
 * `unknown_template_param` (a value for a name the text does not have), each with its JSON path.
 */
export function providerTemplateIssues(canvas: unknown, actions: Record<string, ActionSpec>, templates: ReadonlyMap<string, ProviderTemplate>): DocumentIssue[] {
  return templateNodes(canvas, actions).flatMap(({ index, action, params }) => {
    const path = `$.nodes[${index}].params`;
    if (typeof params.template !== 'string') return [];
    const template = templates.get(templateKey(action, params.template));
    if (!template) {
      return [
        {
          code: 'unknown_template',
          message: `${action} has no registered template "${params.template}": register the approved template (PUT /v1/channels/${action}/templates/${params.template}) or fix the id`,
          path: `${path}.template`,
        },
      ];
    }
    const values = valuesOf(params);
    const missing = template.params.filter((name) => !Object.hasOwn(values, name));
    const unknown = Object.keys(values).filter((name) => !template.params.includes(name));
    return [
      ...missing.map((name) => ({
        code: 'missing_template_param',
        message: `template "${template.templateId}" needs a value for its parameter "${name}" (it takes: ${template.params.join(', ')})`,
        path: `${path}.params`,
      })),
      ...unknown.map((name) => ({
        code: 'unknown_template_param',
        message: `template "${template.templateId}" has no parameter "${name}" (it takes: ${template.params.join(', ') || 'none'}); the provider would refuse the message`,
        path: `${path}.params.${name}`,
      })),
    ];
  });
}

/**
 * Information for the validation answer (`sms_length`): each template action's approved text with the
 * canvas's parameter values as written (per-customer values change the length), signature included,
 * its character count, encoding and segments.
 */
export function providerTemplateInfo(canvas: unknown, actions: Record<string, ActionSpec>, templates: ReadonlyMap<string, ProviderTemplate>): DocumentIssue[] {
  return templateNodes(canvas, actions).flatMap(({ index, action, params }) => {
    const template = typeof params.template === 'string' ? templates.get(templateKey(action, params.template)) : undefined;
    if (!template) return [];
    const values = Object.fromEntries(Object.entries(valuesOf(params)).map(([k, v]) => [k, String(v)]));
    const text = signedText(template.signature, fillTemplate(template.text, values));
    return [{ code: 'sms_length', message: describeLength(text, 'with the parameter values as written; per-customer values change it'), path: `$.nodes[${index}].params` }];
  });
}

/** One line for marketers: the text, its length, encoding and segment count. */
export function describeLength(text: string, note: string): string {
  const { characters, encoding, segments } = smsLength(text);
  return `"${text}": ${characters} characters (${encoding}, signature included, ${note}), ${segments} SMS segment${segments === 1 ? '' : 's'}`;
}
