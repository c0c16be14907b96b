/** The dev-server runner lives in scripts/lib so that the run-the-system script shares it. */
export { freePort, startDevServer } from '../../scripts/lib/temporal-dev-server.js';
export type { DevServer, DevServerOptions } from '../../scripts/lib/temporal-dev-server.js';
