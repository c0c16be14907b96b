/**
 * The configuration catalogue (config/catalogue.ts) against what is written elsewhere: the table in
 * docs/operations.md must be exactly what `npm run docs:config` generates, and docker-compose.yml
 * may give the project's services only variables the catalogue declares, and none of a service's
 * required ones may be missing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { VARIABLES } from '../../config/catalogue.js';
import { CONFIG_DOCS_FILE, configTable, generatedSpan, withConfigTable } from '../../scripts/lib/config-docs.js';
import { APP_SERVICES, environment, readCompose, repoRoot } from '../support/compose.js';

const doc = fs.readFileSync(path.join(repoRoot, CONFIG_DOCS_FILE), 'utf8');

describe('the configuration table of docs/operations.md', () => {
  it('is what the catalogue generates (run `npm run docs:config` after changing config/catalogue.ts)', () => {
    const { start, end } = generatedSpan(doc);
    // Line by line, so that a failure shows the row that drifted.
    expect(doc.slice(start, end).split('\n')).toEqual(configTable().split('\n'));
  });

  it('is replaced between the markers only, and the markers must be there', () => {
    const edited = doc.replace('| `PORT` | api |', '| `PORT` | api, worker |');
    expect(edited).not.toBe(doc);
    expect(withConfigTable(edited)).toBe(withConfigTable(doc));
    expect(() => withConfigTable('# Operations\n\nno table here\n')).toThrow(/config:begin/);
  });
});

describe('the catalogue', () => {
  it('declares each variable once', () => {
    const names = VARIABLES.map((v) => v.name);
    expect(new Set(names).size).toBe(names.length);
  });
});

describe('docker-compose.yml against the catalogue', () => {
  const services = readCompose().services;
  const known = new Set(VARIABLES.map((v) => v.name));

  it.each(APP_SERVICES)('gives %s only variables the catalogue declares', (name) => {
    const unknown = Object.keys(environment(services[name]!)).filter((variable) => !known.has(variable));
    expect(unknown).toEqual([]);
  });

  it.each(APP_SERVICES)('gives %s every required variable of its process', (name) => {
    const given = environment(services[name]!);
    const missing = VARIABLES.filter((v) => v.required && v.readBy.includes(name) && !given[v.name]).map((v) => v.name);
    expect(missing).toEqual([]);
  });
});
