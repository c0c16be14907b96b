/**
 * API keys: random secrets handed out once; only their SHA-256 hashes are stored, so a database
 * leak does not leak usable keys. A key is looked up by its hash on every request.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { Page, PageRequest } from '../http/pagination.js';
import { pageOf } from '../http/pagination.js';
import type { Principal, Role } from './roles.js';

/** Every key starts with this, so secret scanners and humans recognise one. */
export const KEY_PREFIX = 'je_';

/** The id of the key `JE_ADMIN_API_KEY` installs at start-up. */
export const BOOTSTRAP_KEY_ID = 'key_bootstrap_admin';

export interface ApiKeyInfo {
  id: string;
  name: string;
  role: Role;
  createdBy: string | null;
  createdAt: string;
  revokedAt: string | null;
}

interface KeyRow {
  id: string;
  name: string;
  role: Role;
  created_by: string | null;
  created_at: Date;
  revoked_at: Date | null;
}

const toInfo = (row: KeyRow): ApiKeyInfo => ({
  id: row.id,
  name: row.name,
  role: row.role,
  createdBy: row.created_by,
  createdAt: row.created_at.toISOString(),
  revokedAt: row.revoked_at?.toISOString() ?? null,
});

export const hashKey = (key: string): string => createHash('sha256').update(key, 'utf8').digest('hex');

/** A new key's secret: the prefix and 32 random bytes (256 bits), URL-safe. */
export const generateKey = (): string => KEY_PREFIX + randomBytes(32).toString('base64url');

export class ApiKeysService {
  constructor(private readonly db: DataSource) {}

  /** Creates a key; the secret is in the answer and nowhere else. */
  async create(name: string, role: Role, createdBy: string | null): Promise<ApiKeyInfo & { key: string }> {
    const key = generateKey();
    const id = `key_${randomBytes(8).toString('hex')}`;
    const [row]: KeyRow[] = await this.db.query(
      `INSERT INTO api_keys (id, name, role, key_hash, created_by) VALUES ($1, $2, $3, $4, $5)
       RETURNING id, name, role, created_by, created_at, revoked_at`,
      [id, name, role, hashKey(key), createdBy],
    );
    return { ...toInfo(row), key };
  }

  /** Installs (or re-points) the bootstrap admin key to `key`; idempotent, so every start may call it. */
  async installBootstrapKey(key: string): Promise<void> {
    await this.db.query(
      `INSERT INTO api_keys (id, name, role, key_hash) VALUES ($1, 'bootstrap admin (JE_ADMIN_API_KEY)', 'admin', $2)
       ON CONFLICT (id) DO UPDATE SET key_hash = EXCLUDED.key_hash, role = 'admin', revoked_at = NULL`,
      [BOOTSTRAP_KEY_ID, hashKey(key)],
    );
  }

  /** The principal a presented key stands for, or null when it is unknown or revoked. */
  async authenticate(key: string): Promise<Principal | null> {
    const rows: { id: string; name: string; role: Role }[] = await this.db.query(
      `SELECT id, name, role FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL`,
      [hashKey(key)],
    );
    return rows[0] ? { keyId: rows[0].id, name: rows[0].name, role: rows[0].role } : null;
  }

  async list(page: PageRequest<string>): Promise<Page<ApiKeyInfo>> {
    const rows: KeyRow[] = await this.db.query(
      `SELECT id, name, role, created_by, created_at, revoked_at FROM api_keys
        WHERE ($1::text IS NULL OR id > $1) ORDER BY id LIMIT $2`,
      [page.after, page.limit + 1],
    );
    return pageOf(rows.map(toInfo), page.limit, (k) => k.id);
  }

  /** Revokes a key; answers null when there is no such key. Revoking twice keeps the first time. */
  async revoke(id: string): Promise<ApiKeyInfo | null> {
    const rows: KeyRow[] = await this.db.query(
      `WITH revoked AS (
         UPDATE api_keys SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1
         RETURNING id, name, role, created_by, created_at, revoked_at)
       SELECT * FROM revoked`,
      [id],
    );
    return rows[0] ? toInfo(rows[0]) : null;
  }
}
