/**
 * `npm run console:api`: regenerates console/src/api/generated/ (the OpenAPI document's types and the
 * roles of each operation) from the API's controllers, without serving anything. The console is
 * type-checked against these types, so an API change that breaks the console breaks its build;
 * test/console/console-api-files.test.ts fails while the files are stale. `--check` only compares.
 */
import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { CONSOLE_API_DIR, consoleApiFiles } from './lib/openapi-document.js';
import { PROJECT_ROOT } from './lib/temporal-binaries.mjs';

const dir = path.join(PROJECT_ROOT, CONSOLE_API_DIR);
const files = await consoleApiFiles();
const check = process.argv.includes('--check');
let stale = 0;
for (const [name, text] of Object.entries(files)) {
  const file = path.join(dir, name);
  if (check) {
    if (!fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== text) {
      console.error(`${CONSOLE_API_DIR}/${name} is stale: run npm run console:api`);
      stale += 1;
    }
  } else {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(file, text);
    console.log(`wrote ${CONSOLE_API_DIR}/${name}`);
  }
}
process.exit(stale === 0 ? 0 : 1);
