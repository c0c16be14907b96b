/**
 * Strings PostgreSQL cannot store: U+0000 (refused in text and jsonb) and unpaired UTF-16
 * surrogates (not UTF-8 at all). They are refused at the edge with a 400 naming the JSON path,
 * instead of failing as a 500 in the database. One iterative walk (no recursion: a deeply nested
 * body cannot overflow the stack) checks every string value and every object key.
 */
import { type CallHandler, type ExecutionContext, type NestInterceptor, SetMetadata } from '@nestjs/common';
import type { Observable } from 'rxjs';
import { type FieldIssue, invalidRequest } from './validation.js';

/** U+0000, a high surrogate not followed by a low one, or a low surrogate not preceded by a high one. */
// eslint-disable-next-line no-control-regex -- U+0000 is exactly what is looked for
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** At most this many issues are listed for one request (the walk stops there). */
export const MAX_STRING_ISSUES = 20;

/** True when `text` holds U+0000 or an unpaired surrogate. */
export function isUnstorable(text: string): boolean {
  return UNSTORABLE.test(text);
}

/** `$.a.b`, `$.a[3]`, `$.a["odd key"]`: the JSONPath of a member of `parent`. */
export function memberPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}

export interface StringWalkOptions {
  /** Paths whose value is not walked (checked elsewhere), e.g. `$.events` items checked per event. */
  skip?: (path: string) => boolean;
  /** Stop after this many issues; default MAX_STRING_ISSUES. */
  max?: number;
}

/** Every string value or object key under `root` that PostgreSQL cannot store, as `invalid_string` issues. */
export function unstorableStrings(root: unknown, rootPath = '$', opts: StringWalkOptions = {}): FieldIssue[] {
  const max = opts.max ?? MAX_STRING_ISSUES;
  const issues: FieldIssue[] = [];
  // Entries are popped in document order; a `key` entry reports an unstorable key before its value.
  const stack: [unknown, string, 'key'?][] = [[root, rootPath]];
  while (stack.length > 0 && issues.length < max) {
    const [value, path, key] = stack.pop()!;
    if (key) {
      issues.push(stringIssue(path, 'key'));
    } else if (opts.skip?.(path)) {
      continue;
    } else if (typeof value === 'string') {
      if (isUnstorable(value)) issues.push(stringIssue(path, 'value'));
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push([value[i], memberPath(path, i)]);
    } else if (typeof value === 'object' && value !== null) {
      const keys = Object.keys(value);
      for (let i = keys.length - 1; i >= 0; i--) {
        const child = memberPath(path, keys[i]);
        stack.push([(value as Record<string, unknown>)[keys[i]], child]);
        if (isUnstorable(keys[i])) stack.push([undefined, child, 'key']);
      }
    }
  }
  return issues.slice(0, max);
}

function stringIssue(path: string, what: 'value' | 'key'): FieldIssue {
  return {
    path,
    code: 'invalid_string',
    message: `${path} ${what === 'key' ? 'is a key that contains' : 'contains'} U+0000 or an unpaired UTF-16 surrogate, which cannot be stored`,
  };
}

/**
 * Marks a route whose body array `field` is checked item by item by the route itself (so a bad item
 * is reported with its index, like its other problems): the global walk skips that array's items.
 */
export const ITEM_CHECKED_ARRAY = 'je:item-checked-array';
export const ItemCheckedArray = (field: string) => SetMetadata(ITEM_CHECKED_ARRAY, field);

interface RequestParts {
  params?: unknown;
  query?: unknown;
  body?: unknown;
}

/**
 * Registered once globally: before any handler runs, walks the path parameters (400
 * `invalid_path`), the query (400 `invalid_query`) and the parsed body (400 `invalid_body`).
 */
export class StringSafetyInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() === 'http') {
      const req = context.switchToHttp().getRequest<RequestParts>();
      const itemArray = Reflect.getMetadata(ITEM_CHECKED_ARRAY, context.getHandler()) as string | undefined;
      const items = itemArray === undefined ? null : `${memberPath('$', itemArray)}[`;
      const skip = items === null ? undefined : (path: string) => path.startsWith(items) && /^\d+\]$/.test(path.slice(items.length));
      const checks: [string, unknown, string, StringWalkOptions][] = [
        ['invalid_path', req.params, '$path', {}],
        ['invalid_query', req.query, '$query', {}],
        ['invalid_body', req.body, '$', { skip }],
      ];
      for (const [code, value, root, opts] of checks) {
        const issues = unstorableStrings(value, root, opts);
        if (issues.length > 0) throw invalidRequest(code, issues);
      }
    }
    return next.handle();
  }
}
