/** `audit_log`: append-only record of changes made through the API. */
import type { Queryable } from './queryable.js';

/** One entry to append. */
export interface NewAuditEntry {
  actorKeyId: string | null;
  actorName: string;
  actorRole: string;
  action: string;
  entityType: string;
  entityId: string;
  detail: Record<string, unknown>;
}

/** One stored entry. */
export interface AuditRow {
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

/** Which entries to list (each criterion only when set). */
export interface AuditRowFilter {
  entityType: string | null;
  entityId: string | null;
  action: string | null;
}

export class AuditLogRepository {
  constructor(private readonly db: Queryable) {}

  /** Appends an entry; pass the transaction's manager so it commits or rolls back with the change. */
  async append(e: NewAuditEntry, tx: Queryable = this.db): Promise<void> {
    await tx.query(
      `INSERT INTO audit_log (actor_key_id, actor_name, actor_role, action, entity_type, entity_id, detail)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [e.actorKeyId, e.actorName, e.actorRole, e.action, e.entityType, e.entityId, JSON.stringify(e.detail)],
    );
  }

  /** Matching entries with id below `before` (all when null), newest first, at most `limit`. */
  async newestBefore(filter: AuditRowFilter, before: number | null, limit: number): Promise<AuditRow[]> {
    return this.db.query(
      `SELECT * FROM audit_log
        WHERE ($1::text IS NULL OR entity_type = $1) AND ($2::text IS NULL OR entity_id = $2)
          AND ($3::text IS NULL OR action = $3) AND ($4::bigint IS NULL OR id < $4)
        ORDER BY id DESC LIMIT $5`,
      [filter.entityType, filter.entityId, filter.action, before, limit],
    );
  }
}
