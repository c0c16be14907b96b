/** `npm run build`: compiles dist/ (API, worker, workflow bundle, web console), always. */
import { ensureBuilt } from './lib/build.js';
import { PROJECT_ROOT } from './lib/temporal-binaries.mjs';

process.env.JE_START_FORCE_BUILD = '1';
ensureBuilt(PROJECT_ROOT, [], (m) => console.log(`build: ${m}`));
