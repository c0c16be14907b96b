/**
 * Admin lockout: the last live admin key cannot be revoked (409 last_admin_key), not even by two
 * admins revoking each other at the same moment. On a scratch database, so other test files' admin
 * keys do not count.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { DataSource } from 'typeorm';
import { ApiKeysService, BOOTSTRAP_KEY_ID } from '../../core/access/api-keys.js';
import { UseCaseError } from '../../core/errors.js';
import { httpErrorOf } from '../../api/use-case-errors.js';
import { ApiError } from '../../api/http/api-error.js';
import { createDataSource } from '../../store/data-source.js';
import { createScratchDatabase, type ScratchDatabase } from '../support/scratch-database.js';

let scratch: ScratchDatabase;
let db: DataSource;
let keys: ApiKeysService;

beforeAll(async () => {
  scratch = await createScratchDatabase('je_admin_lockout');
  db = createDataSource(scratch.url, { poolSize: 4 });
  await db.initialize();
  await db.runMigrations();
  keys = new ApiKeysService(db);
});

afterAll(async () => {
  await db?.destroy();
  await scratch?.drop();
});

const refusal = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (err: unknown) => {
      const answer = httpErrorOf(err);
      return err instanceof UseCaseError && answer instanceof ApiError ? { code: answer.code, status: answer.status } : Promise.reject(err);
    },
  );

describe('revoking admin keys', () => {
  it('refuses the last live admin key with 409 last_admin_key, and allows it once another admin exists', async () => {
    await keys.installBootstrapKey('je_bootstrap_secret_for_the_test_000000');
    const marketer = await keys.create('m', 'marketer', null);
    expect(await keys.revoke(marketer.id)).toMatchObject({ id: marketer.id, revokedAt: expect.any(String) });

    expect(await refusal(keys.revoke(BOOTSTRAP_KEY_ID))).toEqual({ code: 'last_admin_key', status: 409 });
    const second = await keys.create('ops', 'admin', null);
    expect(await keys.revoke(BOOTSTRAP_KEY_ID)).toMatchObject({ id: BOOTSTRAP_KEY_ID, revokedAt: expect.any(String) });
    expect(await refusal(keys.revoke(second.id))).toEqual({ code: 'last_admin_key', status: 409 });
    expect(await keys.authenticate(second.key)).toMatchObject({ role: 'admin' });
  });

  it('two admins revoking each other at once leave exactly one', async () => {
    const a = await keys.create('a', 'admin', null);
    const b = await keys.create('b', 'admin', null);
    const live = async () => (await db.query(`SELECT id FROM api_keys WHERE role = 'admin' AND revoked_at IS NULL`)).map((r: { id: string }) => r.id);
    // Leave a and b as the only live admins.
    for (const id of await live()) if (id !== a.id && id !== b.id) await keys.revoke(id);
    const outcomes = await Promise.all([refusal(keys.revoke(a.id)), refusal(keys.revoke(b.id))]);
    expect(outcomes.filter((o) => o === null)).toHaveLength(1);
    expect(outcomes.filter((o) => o !== null)).toEqual([{ code: 'last_admin_key', status: 409 }]);
    expect(await live()).toHaveLength(1);
  });
});
