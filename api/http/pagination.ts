/**
 * Pagination for every list: `limit` (1-200, default 50) and an opaque `cursor` taken from the
 * previous page's `nextCursor`. Pages are keyset pages: the cursor holds the sort key of the last
 * item, so a page is stable while rows are added and costs the same at any depth.
 */
import type { PageRequest, TimeIdCursor } from '../../core/page.js';
import { invalidRequest, type FieldIssue } from './validation.js';

// The page shape is the use cases' (core/page.ts); this file parses the request side of it.
export { pageOf, type Page, type PageRequest, type TimeIdCursor } from '../../core/page.js';

export const DEFAULT_PAGE_LIMIT = 50;
export const MAX_PAGE_LIMIT = 200;

/**
 * The sort key a `cursor` query parameter holds (null when absent); an issue is added when it is not
 * one `isKey` accepts, so a forged or stale cursor never reaches SQL as something unexpected.
 */
export function cursorParam<K>(issues: FieldIssue[], raw: unknown, isKey: (value: unknown) => value is K): K | null {
  if (raw === undefined) return null;
  let decoded: unknown;
  try {
    decoded = typeof raw === 'string' ? JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) : undefined;
  } catch {
    decoded = undefined;
  }
  if (isKey(decoded)) return decoded;
  issues.push({ path: '$query.cursor', code: 'invalid_format', message: '$query.cursor must be the nextCursor of a previous page' });
  return null;
}

/** Reads `limit` (1-200) and `cursor` from a query string; a bad one is a 400 `invalid_query`. */
export function parsePageQuery<K>(query: Record<string, unknown>, isKey: (value: unknown) => value is K): PageRequest<K> {
  const issues: FieldIssue[] = [];
  let limit = DEFAULT_PAGE_LIMIT;
  if (query.limit !== undefined) {
    const n = typeof query.limit === 'string' && /^\d{1,4}$/.test(query.limit) ? Number(query.limit) : NaN;
    if (n >= 1 && n <= MAX_PAGE_LIMIT) limit = n;
    else issues.push({ path: '$query.limit', code: 'out_of_range', message: `$query.limit must be an integer from 1 to ${MAX_PAGE_LIMIT}` });
  }
  const after = cursorParam(issues, query.cursor, isKey);
  if (issues.length > 0) throw invalidRequest('invalid_query', issues);
  return { limit, after };
}

export const isTimeIdCursor = (value: unknown): value is TimeIdCursor =>
  Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && !Number.isNaN(Date.parse(value[0])) && typeof value[1] === 'string';

export const isString = (value: unknown): value is string => typeof value === 'string' && value.length <= 400;
export const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value);
