/** One problem found in a canvas (or another authored document): a code, an actionable message, and where. */
export interface DocumentIssue {
  /** Stable machine-readable code, e.g. `unknown_node_type`, `invalid_duration`. */
  code: string;
  /** A sentence a marketer can act on. */
  message: string;
  /** JSONPath of the offending value, e.g. `$.nodes[3].duration`. */
  path: string;
}

/** Thrown where a single invalid value is a programming or input error (not a canvas-wide report). */
export class EngineError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly path?: string,
  ) {
    super(message);
    this.name = 'EngineError';
  }
}
