/** API keys for tests: one per role, created through the real key store (hashes in PostgreSQL). */
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { ApiKeysService } from '../../core/access/api-keys.js';
import { ROLES, type Role } from '../../core/access/roles.js';

export type RoleKeys = Record<Role, string>;

export async function createRoleKeys(db: DataSource, label: string): Promise<RoleKeys> {
  const service = new ApiKeysService(db);
  const keys = {} as RoleKeys;
  for (const role of ROLES) keys[role] = (await service.create(`${label} ${role}`, role, null)).key;
  return keys;
}

/** A supertest agent that sends `key` on every request. */
export function keyedAgent(server: Parameters<typeof request.agent>[0], key: string) {
  return request.agent(server).set('Authorization', `Bearer ${key}`);
}

/** An admin key for `db` and a function making agents that send it: for tests that build the app themselves. */
export async function adminHttp(server: Parameters<typeof request.agent>[0], db: DataSource) {
  const key = (await new ApiKeysService(db).create('test admin', 'admin', null)).key;
  return () => keyedAgent(server, key);
}

/** The JE_ADMIN_API_KEY of tests that run the API like main.ts does (one value, as they share one database). */
export const TEST_BOOTSTRAP_KEY = 'je_test_bootstrap_admin_key_0123456789abcdef';
