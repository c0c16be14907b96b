/** Side-effect module (see jest-global-hook-resolve.mjs); exports nothing. */
export {};
