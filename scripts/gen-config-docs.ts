/**
 * Rewrites the configuration table of docs/operations.md (between `<!-- config:begin -->` and
 * `<!-- config:end -->`) from config/catalogue.ts. `--check` changes nothing and exits 1 when the
 * table is out of date.
 *
 *   npm run docs:config [-- --check]
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONFIG_DOCS_FILE, withConfigTable } from './lib/config-docs.js';

const file = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', CONFIG_DOCS_FILE);
try {
  const doc = fs.readFileSync(file, 'utf8');
  const generated = withConfigTable(doc);
  if (generated === doc) {
    console.log(`docs:config: ${CONFIG_DOCS_FILE} is up to date`);
  } else if (process.argv.includes('--check')) {
    console.error(`docs:config: ${CONFIG_DOCS_FILE} differs from config/catalogue.ts: run \`npm run docs:config\``);
    process.exit(1);
  } else {
    fs.writeFileSync(file, generated);
    console.log(`docs:config: rewrote the configuration table of ${CONFIG_DOCS_FILE}`);
  }
} catch (err) {
  console.error(`docs:config: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
