/** Jest global teardown: stops what test/global-setup.ts started. */
// Must stay the first import: lets Node's require() find the .ts files behind the `.js` imports below.
import './support/jest-global-hook-resolve.mjs';
import { stopTestServices } from './global-setup.js';

export default async function globalTeardown(): Promise<void> {
  const services = globalThis.__JE_TEST_SERVICES__;
  globalThis.__JE_TEST_SERVICES__ = undefined;
  await stopTestServices(services);
}
