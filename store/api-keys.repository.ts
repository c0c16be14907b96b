/** `api_keys`: API keys by the SHA-256 hash of their secret (the secret itself is never stored). */
import type { Queryable } from './queryable.js';

/** One key as stored (without its hash). */
export interface ApiKeyRow {
  id: string;
  name: string;
  role: string;
  created_by: string | null;
  created_at: Date;
  revoked_at: Date | null;
}

export class ApiKeysRepository {
  constructor(private readonly db: Queryable) {}

  async insert(id: string, name: string, role: string, keyHash: string, createdBy: string | null): Promise<ApiKeyRow> {
    const [row]: ApiKeyRow[] = await this.db.query(
      `INSERT INTO api_keys (id, name, role, key_hash, created_by) VALUES ($1, $2, $3, $4, $5)
       RETURNING id, name, role, created_by, created_at, revoked_at`,
      [id, name, role, keyHash, createdBy],
    );
    return row;
  }

  /** Creates the admin key `id` with `keyHash`, or re-points it there (role admin, not revoked). */
  async upsertAdmin(id: string, keyHash: string): Promise<void> {
    await this.db.query(
      `INSERT INTO api_keys (id, name, role, key_hash) VALUES ($1, 'bootstrap admin (JE_ADMIN_API_KEY)', 'admin', $2)
       ON CONFLICT (id) DO UPDATE SET key_hash = EXCLUDED.key_hash, role = 'admin', revoked_at = NULL`,
      [id, keyHash],
    );
  }

  /** The live (not revoked) key with this hash; null when there is none. */
  async liveByHash(keyHash: string): Promise<{ id: string; name: string; role: string } | null> {
    const rows: { id: string; name: string; role: string }[] = await this.db.query(
      `SELECT id, name, role FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL`,
      [keyHash],
    );
    return rows[0] ?? null;
  }

  /** Keys in id order after `after`, at most `limit`. */
  async pageAfter(after: string | null, limit: number): Promise<ApiKeyRow[]> {
    return this.db.query(
      `SELECT id, name, role, created_by, created_at, revoked_at FROM api_keys
        WHERE ($1::text IS NULL OR id > $1) ORDER BY id LIMIT $2`,
      [after, limit],
    );
  }

  /**
   * Locks every live admin key (in `tx`) and answers their ids: a revocation that checks "not the last
   * admin" under this lock cannot race another one into leaving none.
   */
  async lockLiveAdmins(tx: Queryable): Promise<string[]> {
    const rows: { id: string }[] = await tx.query(`SELECT id FROM api_keys WHERE role = 'admin' AND revoked_at IS NULL ORDER BY id FOR UPDATE`);
    return rows.map((r) => r.id);
  }

  /** Stamps the key revoked (the first time stays); null when there is no such key. */
  async revoke(id: string, tx: Queryable = this.db): Promise<ApiKeyRow | null> {
    const rows: ApiKeyRow[] = await tx.query(
      `WITH revoked AS (
         UPDATE api_keys SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1
         RETURNING id, name, role, created_by, created_at, revoked_at)
       SELECT * FROM revoked`,
      [id],
    );
    return rows[0] ?? null;
  }
}
