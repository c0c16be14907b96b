/**
 * Applies pending migrations to DATABASE_URL, then exits: `npm run migrate` (from the sources) and
 * `node dist/store/migrate-main.js` (compiled; the one-shot `migrate` service of docker-compose.yml).
 * Run it once per release, before the new API and worker start. npm start does this by itself.
 */
import { ConfigError, loadConfig, maskUrl } from '../config/index.js';
import { migrate } from './migrate.js';

try {
  const config = loadConfig();
  if (!config.databaseUrl) throw new ConfigError('DATABASE_URL', 'required (a postgres:// URL of the database to migrate)');
  console.log(`migrate: migrating ${maskUrl(config.databaseUrl)}`);
  const applied = await migrate(config.databaseUrl, (line) => console.log(line));
  console.log(applied.length ? `migrate: ${applied.length} migration(s) applied` : 'migrate: no pending migrations');
} catch (err) {
  console.error(`migrate: FAILED: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
