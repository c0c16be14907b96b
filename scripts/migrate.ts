/** `npm run migrate`: applies pending migrations to DATABASE_URL (npm start does this by itself). */
import { loadConfig } from '../config/index.js';
import { migrate } from '../store/migrate.js';

const config = loadConfig();
if (!config.databaseUrl) {
  console.error('migrate: DATABASE_URL: required (a postgres:// URL of the database to migrate)');
  process.exit(1);
}
const applied = await migrate(config.databaseUrl, (line) => console.log(line));
console.log(applied.length ? `migrate: ${applied.length} migration(s) applied` : 'migrate: no pending migrations');
