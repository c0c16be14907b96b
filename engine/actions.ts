/**
 * Action (channel) specifications: what params each action node takes. The validator checks an
 * action node's `params` against its spec; channels are added by registering more specs:
 * `compileCanvas(doc, { actions: { ...BUILTIN_ACTIONS, wechat: wechatSpec } })`.
 *
 * Params schemas are JSON Schema (draft 2020-12). Besides the standard keywords they may use the
 * engine formats `duration`, `time-of-day`, `time-zone` and `date-time` (see canvas-schema.ts).
 */

import type { DocumentIssue } from './errors.js';
import { webhookUrlRefusal } from './webhook-target.js';

/** Marketing touches obey consent, frequency caps and quiet hours; transactional ones skip them. */
export type ActionCategory = 'marketing' | 'transactional';

/** What an action accepts, for validation and documentation. */
export interface ActionSpec {
  /** One line for marketers: what the action does. */
  description: string;
  /** JSON Schema for the action node's `params` object; an invalid schema throws on first use (a programming error). */
  paramsSchema: object;
  /** Names of top-level params whose string value is a template (`{{ traits.first_name }}`). */
  templateParams: string[];
  /** The category of an action node that names none. Default: marketing. */
  defaultCategory?: ActionCategory;
  /** Checks of the params a JSON Schema cannot express (run once the schema accepts them), with JSON paths under `paramsPath`. */
  paramsIssues?: (params: Record<string, unknown>, paramsPath: string) => DocumentIssue[];
  /** The profile trait a customer needs for the action to reach them (unless the node sets `unlessParam`); none when it needs nothing. */
  profileNeeds?: { trait: string; unlessParam?: string };
  /**
   * What the provider sends: free text written in the canvas (default), or a provider template approved
   * in advance (`params.template` + `params.params`), checked at publish against the registered templates
   * (engine/provider-templates.ts).
   */
  content?: 'free_text' | 'provider_template';
  /**
   * The kind of touch whose consent this action shares (`sms`, `push`): a customer with
   * `consent.<kind> === false` is held back from marketing touches of every action of that kind, not only
   * from the action named `<kind>`. Default: the action's own name only.
   */
  consentKind?: string;
}

/**
 * The webhook URL check at publish (SSRF guard, engine/webhook-target.ts) with the operator's
 * allow-list; the webhook channel checks again at send time, after DNS resolution.
 */
export function webhookParamsIssues(allowedHosts: readonly string[]) {
  return (params: Record<string, unknown>, paramsPath: string): DocumentIssue[] => {
    const refused = webhookUrlRefusal(params.url, allowedHosts);
    return refused ? [{ code: refused.code, message: `webhook params: ${refused.message}`, path: `${paramsPath}.url` }] : [];
  };
}

const template = (description: string) => ({ type: 'string', minLength: 1, description });

/**
 * The spec of an SMS channel that sends only provider-approved templates (Aliyun, Tencent Cloud):
 * `template` names a registered template, `params` gives each of its parameters a value (each a template).
 */
export function providerTemplateSmsSpec(provider: string, templateExample: string): ActionSpec {
  return {
    description: `Send an SMS through ${provider} with a pre-approved template and signature (mainland China numbers).`,
    paramsSchema: {
      type: 'object',
      required: ['template'],
      additionalProperties: false,
      properties: {
        template: {
          type: 'string',
          minLength: 1,
          maxLength: 64,
          description: `The provider's template id, registered with PUT /v1/channels/{channel}/templates/{templateId} (e.g. ${templateExample}).`,
        },
        params: {
          type: 'object',
          additionalProperties: { type: 'string' },
          description: "A value for each of the template's named parameters (each a template, e.g. {{ traits.first_name }}).",
        },
      },
    },
    templateParams: ['params'],
    profileNeeds: { trait: 'phone' },
    content: 'provider_template',
    consentKind: 'sms',
  };
}

