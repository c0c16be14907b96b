// ESLint flat config: typescript-eslint's recommended rules everywhere, plus the Temporal
// workflow-sandbox import rule for workflows/** and the layer zones (ZONES: which folders of ours each
// layer may import; core/ also imports no NestJS).
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

/** core/ holds framework-free use cases: no NestJS, no decorators; the API provides them to Nest. */
const NESTJS = '^@nestjs(/|$)';
const NO_NESTJS_MESSAGE =
  'core/ is framework-free: no @nestjs/* imports; api/ provides the use case to Nest (useFactory) and maps its UseCaseError to HTTP.';

/**
 * Layer zones: the folders of ours each layer may import besides its own files (npm packages are
 * free). One table for every layer; workflows/ has its own sandbox rule above.
 *   engine -> nothing of ours
 *   store  -> engine, migrations
 *   core   -> store, engine, config, observability
 *   activities -> core, store, engine, config, observability
 *   api    -> core, engine, config, observability (composition roots may also wire store/ and the channel registry)
 *   config, migrations -> engine; observability -> store, engine, config; worker -> all but api/ and workflows/
 */
const ZONES = {
  engine: { allowed: [], message: 'engine/ is pure: it imports only its own files and npm packages (no I/O, no other layer).' },
  store: {
    allowed: ['engine', 'migrations'],
    message: 'store/ may import only npm packages, its own files, ../engine/** and ../migrations/: repositories know no service, activity or API.',
    // The migrate command is an entry point: it reads the configuration like worker/ and api/ do.
    ignores: ['store/migrate-main.ts'],
  },
  core: {
    allowed: ['store', 'engine', 'config', 'observability'],
    message:
      'core/ may import store/, engine/, config/ and observability/ (never api/, activities/, workflows/ or worker/): ' +
      'workflows are started and signalled by the contract in engine/workflow-contract.ts, channels by core/channels/.',
    patterns: [{ regex: NESTJS, message: NO_NESTJS_MESSAGE }],
  },
  activities: {
    allowed: ['core', 'store', 'engine', 'config', 'observability'],
    message: 'activities/ may import core/, store/, engine/, config/ and observability/ (never api/, worker/ or workflows/).',
  },
  config: { allowed: ['engine'], message: 'config/ declares and parses settings: it may import only engine/ (durations, zones).' },
  migrations: { allowed: ['engine'], message: 'migrations/ change the schema: they may import only engine/ (to upgrade stored documents).' },
  observability: {
    allowed: ['store', 'engine', 'config'],
    message: 'observability/ (metrics, stuck runs, logging) may import store/, engine/ and config/ only.',
  },
  worker: {
    allowed: ['activities', 'core', 'store', 'engine', 'config', 'observability'],
    message: 'worker/ wires activities to Temporal: it never imports api/ (workflows are bundled by path, not imported).',
  },
  api: {
    allowed: ['core', 'engine', 'config', 'observability'],
    message:
      "api/ parses, calls core/ and answers: it may import core/, engine/, config/ and observability/ (a use case instead of ../store/; the channel contract from core/channels/).",
    // Composition roots: the entry point opens the DataSource; the app factory takes the channel registry.
    ignores: ['api/main.ts', 'api/app.factory.ts'],
  },
};

function zoneBlocks(layer, { allowed, message, patterns = [], ignores = [] }) {
  return [0, 1, 2, 3].map((depth) => {
    const up = `^(\\.\\./){${depth + 1}}`;
    const regex = allowed.length === 0 ? up : `${up}(?!(${allowed.join('|')})(/|$))`;
    return {
      files: [`${layer}/${'*/'.repeat(depth)}*.ts`],
      // Tests may reach test/support and the database; the zone is about product code.
      ignores: ['**/*.test.ts', ...ignores],
      rules: { 'no-restricted-imports': ['error', { patterns: [{ regex, message }, ...patterns] }] },
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
  ...Object.entries(ZONES).flatMap(([layer, zone]) => zoneBlocks(layer, zone)),
);
