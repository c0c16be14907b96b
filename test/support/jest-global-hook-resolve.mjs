// Jest loads globalSetup/globalTeardown with Node's own require() (TypeScript transpiled to
// CommonJS on the fly), not with its module system, so `moduleNameMapper` does not apply there and
// a relative import written the NodeNext way (`./x.js` for the source file `./x.ts`) is not found.
// Imported first by test/global-setup.ts and test/global-teardown.ts, this makes require() fall back
// from a missing relative `*.js` to the `*.ts` file next to it. It changes nothing for files that
// exist, and nothing inside test files (Jest resolves those itself).
import Module from 'node:module';

const FLAG = Symbol.for('journey-engine.jest-global-hook-resolve');

if (!globalThis[FLAG]) {
  globalThis[FLAG] = true;
  const original = Module._resolveFilename;
  Module._resolveFilename = function resolveFilename(request, parent, ...rest) {
    try {
      return original.call(this, request, parent, ...rest);
    } catch (err) {
      if (err && err.code === 'MODULE_NOT_FOUND' && /^\.{1,2}\//.test(request) && request.endsWith('.js')) {
        return original.call(this, `${request.slice(0, -3)}.ts`, parent, ...rest);
      }
      throw err;
    }
  };
}
