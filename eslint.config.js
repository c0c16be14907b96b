// ESLint flat config: typescript-eslint's recommended rules everywhere, plus the Temporal
// workflow-sandbox import rule for workflows/** and the layering rules (nothing below api/ imports it;
// core/ imports no NestJS; the api/ contexts moved to core/ import no store/; store/ imports only
// engine/ and migrations/).
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

/** Layering: activities/, core/, store/ and engine/ never import the NestJS API. */
const API = '^(\\.\\./)+api(/|$)';
const NO_API_MESSAGE =
  'activities/, core/, store/ and engine/ must not import ../api/: move what both need into core/ or store/.';

/** core/ holds framework-free use cases: no NestJS, no decorators; the API provides them to Nest. */
const NESTJS = '^@nestjs(/|$)';
const NO_NESTJS_MESSAGE =
  'core/ is framework-free: no @nestjs/* imports; api/ provides the use case to Nest (useFactory) and maps its UseCaseError to HTTP.';

/**
 * The API contexts whose use cases live in core/: their controllers and modules parse, call core/ and
 * answer; they reach the database only through core/. (Add a context here once it has moved.)
 */
/** Every api/ file: the use cases are in core/ (the entry point api/main.ts, which opens the DataSource, is exempt). */
const MOVED_API_CONTEXTS = ['api/**/*.ts'];
const API_ENTRY_POINTS = ['api/main.ts', 'api/**/*.test.ts'];
const STORE = '^(\\.\\./)+store(/|$)';
const NO_STORE_IN_API_MESSAGE =
  'api/ parses, calls core/ and answers: call a use case instead of importing ../store/ (the repositories are core\'s to use).';

/**
 * store/ is the bottom layer: besides npm packages and its own files it may import only the pure
 * engine (row types) and migrations/ (the schema its DataSource runs).
 */
const FORBIDDEN_IN_STORE = '^(?!(\\.\\./)+(engine|migrations)(/|$))\\.\\./';
const STORE_IMPORT_MESSAGE =
  'store/ may import only npm packages, ./ files of store/, ../engine/** and ../migrations/: repositories know no service, activity or API.';

/**
 * Layer zones: the folders of ours a layer may import besides its own files (and npm packages).
 * A pattern per folder depth, since a relative import's `../` count says where it lands.
 */
const ZONES = {
  engine: { allowed: [], message: 'engine/ is pure: it imports only its own files and npm packages (no I/O, no other layer).' },
  activities: {
    allowed: ['core', 'store', 'engine', 'config', 'observability'],
    message: 'activities/ may import core/, store/, engine/, config/ and observability/ (never api/, worker/ or workflows/).',
  },
};

function zoneBlocks(layer, { allowed, message }) {
  return [0, 1, 2, 3].map((depth) => {
    const up = `^(\\.\\./){${depth + 1}}`;
    const regex = allowed.length === 0 ? up : `${up}(?!(${allowed.join('|')})(/|$))`;
    return {
      files: [`${layer}/${'*/'.repeat(depth)}*.ts`],
      // Tests may reach test/support and the database; the zone is about product code.
      ignores: ['**/*.test.ts'],
      rules: { 'no-restricted-imports': ['error', { patterns: [{ regex, message }] }] },
    };
  });
}

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
    // The console runs in the browser: it reads the pure engine (node kinds, canvas schema) and reaches the rest over HTTP.
    files: ['console/**/*.ts', 'console/**/*.tsx'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(\\.\\./){2,}(api|core|store|activities|workflows|worker|config|observability|migrations|scripts)(/|$)',
              message: 'console/ may import only its own files and ../engine/** (pure); it reaches the API over HTTP through the generated client.',
            },
          ],
        },
      ],
    },
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
  {
    // The worker, the core, the store and the engine never depend on the HTTP layer.
    files: ['activities/**/*.ts', 'core/**/*.ts', 'engine/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: API, message: NO_API_MESSAGE }] }],
    },
  },
  {
    // Listed after the block above, so core/ gets both rules (the last matching block sets the rule).
    files: ['core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: API, message: NO_API_MESSAGE },
            { regex: NESTJS, message: NO_NESTJS_MESSAGE },
          ],
        },
      ],
    },
  },
  {
    files: MOVED_API_CONTEXTS,
    ignores: API_ENTRY_POINTS,
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: STORE, message: NO_STORE_IN_API_MESSAGE }] }],
    },
  },
  {
    files: ['store/**/*.ts'],
    // The migrate command is an entry point: it reads the configuration like worker/ and api/ do.
    ignores: ['store/migrate-main.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: FORBIDDEN_IN_STORE, message: STORE_IMPORT_MESSAGE }] }],
    },
  },
  ...zoneBlocks('engine', ZONES.engine),
  ...zoneBlocks('activities', ZONES.activities),
);
