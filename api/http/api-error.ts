/** Errors the API answers with: an HTTP status, a stable code and a message a user can act on. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Extra fields of the error body (e.g. `issues`, `items`). */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The body of every error response. */
export interface ErrorBody {
  error: { code: string; message: string; [detail: string]: unknown };
}
