/**
 * The audit log: every change made through the API, with who (API key, name, role), when, what
 * (action, entity) and the detail a reviewer needs (e.g. the diff a publish approved). Append-only.
 * Pass the transaction's manager to `record` so the entry commits or rolls back with the change.
 */
import type { DataSource } from 'typeorm';
import type { Page, PageRequest } from '../http/pagination.js';
import { pageOf } from '../http/pagination.js';
import type { Principal } from '../auth/roles.js';
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

interface AuditRow {
  id: string;
  at: Date;
  actor_key_id: string | null;
  actor_name: string;
  actor_role: string;
  action: string;
  entity_type: string;
  entity_id: string;
  detail: Record<string, unknown>;
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
  constructor(private readonly db: DataSource) {}

  async record(actor: Principal, entry: AuditEntry, runner: Queryable = this.db): Promise<void> {
    await runner.query(
      `INSERT INTO audit_log (actor_key_id, actor_name, actor_role, action, entity_type, entity_id, detail)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [actor.keyId, actor.name, actor.role, entry.action, entry.entityType, entry.entityId, JSON.stringify(entry.detail ?? {})],
    );
  }

  /** Newest first. */
  async list(filter: AuditFilter, page: PageRequest<number>): Promise<Page<AuditRecord>> {
    const rows: AuditRow[] = await this.db.query(
      `SELECT * FROM audit_log
        WHERE ($1::text IS NULL OR entity_type = $1) AND ($2::text IS NULL OR entity_id = $2)
          AND ($3::text IS NULL OR action = $3) AND ($4::bigint IS NULL OR id < $4)
        ORDER BY id DESC LIMIT $5`,
      [filter.entityType ?? null, filter.entityId ?? null, filter.action ?? null, page.after, page.limit + 1],
    );
    return pageOf(rows.map(toRecord), page.limit, (r) => r.id);
  }
}
