// ESLint flat config: typescript-eslint's recommended rules everywhere, plus the Temporal
// workflow-sandbox import rule for workflows/**.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Node globals for plain JS files (scripts/*.mjs, this file); TS files get them from @types/node. */
const nodeGlobals = Object.fromEntries(
  [
    'process',
    'console',
    'Buffer',
    'URL',
    'URLSearchParams',
    'setTimeout',
    'clearTimeout',
    'setInterval',
    'clearInterval',
    'setImmediate',
    'queueMicrotask',
    'structuredClone',
    'AbortController',
    'fetch',
  ].map((name) => [name, 'readonly']),
);

/**
 * Workflow code runs in Temporal's deterministic sandbox. It may import only:
 *   - @temporalio/workflow
 *   - the pure engine core: relative paths into ../engine/ (any depth)
 *   - other files of workflows/ (./...)
 *   - TYPES from ../activities/ (activities are called through proxyActivities, never imported)
 * Everything else (node built-ins, pg, typeorm, the Temporal client/worker/activity packages,
 * other npm packages, other folders of this repo) is an error.
 */
const WORKFLOW_IMPORT_MESSAGE =
  'workflows/ runs in the Temporal workflow sandbox: import only @temporalio/workflow, ' +
  '../engine/**, ./ files of workflows/, and `import type` from ../activities/.';

// Matches every import source that is NOT in the allow-list (activities are handled below).
const FORBIDDEN_IN_WORKFLOWS =
  '^(?!@temporalio/workflow$)(?!(\\.\\./)+engine/)(?!\\./)(?!(\\.\\./)+activities(/|$))';
const ACTIVITIES = '^(\\.\\./)+activities(/|$)';

export default tseslint.config(
  {
    ignores: ['dist/**', '.tools/**', 'node_modules/**', 'coverage/**', '.data/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: { globals: nodeGlobals },
  },
  {
    files: ['workflows/**/*.ts'],
    // Tests drive workflows from outside the sandbox (worker, client, fakes); they are not bundled.
    ignores: ['workflows/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: FORBIDDEN_IN_WORKFLOWS, message: WORKFLOW_IMPORT_MESSAGE }] },
      ],
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: ACTIVITIES,
              allowTypeImports: true,
              message:
                'workflows/ may import only types from ../activities/ (`import type`); call activities through proxyActivities.',
            },
          ],
        },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: 'ImportExpression',
          message: 'No dynamic import() in workflows/: the workflow bundle must be static and deterministic.',
        },
        {
          selector: "CallExpression[callee.name='require']",
          message: 'No require() in workflows/: use a static import from the allowed modules.',
        },
      ],
    },
  },
);
