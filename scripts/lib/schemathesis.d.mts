/** Types for schemathesis.mjs (plain JS so that it runs before any TypeScript tooling). */

/** The pinned schemathesis release. */
export declare const SCHEMATHESIS_VERSION: string;
/** Project-local virtualenv: <repo>/.tools/schemathesis-venv */
export declare const SCHEMATHESIS_VENV: string;
/** Path of the `schemathesis` executable, installing the pinned release into the venv first if needed. */
export declare function ensureSchemathesis(opts?: { log?: (message: string) => void }): string;
