/**
 * What a use case refuses with: a stable code, a message a marketer can act on, extra fields for the
 * answer (e.g. `issues`), and the kind of refusal. The API maps the kind to an HTTP status in one place
 * (api/use-case-errors.ts); core knows nothing of HTTP.
 */

/** Why a use case refused: the thing is unknown, the state forbids it, the input is wrong, the caller may not, or it cannot be done now. */
export type UseCaseErrorKind = 'not_found' | 'conflict' | 'invalid' | 'unprocessable' | 'forbidden' | 'unavailable';

export class UseCaseError extends Error {
  constructor(
    readonly kind: UseCaseErrorKind,
    readonly code: string,
    message: string,
    /** Extra fields of the answer (e.g. `issues`, `currentRevision`). */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'UseCaseError';
  }
}

/** The thing named does not exist. */
export const notFound = (code: string, message: string, details?: Record<string, unknown>) => new UseCaseError('not_found', code, message, details);
/** The current state forbids the request (a stale revision, a wrong status). */
export const conflict = (code: string, message: string, details?: Record<string, unknown>) => new UseCaseError('conflict', code, message, details);
/** The input is well-formed but cannot be acted on (an invalid canvas). */
export const unprocessable = (code: string, message: string, details?: Record<string, unknown>) => new UseCaseError('unprocessable', code, message, details);
/** The caller may not do this, whatever their role (e.g. approve their own publish request). */
export const forbidden = (code: string, message: string, details?: Record<string, unknown>) => new UseCaseError('forbidden', code, message, details);
/** The work could not be done in time now (a preview cancelled after its timeout); trying again later may succeed. */
export const unavailable = (code: string, message: string, details?: Record<string, unknown>) => new UseCaseError('unavailable', code, message, details);
