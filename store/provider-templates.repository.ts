/** `provider_templates`: the approved SMS templates operators registered per channel (engine/provider-templates.ts). */
import type { ProviderTemplate, TemplateCategory } from '../engine/provider-templates.js';
import type { Queryable } from './queryable.js';

interface TemplateRow {
  channel: string;
  template_id: string;
  text: string;
  params: string[];
  signature: string;
  category: TemplateCategory;
  created_at: Date;
  updated_at: Date;
}

/** A registered template with when it was registered and last changed. */
export interface StoredTemplate extends ProviderTemplate {
  createdAt: Date;
  updatedAt: Date;
}

const toTemplate = (row: TemplateRow): StoredTemplate => ({
  channel: row.channel,
  templateId: row.template_id,
  text: row.text,
  params: row.params,
  signature: row.signature,
  category: row.category,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

export class ProviderTemplatesRepository {
  constructor(private readonly db: Queryable) {}

  /** Registers the template or replaces its text, parameters, signature and category; answers the stored row and whether it was new. */
  async put(template: ProviderTemplate, tx: Queryable = this.db): Promise<{ template: StoredTemplate; created: boolean }> {
    const rows: (TemplateRow & { created: boolean })[] = await tx.query(
      `INSERT INTO provider_templates (channel, template_id, text, params, signature, category)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (channel, template_id) DO UPDATE
         SET text = EXCLUDED.text, params = EXCLUDED.params, signature = EXCLUDED.signature, category = EXCLUDED.category, updated_at = now()
       RETURNING *, (xmax = 0) AS created`,
      [template.channel, template.templateId, template.text, template.params, template.signature, template.category],
    );
    return { template: toTemplate(rows[0]), created: rows[0].created };
  }

  /** The channel's templates, by id. */
  async ofChannel(channel: string): Promise<StoredTemplate[]> {
    const rows: TemplateRow[] = await this.db.query(`SELECT * FROM provider_templates WHERE channel = $1 ORDER BY template_id`, [channel]);
    return rows.map(toTemplate);
  }

  /** One template; null when it is not registered. */
  async one(channel: string, templateId: string): Promise<StoredTemplate | null> {
    const rows: TemplateRow[] = await this.db.query(`SELECT * FROM provider_templates WHERE channel = $1 AND template_id = $2`, [channel, templateId]);
    return rows[0] ? toTemplate(rows[0]) : null;
  }

  /** Those of the `(channel, templateId)` pairs that are registered. */
  async named(refs: readonly { channel: string; templateId: string }[], tx: Queryable = this.db): Promise<StoredTemplate[]> {
    if (refs.length === 0) return [];
    const rows: TemplateRow[] = await tx.query(
      `SELECT t.* FROM provider_templates t JOIN unnest($1::text[], $2::text[]) AS r(channel, template_id) USING (channel, template_id)`,
      [refs.map((r) => r.channel), refs.map((r) => r.templateId)],
    );
    return rows.map(toTemplate);
  }
}
