/**
 * The audit log: every change made through the API, with who (API key, name, role), when, what
 * (action, entity) and the detail a reviewer needs (e.g. the diff a publish approved). Append-only.
 * Pass the transaction's manager to `record` so the entry commits or rolls back with the change.
 */
import type { DataSource } from 'typeorm';
import { pageOf, type Page, type PageRequest } from '../page.js';
import type { Principal } from './roles.js';
import { AuditLogRepository, type AuditRow } from '../../store/audit-log.repository.js';
import type { Queryable } from '../../store/queryable.js';

export interface AuditEntry {
  action: string;
  entityType: string;
  entityId: string;
  detail?: Record<string, unknown>;
}

export interface AuditRecord extends Required<AuditEntry> {
  id: number;
  at: string;
  actor: { keyId: string | null; name: string; role: string };
}

export interface AuditFilter {
  entityType?: string;
  entityId?: string;
  action?: string;
}

const toRecord = (row: AuditRow): AuditRecord => ({
  id: Number(row.id),
  at: row.at.toISOString(),
  actor: { keyId: row.actor_key_id, name: row.actor_name, role: row.actor_role },
  action: row.action,
  entityType: row.entity_type,
  entityId: row.entity_id,
  detail: row.detail,
});

export class AuditLog {
  private readonly entries: AuditLogRepository;

  constructor(private readonly db: DataSource) {
    this.entries = new AuditLogRepository(db);
  }

  async record(actor: Principal, entry: AuditEntry, runner: Queryable = this.db): Promise<void> {
    await this.entries.append(
      {
        actorKeyId: actor.keyId,
        actorName: actor.name,
        actorRole: actor.role,
        action: entry.action,
        entityType: entry.entityType,
        entityId: entry.entityId,
        detail: entry.detail ?? {},
      },
      runner,
    );
  }

  /** Newest first. */
  async list(filter: AuditFilter, page: PageRequest<number>): Promise<Page<AuditRecord>> {
    const rows = await this.entries.newestBefore(
      { entityType: filter.entityType ?? null, entityId: filter.entityId ?? null, action: filter.action ?? null },
      page.after,
      page.limit + 1,
    );
    return pageOf(rows.map(toRecord), page.limit, (r) => r.id);
  }
}
