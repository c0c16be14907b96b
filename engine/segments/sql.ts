/**
 * SQL building blocks of the segment compiler. Every authored string (trait and property paths, event
 * names, values) enters the SQL as a numbered placeholder with an explicit type cast; the SQL text is
 * made only of constants written here, so no authored text can change the statement.
 */
import { DateTime } from 'luxon';
import { parseDuration } from '../duration.js';
import { EngineError } from '../errors.js';
import type { Comparison, TimeValue } from './types.js';

/** The placeholders of one statement; the first is `$offset+1`. */
export class SqlParams {
  readonly values: unknown[] = [];

  constructor(private readonly offset: number) {}

  /** Adds a parameter and returns its placeholder with a cast, e.g. `$3::jsonb`. */
  add(value: unknown, cast: string): string {
    this.values.push(value);
    return `$${this.offset + this.values.length}::${cast}`;
  }
}

/** What every part of one compilation shares. */
export interface SqlContext {
  params: SqlParams;
  /** SQL expression for "now": `now()` or a timestamptz placeholder. */
  now: string;
}

/** A full calendar date at the start is required before a string is read as a date (as in engine/evaluate.ts). */
const ISO_DATE_PREFIX = /^\d{4}-\d{2}-\d{2}(?:$|T)/;

/** Parses an ISO 8601 date or date-time (zone-less means UTC) to epoch ms, or null. */
export function parseIsoTime(text: string): number | null {
  if (!ISO_DATE_PREFIX.test(text)) return null;
  const parsed = DateTime.fromISO(text, { zone: 'utc' });
  return parsed.isValid ? parsed.toMillis() : null;
}

/** An ISO 8601 duration as a PostgreSQL interval of elapsed seconds (a day is 24 hours, as in waits). */
export function intervalParam(ctx: SqlContext, duration: string): string {
  return ctx.params.add(`${parseDuration(duration) / 1000} seconds`, 'interval');
}

/** SQL for a point in time: a literal instant or now plus/minus a duration. */
export function timeExpr(ctx: SqlContext, value: TimeValue): string {
  if (typeof value === 'string') {
    const ms = parseIsoTime(value);
    if (ms === null) throw new EngineError('invalid_date', `"${value}" is not an ISO 8601 date such as 2025-03-01 or 2025-03-01T09:00:00+08:00`);
    return ctx.params.add(new Date(ms).toISOString(), 'timestamptz');
  }
  return 'ago' in value ? `(${ctx.now} - ${intervalParam(ctx, value.ago)})` : `(${ctx.now} + ${intervalParam(ctx, value.ahead)})`;
}

/** The ordered comparison operators and their SQL symbols. */
const ORDER_SQL = { gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;

/**
 * SQL boolean: `cmp` applied to the JSON value at dot path `path` inside the jsonb expression `doc`
 * (`c.traits`, `e.properties`). A missing value (absent or JSON null) satisfies only neq, not_in and
 * not_exists; other operators yield false or NULL, which callers treat as false.
 */
export function compileComparison(ctx: SqlContext, doc: string, path: string, cmp: Comparison): string {
  const v = `NULLIF(${doc} #> ${ctx.params.add(path.split('.'), 'text[]')}, 'null'::jsonb)`;
  const json = (value: unknown) => ctx.params.add(JSON.stringify(value), 'jsonb');
  const jsonList = (values: unknown[]) => ctx.params.add(values.map((item) => JSON.stringify(item)), 'jsonb[]');
  const text = `(${v} #>> '{}')`;
  const isString = `jsonb_typeof(${v}) = 'string'`;
  const { op, value } = cmp;
  switch (op) {
    case 'exists':
      return `(${v} IS NOT NULL)`;
    case 'not_exists':
      return `(${v} IS NULL)`;
    case 'eq':
      return `(${v} = ${json(value)})`;
    case 'neq':
      return `(${v} IS NULL OR ${v} <> ${json(value)})`;
    case 'in':
      return `(${v} = ANY(${jsonList(value as unknown[])}))`;
    case 'not_in':
      return `(${v} IS NULL OR ${v} <> ALL(${jsonList(value as unknown[])}))`;
    case 'contains': {
      const inArray = `(jsonb_typeof(${v}) = 'array' AND ${v} @> jsonb_build_array(${json(value)}))`;
      if (typeof value !== 'string') return inArray;
      return `((${isString} AND strpos(${text}, ${ctx.params.add(value, 'text')}) > 0) OR ${inArray})`;
    }
    case 'starts_with':
      return `(${isString} AND starts_with(${text}, ${ctx.params.add(value, 'text')}))`;
    case 'within_last':
      // (now - duration, now] as a range: the trait is read once per customer, not once per bound
      // (segment_timestamptz is most of what a count over a date trait costs). The duration is
      // validated longer than 0, so the lower bound is below the upper one.
      return `(tstzrange(${timeExpr(ctx, { ago: value as string })}, ${ctx.now}, '(]') @> segment_timestamptz(${v}))`;
    default:
      return compileOrdered(ctx, v, cmp);
  }
}

/**
 * gt/gte/lt/lte/between. With `order` the comparison becomes membership of the matching part of the
 * enumeration; otherwise the operand decides: a number compares numerically with number traits, a
 * time (ISO text or relative) compares with traits holding ISO dates. `between` includes both ends.
 */
function compileOrdered(ctx: SqlContext, v: string, cmp: Comparison): string {
  const bounds = cmp.op === 'between' ? (cmp.value as [unknown, unknown]) : [cmp.value];
  if (cmp.order) {
    const rank = (item: unknown) => cmp.order!.indexOf(item as string);
    const [low, high] = bounds.map(rank);
    const keep = (i: number): boolean => {
      switch (cmp.op) {
        case 'gt': return i > low;
        case 'gte': return i >= low;
        case 'lt': return i < low;
        case 'lte': return i <= low;
        default: return i >= low && i <= high;
      }
    };
    const allowed = cmp.order.filter((_, i) => keep(i));
    return `(${v} = ANY(${ctx.params.add(allowed.map((item) => JSON.stringify(item)), 'jsonb[]')}))`;
  }
  const numeric = typeof bounds[0] === 'number';
  const actual = numeric
    ? `(CASE WHEN jsonb_typeof(${v}) = 'number' THEN (${v} #>> '{}')::numeric END)`
    : `segment_timestamptz(${v})`;
  const operand = (item: unknown) => (numeric ? ctx.params.add(item, 'numeric') : timeExpr(ctx, item as TimeValue));
  if (cmp.op === 'between') {
    const [low, high] = bounds.map(operand);
    return `(${actual} >= ${low} AND ${actual} <= ${high})`;
  }
  return `(${actual} ${ORDER_SQL[cmp.op as keyof typeof ORDER_SQL]} ${operand(cmp.value)})`;
}
