/** Query and path parameters of the journeys routes beyond paging: status filters and version references. */
import { ApiError } from '../http/api-error.js';
import type { CanvasRef } from '../../core/journeys/versions.js';

/** The optional `status` filter of a list: one of `values`, or 400 `invalid_query`. */
export function parseStatusQuery<S extends string>(query: Record<string, unknown>, isStatus: (v: unknown) => v is S, values: readonly S[]): S | undefined {
  const status = query.status;
  if (status === undefined) return undefined;
  if (isStatus(status)) return status;
  const message = `$query.status must be one of ${values.join(', ')}`;
  throw new ApiError(400, 'invalid_query', message, { issues: [{ path: '$query.status', code: 'invalid_value', message }] });
}

const VERSION_NUMBER = /^[1-9]\d{0,8}$/;

/** A version number from the path, or 400 `invalid_version`. */
export function parseVersion(value: string): number {
  if (VERSION_NUMBER.test(value)) return Number(value);
  throw new ApiError(400, 'invalid_version', `"${value}" is not a version number (1, 2, ...)`);
}

/** One side of a diff: a version number, `draft` or `active`; or 400 `invalid_version`. */
export function parseCanvasRef(value: unknown, fallback: CanvasRef): CanvasRef {
  if (value === undefined || value === '') return fallback;
  if (value === 'draft' || value === 'active') return value;
  if (typeof value === 'string' && VERSION_NUMBER.test(value)) return Number(value);
  throw new ApiError(400, 'invalid_version', `"${String(value)}" is not a version number, "draft" or "active"`);
}
