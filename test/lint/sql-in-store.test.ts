/**
 * SQL lives in store/ (repositories) and migrations/ (schema), nowhere else. Every string and template
 * literal of every other .ts file is scanned for SQL statements. Allowed elsewhere: the segment rule
 * compiler's output (engine/segments/, which store/ runs), the health probe's `SELECT 1`, bench/ and
 * scripts/ (tools, not the product) and tests.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import ts from 'typescript';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Folders never scanned: SQL's homes, tools, tests, and what is not our source. */
const SKIPPED_DIRS = new Set(['store', 'migrations', 'bench', 'scripts', 'test', 'node_modules', 'dist', 'coverage', '.tools', '.data', '.git']);
/** Files whose SQL is allowed: path -> the literals allowed there (null: every literal). */
const ALLOWED: Record<string, string[] | null> = {
  'api/health/health.controller.ts': ['SELECT 1'],
  // The outage monitor's connection probe, like the health check's (api/dependency-monitor.ts).
  'api/dependency-monitor.ts': ['SELECT 1'],
};
/** engine/segments compiles segment rules to SQL predicates; store/ runs them. */
const ALLOWED_DIRS = ['engine/segments/'];

/** A statement's opening words (upper case, as the project writes SQL). */
const SQL = /\b(SELECT\s[\s\S]*\bFROM\b|SELECT\s+\d|INSERT\s+INTO|UPDATE\s+[a-z_]+\s+SET|DELETE\s+FROM|WITH\s+[a-z_]+\s+AS\s*\(|SET\s+(LOCAL|TRANSACTION)\b|FOR\s+UPDATE\b|pg_advisory)/;

/** The text of every string and template literal in `source` (template parts separately) that looks like SQL. */
export function sqlLiterals(fileName: string, source: string): string[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isStringLiteralLike(node) || ts.isTemplateLiteralToken(node)) {
      if (SQL.test(node.text)) found.push(node.text);
    }
    node.forEachChild(visit);
  };
  visit(file);
  return found;
}

function productSourceFiles(dir = '', out: string[] = []): string[] {
  for (const entry of fs.readdirSync(path.join(repoRoot, dir), { withFileTypes: true })) {
    const rel = dir ? `${dir}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(rel.split('/')[0]) && !entry.name.startsWith('.')) productSourceFiles(rel, out);
    } else if (/\.ts$/.test(entry.name) && !/\.(test|d)\.ts$/.test(entry.name)) {
      out.push(rel);
    }
  }
  return out;
}

describe('SQL only in store/ and migrations/', () => {
  it('finds SQL in string and template literals, not in comments', () => {
    const code = [
      '// SELECT id FROM enrollments (a comment)',
      "const a = 'SELECT id FROM enrollments WHERE id = $1';",
      'const b = `UPDATE segment_runs SET status = $2 WHERE id = ${id}`;',
      "const c = 'DELETE FROM segments';",
      "const d = 'INSERT INTO crm_tasks (id) VALUES ($1)';",
      'const e = `WITH updated AS (UPDATE x SET y = 1 RETURNING *) SELECT * FROM updated`;',
      "const f = 'Select the segment to enroll';",
    ].join('\n');
    expect(sqlLiterals('x.ts', code)).toHaveLength(5);
  });

  it('holds for every product .ts file outside store/ and migrations/', () => {
    const files = productSourceFiles();
    expect(files).toEqual(expect.arrayContaining(['core/segments/segments.ts', 'activities/segment-entry.ts', 'observability/metrics.ts']));
    const offenders: string[] = [];
    for (const rel of files) {
      if (ALLOWED_DIRS.some((d) => rel.startsWith(d))) continue;
      const allowed = ALLOWED[rel];
      if (allowed === null) continue;
      for (const literal of sqlLiterals(rel, fs.readFileSync(path.join(repoRoot, rel), 'utf8'))) {
        if (allowed?.includes(literal)) continue;
        offenders.push(`${rel}: ${literal.replace(/\s+/g, ' ').slice(0, 100)}`);
      }
    }
    // Move the statement into a repository of store/ (one class per table, methods named after the question).
    expect(offenders).toEqual([]);
  });
});
