/**
 * The console's typed client is generated from the API's OpenAPI document: this test fails while
 * console/src/api/generated/ differs from what the controllers say now (run `npm run console:api`,
 * then the console's type-check shows what the API change broke).
 */
import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import path from 'node:path';
import { accessOf, CONSOLE_API_DIR, consoleApiFiles } from '../../scripts/lib/openapi-document.js';

const root = path.resolve(import.meta.dirname, '..', '..');

describe('console API files', () => {
  it('are what the OpenAPI document of the API generates now', async () => {
    const files = await consoleApiFiles();
    expect(Object.keys(files).sort()).toEqual(['access.json', 'schema.d.ts']);
    for (const [name, text] of Object.entries(files)) {
      const committed = fs.readFileSync(path.join(root, CONSOLE_API_DIR, name), 'utf8');
      expect({ name, upToDate: committed === text }).toEqual({ name, upToDate: true });
    }
  });

  it("read each operation's roles from the Roles line @Endpoint writes", () => {
    const access = accessOf({
      paths: {
        '/v1/x': { get: { description: 'Text.\n\nRoles: admin (all); support (customer history)' }, post: { description: 'Public: no API key needed.' } },
      },
    });
    expect(access).toEqual({ 'GET /v1/x': ['admin', 'support'], 'POST /v1/x': ['public'] });
  });
});
