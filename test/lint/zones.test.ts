/**
 * The layer zones of eslint.config.js (ZONES: engine/ imports nothing of ours; store/ engine; core/
 * store, engine, config, observability; activities/ also core; api/ core, engine, config,
 * observability) and the import graph of the product code: no runtime import cycles.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { stronglyConnected } from '../../engine/validate-graph.js';
import { importErrors } from './lint-text.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const use = (from: string, name = 'x') => `import { ${name} } from '${from}';\nexport const a = ${name};`;

describe('layer zones', () => {
  it.each([
    ['engine/ -> store/', 'engine/x.ts', use('../store/events.repository.js')],
    ['engine/ -> activities/', 'engine/x.ts', use('../activities/lookups.js')],
    ['engine/ -> config/', 'engine/x.ts', use('../config/index.js')],
    ['engine/nodes/ -> store/', 'engine/nodes/x.ts', use('../../store/queryable.js')],
    ['engine/segments/ -> core/', 'engine/segments/x.ts', use('../../core/enrollment.js')],
    ['activities/ -> workflows/', 'activities/x.ts', use('../workflows/journey-run.js')],
    ['core/ -> activities/ (segment membership lives in core/segments/)', 'core/segments/x.ts', use('../../activities/segment-entry.js')],
    ['core/ -> workflows/ (start by engine/workflow-contract.ts)', 'core/x.ts', use('../workflows/journey-run.js')],
    ['core/ -> worker/', 'core/x.ts', use('../worker/worker.js')],
    ['api/ -> activities/ (the channel contract is core/channels/)', 'api/messaging/x.ts', use('../../activities/channels/registry.js')],
    ['api/ -> workflows/', 'api/x.ts', use('../workflows/index.js')],
    ['store/ -> core/', 'store/x.ts', use('../core/enrollment.js')],
    ['config/ -> store/', 'config/x.ts', use('../store/queryable.js')],
    ['observability/ -> core/', 'observability/x.ts', use('../core/enrollment.js')],
    ['worker/ -> api/', 'worker/x.ts', use('../api/runtime.js')],
    ['activities/ -> worker/', 'activities/x.ts', use('../worker/worker.js')],
    ['a channel folder -> api/', 'activities/channels/sms/x.ts', use('../../../api/runtime.js')],
    ['api/health/ -> store/ (api calls core/)', 'api/health/x.ts', use('../../store/queryable.js')],
    ['a top-level api/ file -> store/', 'api/x.ts', use('../store/data-source.js')],
  ])('refuses %s', async (_name, file, code) => {
    expect(await importErrors(code, file)).not.toEqual([]);
  });

  it.each([
    ['engine/ -> its own files', 'engine/x.ts', use('./duration.js')],
    ['engine/nodes/ -> engine/', 'engine/nodes/x.ts', use('../json.js')],
    ['engine/ -> an npm package', 'engine/x.ts', use('luxon', 'DateTime')],
    ['activities/ -> store/', 'activities/x.ts', use('../store/queryable.js')],
    ['activities/ -> core/', 'activities/x.ts', use('../core/enrollment.js')],
    ['a channel folder -> engine/', 'activities/channels/sms/x.ts', use('../../../engine/template.js')],
    ['an engine test -> the test database helpers', 'engine/x.test.ts', use('../test/support/env.js')],
    ['the API entry point -> store/ (it opens the DataSource)', 'api/main.ts', use('../store/data-source.js')],
    ['api/ -> core/', 'api/x.ts', use('../core/enrollment.js')],
    ['api/ -> the channel contract in core/', 'api/messaging/x.ts', use('../../core/channels/descriptor.js', 'settingsFor')],
    ['the app factory -> the channel registry (composition root)', 'api/app.factory.ts', use('../activities/channels/registry.js', 'defaultChannelDescriptors')],
    ['core/ -> the workflow contract in engine/', 'core/x.ts', use('../engine/workflow-contract.js', 'customerEventSignal')],
    ['worker/ -> activities/', 'worker/x.ts', use('../activities/index.js', 'createActivities')],
  ])('allows %s', async (_name, file, code) => {
    expect(await importErrors(code, file)).toEqual([]);
  });
});

/** Product folders whose runtime imports must not form a cycle. */
const PRODUCT = ['engine', 'store', 'core', 'activities', 'workflows', 'api', 'worker', 'config', 'observability', 'migrations'];

function productFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(path.join(repoRoot, dir), { withFileTypes: true })) {
      const rel = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(rel);
      else if (rel.endsWith('.ts') && !rel.endsWith('.test.ts') && !rel.endsWith('.d.ts')) out.push(rel);
    }
  };
  PRODUCT.forEach(walk);
  return out;
}

/** Relative imports that exist at run time (`import type` and `export type ... from` are erased). */
export function runtimeImports(source: string): string[] {
  const found: string[] = [];
  const statement = /(?:^|\n)\s*(import|export)\s+(type\s+)?([^'";]*?)\s*from\s*'(\.{1,2}\/[^']+)'/g;
  for (const m of source.matchAll(statement)) {
    if (m[2]) continue;
    const names = m[3].replace(/^[{\s]+|[}\s]+$/g, '');
    // `import { type A, type B }`: every specifier is a type, nothing is loaded.
    if (m[3].includes('{') && names.split(',').every((n) => /^\s*type\s/.test(n) || n.trim() === '')) continue;
    found.push(m[4]);
  }
  for (const m of source.matchAll(/(?:^|\n)\s*import\s+'(\.{1,2}\/[^']+)'/g)) found.push(m[1]);
  return found;
}

/** The import cycles: strongly connected components of more than one file, or a file importing itself. */
function cycles(graph: Map<string, string[]>): string[][] {
  return stronglyConnected([...graph.keys()], graph)
    .filter((component) => component.length > 1 || (graph.get(component[0]) ?? []).includes(component[0]))
    .map((component) => component.sort());
}

describe('import cycles', () => {
  it('reads runtime imports and skips type-only ones', () => {
    expect(
      runtimeImports(
        [
          "import { a } from './a.js';",
          "import type { B } from './b.js';",
          "import { type C, type D } from './c.js';",
          "import { type E, f } from './e.js';",
          "export { g } from './g.js';",
          "export type { H } from './h.js';",
          "import './side-effect.js';",
          "import { z } from 'zod';",
        ].join('\n'),
      ),
    ).toEqual(['./a.js', './e.js', './g.js', './side-effect.js']);
  });

  it('finds a cycle when there is one (the check can fail)', () => {
    expect(cycles(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]]))).toEqual([['a', 'b', 'c']]);
  });

  it('the product code has none', () => {
    const files = productFiles();
    const known = new Set(files);
    const graph = new Map<string, string[]>();
    for (const file of files) {
      const targets = runtimeImports(fs.readFileSync(path.join(repoRoot, file), 'utf8'))
        .map((spec) => path.normalize(path.join(path.dirname(file), spec.replace(/\.js$/, '.ts'))))
        .filter((target) => known.has(target));
      graph.set(file, targets);
    }
    expect(files.length).toBeGreaterThan(100);
    expect(cycles(graph)).toEqual([]);
  });
});
