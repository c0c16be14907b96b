/**
 * What test files get from test/global-setup.ts (through process.env; Jest workers inherit it).
 */
import { TestWorkflowEnvironment } from '@temporalio/testing';

function required(name: string, what: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(
      `${name} is not set, so ${what} is unknown. It is set by test/global-setup.ts: run the tests with ` +
        '`npm test` (or `npm run jest`), not with JE_TEST_SKIP_SERVICES=1, and not with a Jest config that drops globalSetup.',
    );
  }
  return value;
}

/** URL of the migrated, per-run test database. */
export function testDatabaseUrl(): string {
  return required('JE_TEST_DATABASE_URL', 'the test database');
}

/** host:port of the shared Temporal dev server (namespace `default`). */
export function testTemporalAddress(): string {
  return required('JE_TEST_TEMPORAL_ADDRESS', 'the Temporal dev server address');
}

/** Path of the `temporal` CLI found by global setup. */
export function temporalCliPath(): string {
  return required('TEMPORAL_CLI_PATH', 'the Temporal CLI path');
}

/** Path of the time-skipping test server found by global setup. */
export function testServerPath(): string {
  return required('TEMPORAL_TEST_SERVER_PATH', 'the Temporal time-skipping test server path');
}

/** A fresh time-skipping environment on its own test server process. Call `teardown()` when done. */
export function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: testServerPath() } },
  });
}

/** A TestWorkflowEnvironment attached to the shared dev server (no time skipping). */
export function createDevServerEnv(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createFromExistingServer({ address: testTemporalAddress() });
}