/** The actions every installation has. */
export const BUILTIN_ACTIONS: Record<string, ActionSpec> = {
  sms: {
    description: "Send an SMS to the customer's phone number.",
    paramsSchema: {
      type: 'object',
      required: ['body'],
      additionalProperties: false,
      properties: { body: template('Message text (template).') },
    },
    templateParams: ['body'],
    profileNeeds: { trait: 'phone' },
  },
  push: {
    description: "Send an app push notification to the customer's devices.",
    paramsSchema: {
      type: 'object',
      required: ['title', 'body'],
      additionalProperties: false,
      properties: {
        title: template('Notification title (template).'),
        body: template('Notification text (template).'),
        data: {
          type: 'object',
          additionalProperties: { type: 'string' },
          description: 'Extra key/value data for the app, e.g. a deep link.',
        },
      },
    },
    templateParams: ['title', 'body'],
    profileNeeds: { trait: 'push_tokens' },
  },
  crm_task: {
    description: 'Create a CRM follow-up task for a human, by default for the customer’s account manager.',
    paramsSchema: {
      type: 'object',
      required: ['title'],
      additionalProperties: false,
      properties: {
        title: template('Task title (template).'),
        details: { type: 'string', description: 'Longer task description (template).' },
        due: { type: 'string', format: 'duration', description: 'Due this long after the task is created, e.g. P1D.' },
        queue: {
          type: 'string',
          minLength: 1,
          description: "Team queue to assign the task to; by default the customer's account manager.",
        },
      },
    },
    templateParams: ['title', 'details'],
    profileNeeds: { trait: 'account_manager', unlessParam: 'queue' },
  },
  webhook: {
    description: 'Call an HTTP endpoint (e.g. a CRM lead intake) with the customer and journey context.',
    paramsSchema: {
      type: 'object',
      required: ['url'],
      additionalProperties: false,
      properties: {
        url: {
          type: 'string',
          pattern: '^https?://[^\\s]+$',
          description: 'https:// URL of a public host (loopback, private and link-local addresses are refused unless the operator allows the host).',
        },
        method: { enum: ['POST', 'PUT'], description: 'Default POST.' },
        body: { type: 'object', description: 'JSON body merged into the request.' },
        headers: { type: 'object', additionalProperties: { type: 'string' } },
      },
    },
    templateParams: [],
    paramsIssues: webhookParamsIssues([]),
  },
  update_traits: {
    description: "Change the customer's profile traits (set values, remove traits).",
    paramsSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        set: { type: 'object', description: 'Traits to set, by name.' },
        unset: { type: 'array', items: { type: 'string', minLength: 1 }, description: 'Traits to remove.' },
      },
      allOf: [{ description: 'Needs at least one of "set" or "unset"', anyOf: [{ required: ['set'] }, { required: ['unset'] }] }],
    },
    templateParams: [],
  },
};

/**
 * Information for the validation answer (`info`, code `needs_profile_data`): each action node whose
 * channel needs a profile trait, so a marketer knows which customers it cannot reach.
 */
export function profileNeedsInfo(canvas: unknown, actions: Record<string, ActionSpec> = BUILTIN_ACTIONS): { code: string; message: string; path: string }[] {
  const nodes = (canvas as { nodes?: unknown } | null)?.nodes;
  if (!Array.isArray(nodes)) return [];
  return nodes.flatMap((node: { type?: unknown; action?: unknown; params?: Record<string, unknown> }, i) => {
    if (node?.type !== 'action' || typeof node.action !== 'string') return [];
    const needs = actions[node.action]?.profileNeeds;
    if (!needs || (needs.unlessParam && node.params?.[needs.unlessParam] !== undefined)) return [];
    return [
      {
        code: 'needs_profile_data',
        message: `${node.action} reaches only customers with the "${needs.trait}" trait; the others get nothing (recorded as no_recipient)`,
        path: `$.nodes[${i}]`,
      },
    ];
  });
}
