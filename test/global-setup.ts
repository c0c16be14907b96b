/**
 * Jest global setup (runs once, in the parent process, before any test file):
 * finds the Temporal binaries, starts PostgreSQL and one Temporal dev server, migrates the
 * database, and hands everything to the test files through process.env (workers inherit it):
 *   JE_TEST_DATABASE_URL, JE_TEST_TEMPORAL_ADDRESS, TEMPORAL_CLI_PATH, TEMPORAL_TEST_SERVER_PATH.
 *
 * JE_TEST_SKIP_SERVICES=1 skips all of it (for quick runs of pure unit tests).
 */
// Must stay the first import: lets Node's require() find the .ts files behind the `.js` imports below.
import './support/jest-global-hook-resolve.mjs';
import { findTemporalBinaries } from '../scripts/lib/temporal-binaries.mjs';
import { migrate } from '../store/migrate.js';
import { startTestPostgres, type TestPostgres } from './support/postgres.js';
import { startDevServer, type DevServer } from './support/temporal-dev-server.js';

export interface TestServices {
  postgres?: TestPostgres;
  temporal?: DevServer;
}

declare global {
  var __JE_TEST_SERVICES__: TestServices | undefined;
}

const log = (m: string) => console.log(`global-setup: ${m}`);

export async function stopTestServices(services: TestServices | undefined): Promise<void> {
  if (!services) return;
  const results = await Promise.allSettled([services.temporal?.stop(), services.postgres?.stop()]);
  const errors = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason);
  if (errors.length > 0) throw new AggregateError(errors, 'stopping the test services failed');
}

export default async function globalSetup(): Promise<void> {
  if (process.env.JE_TEST_SKIP_SERVICES === '1') {
    log('JE_TEST_SKIP_SERVICES=1: not starting PostgreSQL or Temporal');
    return;
  }
  process.stdout.write('\n');
  const started = Date.now();
  const binaries = await findTemporalBinaries({ log });
  process.env.TEMPORAL_CLI_PATH = binaries.cli;
  process.env.TEMPORAL_TEST_SERVER_PATH = binaries.testServer;

  const services: TestServices = {};
  globalThis.__JE_TEST_SERVICES__ = services;
  try {
    // Start both at once; wait for both to settle so that a failure of one never leaks the other.
    const [pgResult, temporalResult] = await Promise.allSettled([
      startTestPostgres({ log }).then((p) => (services.postgres = p)),
      startDevServer({ cliPath: binaries.cli }).then((t) => (services.temporal = t)),
    ]);
    if (pgResult.status === 'rejected') throw pgResult.reason;
    if (temporalResult.status === 'rejected') throw temporalResult.reason;
    const postgres = pgResult.value;
    const temporal = temporalResult.value;
    process.env.JE_TEST_DATABASE_URL = postgres.url;
    process.env.JE_TEST_TEMPORAL_ADDRESS = temporal.address;
    log(`Temporal dev server (in-memory) at ${temporal.address}`);

    await migrate(postgres.url);
    log(`database migrated; services ready in ${Date.now() - started} ms`);
  } catch (err) {
    // Jest does not run globalTeardown when globalSetup fails: clean up here, then fail.
    globalThis.__JE_TEST_SERVICES__ = undefined;
    await stopTestServices(services).catch((e) => log(`cleanup after failure also failed: ${String(e)}`));
    throw err;
  }
}
