/** Lints a snippet as if it were a file of the repository, for the tests of the import rules in eslint.config.js. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from '@jest/globals';
import { ESLint, type Linter } from 'eslint';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
let eslint: ESLint | undefined;

/** The errors of `rules` ESLint reports for `code` placed at `filePath` (relative to the repository); the snippet must parse. */
export async function ruleErrors(code: string, filePath: string, rules: ReadonlySet<string>): Promise<Linter.LintMessage[]> {
  eslint ??= new ESLint({ cwd: repoRoot });
  const [result] = await eslint.lintText(code, { filePath: path.join(repoRoot, filePath) });
  expect(result).toBeDefined();
  expect(result!.messages.filter((m) => m.fatal)).toEqual([]);
  return result!.messages.filter((m) => m.severity === 2 && m.ruleId !== null && rules.has(m.ruleId));
}

const RESTRICTED_IMPORTS = new Set(['no-restricted-imports']);

/** The `no-restricted-imports` messages for `code` at `filePath`. */
export async function importErrors(code: string, filePath: string): Promise<string[]> {
  return (await ruleErrors(code, filePath, RESTRICTED_IMPORTS)).map((m) => m.message);
}
