/** The one TypeORM DataSource factory: PostgreSQL from a URL, migrations from `migrations/`, never synchronize. */
import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../migrations/index.js';

export interface DataSourceOptions {
  /** Pool size; the worker and the API each hold one pool. */
  poolSize?: number;
  applicationName?: string;
}

export function createDataSource(databaseUrl: string, options: DataSourceOptions = {}): DataSource {
  return new DataSource({
    type: 'postgres',
    url: databaseUrl,
    synchronize: false,
    migrationsRun: false,
    migrations: MIGRATIONS,
    migrationsTableName: 'schema_migrations',
    entities: [],
    logging: false,
    applicationName: options.applicationName ?? 'journey-engine',
    extra: { max: options.poolSize ?? 10 },
  });
}
