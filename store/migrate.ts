/** Applies every pending TypeORM migration in `migrations/` to the database at `databaseUrl`. */
import { createDataSource } from './data-source.js';

export async function migrate(databaseUrl: string, log: (line: string) => void = () => {}): Promise<string[]> {
  const db = createDataSource(databaseUrl, { poolSize: 1, applicationName: 'journey-engine-migrate' });
  await db.initialize();
  try {
    const applied = await db.runMigrations({ transaction: 'each' });
    for (const migration of applied) log(`migrate: applied ${migration.name}`);
    return applied.map((m) => m.name);
  } finally {
    await db.destroy();
  }
}
