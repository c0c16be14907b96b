/**
 * API keys: random secrets handed out once; only their SHA-256 hashes are stored, so a database
 * leak does not leak usable keys. A key is looked up by its hash on every request.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { pageOf, type Page, type PageRequest } from '../page.js';
import { conflict } from '../errors.js';
import type { Principal, Role } from './roles.js';
import { ApiKeysRepository, type ApiKeyRow } from '../../store/api-keys.repository.js';

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

const toInfo = (row: ApiKeyRow): ApiKeyInfo => ({
  id: row.id,
  name: row.name,
  role: row.role as Role,
  createdBy: row.created_by,
  createdAt: row.created_at.toISOString(),
  revokedAt: row.revoked_at?.toISOString() ?? null,
});

export const hashKey = (key: string): string => createHash('sha256').update(key, 'utf8').digest('hex');

/** A new key's secret: the prefix and 32 random bytes (256 bits), URL-safe. */
export const generateKey = (): string => KEY_PREFIX + randomBytes(32).toString('base64url');

export class ApiKeysService {
  private readonly keys: ApiKeysRepository;

  constructor(private readonly db: DataSource) {
    this.keys = new ApiKeysRepository(db);
  }

  /** Creates a key; the secret is in the answer and nowhere else. */
  async create(name: string, role: Role, createdBy: string | null): Promise<ApiKeyInfo & { key: string }> {
    const key = generateKey();
    const id = `key_${randomBytes(8).toString('hex')}`;
    const row = await this.keys.insert(id, name, role, hashKey(key), createdBy);
    return { ...toInfo(row), key };
  }

  /** Installs (or re-points) the bootstrap admin key to `key`; idempotent, so every start may call it. */
  async installBootstrapKey(key: string): Promise<void> {
    await this.keys.upsertAdmin(BOOTSTRAP_KEY_ID, hashKey(key));
  }

  /** The principal a presented key stands for, or null when it is unknown or revoked. */
  async authenticate(key: string): Promise<Principal | null> {
    const row = await this.keys.liveByHash(hashKey(key));
    return row ? { keyId: row.id, name: row.name, role: row.role as Role } : null;
  }

  async list(page: PageRequest<string>): Promise<Page<ApiKeyInfo>> {
    const rows = await this.keys.pageAfter(page.after, page.limit + 1);
    return pageOf(rows.map(toInfo), page.limit, (k) => k.id);
  }

  /**
   * Revokes a key; answers null when there is no such key. Revoking twice keeps the first time. The
   * last live admin key cannot be revoked (409 `last_admin_key`): nobody could manage keys any more.
   */
  async revoke(id: string): Promise<ApiKeyInfo | null> {
    const row = await this.db.transaction(async (tx) => {
      const admins = await this.keys.lockLiveAdmins(tx);
      if (admins.length === 1 && admins[0] === id) {
        throw conflict(
          'last_admin_key',
          `"${id}" is the last live admin key; create another admin key first (POST /v1/api-keys with role admin), then revoke this one`,
        );
      }
      return this.keys.revoke(id, tx);
    });
    return row ? toInfo(row) : null;
  }
}
