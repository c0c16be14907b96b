/**
 * A page of a keyset-paged list, as use cases answer it: the items and an opaque cursor holding the
 * sort key of the last item. The API parses `limit` and `cursor` into a {@link PageRequest}.
 */

export interface PageRequest<K> {
  limit: number;
  /** The sort key of the last item of the previous page, or null for the first page. */
  after: K | null;
}

export interface Page<T> {
  items: T[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

/** A cursor made of an instant (ISO, millisecond precision) and an id, for lists sorted by both. */
export type TimeIdCursor = [at: string, id: string];

/** Builds a page from up to `limit + 1` rows (one more than asked tells whether more exist). */
export function pageOf<T>(rows: T[], limit: number, keyOf: (last: T) => unknown): Page<T> {
  const items = rows.slice(0, limit);
  const nextCursor = rows.length > limit ? Buffer.from(JSON.stringify(keyOf(items[items.length - 1])), 'utf8').toString('base64url') : null;
  return { items, nextCursor };
}
