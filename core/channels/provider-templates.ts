/**
 * Provider templates as operators manage them (`PUT /v1/channels/:channel/templates/:templateId`, audited)
 * and as publishing checks them: a canvas naming an unregistered template, missing a parameter or adding
 * one is refused; the validation answer shows each template action's length and segment count.
 */
import type { DataSource } from 'typeorm';
import type { ActionSpec } from '../../engine/actions.js';
import type { DocumentIssue } from '../../engine/errors.js';
import {
  providerTemplateInfo,
  providerTemplateIssues,
  templateKey,
  templateParamNames,
  templatesNamedIn,
  type ProviderTemplate,
  type TemplateCategory,
} from '../../engine/provider-templates.js';
import { ProviderTemplatesRepository, type StoredTemplate } from '../../store/provider-templates.repository.js';
import type { Queryable } from '../../store/queryable.js';
import type { AuditLog } from '../access/audit-log.js';
import type { Principal } from '../access/roles.js';
import { notFound, unprocessable } from '../errors.js';

/** What an operator registers: the approved text, the signature and the category. */
export interface TemplateRegistration {
  text: string;
  signature: string;
  category: TemplateCategory;
}

/** A registered template as the API answers it. */
export interface TemplateView extends ProviderTemplate {
  createdAt: string;
  updatedAt: string;
}

const viewOf = (t: StoredTemplate): TemplateView => ({
  channel: t.channel,
  templateId: t.templateId,
  text: t.text,
  params: t.params,
  signature: t.signature,
  category: t.category,
  createdAt: t.createdAt.toISOString(),
  updatedAt: t.updatedAt.toISOString(),
});

export class ProviderTemplatesService {
  constructor(
    private readonly db: DataSource,
    /** The registered actions: only those taking provider templates have templates. */
    private readonly actions: Record<string, ActionSpec>,
    private readonly audit: AuditLog,
  ) {}

  /** Registers (or replaces) an approved template; the parameter names are read from its text. */
  async register(actor: Principal, channel: string, templateId: string, input: TemplateRegistration): Promise<{ template: TemplateView; created: boolean }> {
    this.requireTemplateChannel(channel);
    const template: ProviderTemplate = { channel, templateId, text: input.text, params: templateParamNames(input.text), signature: input.signature, category: input.category };
    return this.db.transaction(async (tx) => {
      const stored = await new ProviderTemplatesRepository(tx).put(template, tx);
      await this.audit.record(
        actor,
        { action: stored.created ? 'channel.template.create' : 'channel.template.update', entityType: 'channel_template', entityId: `${channel}/${templateId}`, detail: { ...input, params: template.params } },
        tx,
      );
      return { template: viewOf(stored.template), created: stored.created };
    });
  }

  /** The channel's registered templates, by id. */
  async list(channel: string): Promise<TemplateView[]> {
    this.requireTemplateChannel(channel);
    return (await new ProviderTemplatesRepository(this.db).ofChannel(channel)).map(viewOf);
  }

  private requireTemplateChannel(channel: string): void {
    const spec = Object.hasOwn(this.actions, channel) ? this.actions[channel] : undefined;
    if (!spec) throw notFound('unknown_channel', `There is no channel "${channel}"; channels: ${Object.keys(this.actions).sort().join(', ')}`);
    if (spec.content !== 'provider_template') {
      const templated = Object.keys(this.actions).filter((a) => this.actions[a].content === 'provider_template');
      throw unprocessable('free_text_channel', `The ${channel} channel sends free text written in the canvas, not provider templates; channels with templates: ${templated.join(', ') || 'none'}`);
    }
  }
}

/** The registered templates a canvas names, keyed by `templateKey`. */
async function templatesFor(db: Queryable, canvas: unknown, actions: Record<string, ActionSpec>): Promise<Map<string, ProviderTemplate>> {
  const named = await new ProviderTemplatesRepository(db).named(templatesNamedIn(canvas, actions), db);
  return new Map(named.map((t) => [templateKey(t.channel, t.templateId), t]));
}

/** The publish-time template issues of a canvas (unknown template, missing or unknown parameter), with JSON paths. */
export async function templateIssues(db: Queryable, canvas: unknown, actions: Record<string, ActionSpec>): Promise<DocumentIssue[]> {
  return providerTemplateIssues(canvas, actions, await templatesFor(db, canvas, actions));
}

/** Issues and `sms_length` information of a canvas's template actions, from one read of the templates. */
export async function templateFindings(db: Queryable, canvas: unknown, actions: Record<string, ActionSpec>): Promise<{ issues: DocumentIssue[]; info: DocumentIssue[] }> {
  const templates = await templatesFor(db, canvas, actions);
  return { issues: providerTemplateIssues(canvas, actions, templates), info: providerTemplateInfo(canvas, actions, templates) };
}
