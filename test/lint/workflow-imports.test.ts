/**
 * Proves the workflows/** import rule in eslint.config.js: workflow code runs in Temporal's
 * deterministic sandbox, so it may import only @temporalio/workflow, ../engine/**, its own files,
 * and types from ../activities/.
 */
import { describe, expect, it } from '@jest/globals';
import { ruleErrors } from './lint-text.js';

const IMPORT_RULES = new Set(['no-restricted-imports', '@typescript-eslint/no-restricted-imports', 'no-restricted-syntax']);

/** The import-rule errors ESLint reports for `code` placed in workflows/x.ts. */
async function importErrors(code: string, filePath = 'workflows/x.ts'): Promise<string[]> {
  return (await ruleErrors(code, filePath, IMPORT_RULES)).map((m) => `${m.ruleId}: ${m.message}`);
}

describe('workflows/** import rule', () => {
  it.each([
    ['a node built-in', "import fs from 'node:fs';\nexport const a = fs;"],
    ['a bare node built-in', "import { randomUUID } from 'crypto';\nexport const a = randomUUID;"],
    ['the Temporal client', "import { Client } from '@temporalio/client';\nexport const a = Client;"],
    ['the Temporal worker', "import { Worker } from '@temporalio/worker';\nexport const a = Worker;"],
    ['the Temporal activity package', "import { Context } from '@temporalio/activity';\nexport const a = Context;"],
    ['pg', "import pg from 'pg';\nexport const a = pg;"],
    ['typeorm', "import { DataSource } from 'typeorm';\nexport const a = DataSource;"],
    ['a value import from activities', "import { activities } from '../activities/index.js';\nexport const a = activities;"],
    ['another repo folder', "import { migrate } from '../store/migrate.js';\nexport const a = migrate;"],
    ['a re-export of a forbidden module', "export { Client } from '@temporalio/client';"],
    ['a dynamic import', "export const load = () => import('./other.js');"],
  ])('rejects %s', async (_name, code) => {
    expect(await importErrors(code)).not.toEqual([]);
  });

  it.each([
    ['@temporalio/workflow', "import * as wf from '@temporalio/workflow';\nexport const a = wf;"],
    ['the engine core', "import { parseDuration } from '../engine/duration.js';\nexport const a = parseDuration;"],
    ['a nested engine path', "import { x } from '../engine/sub/dir/x.js';\nexport const a = x;"],
    ['a file of workflows/', "import { helper } from './helpers.js';\nexport const a = helper;"],
    ['types from activities', "import type { Activities } from '../activities/index.js';\nexport type A = Activities;"],
    ['inline types from activities', "import { type Activities } from '../activities/index.js';\nexport type A = Activities;"],
  ])('allows %s', async (_name, code) => {
    expect(await importErrors(code)).toEqual([]);
  });

  it('does not apply outside workflows/', async () => {
    expect(await importErrors("import fs from 'node:fs';\nexport const a = fs;", 'activities/x.ts')).toEqual([]);
  });
});
