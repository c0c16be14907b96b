/**
 * Event rules compiled to subqueries on `events`, correlated with the customer row `c`. Every
 * subquery filters `customer_id = c.id AND name = $n` and ranges over `event_time`, so the index
 * `events (customer_id, name, event_time)` serves it. Event time (when it happened) is what counts;
 * arrival time (`received_at`) is never read. Events stamped after now do not count yet.
 *
 * Windows exclude their start and include their end: `within: P7D` is (now - 7 days, now];
 * `after_event` with `within: P3D` is (anchor, anchor + 3 days].
 */
import { compileComparison, intervalParam, timeExpr, type SqlContext } from './sql.js';
import type { CountBound, EventRule, PropertyFilter, TimeRange } from './types.js';

/** SQL boolean for an event rule. */
export function compileEventRule(ctx: SqlContext, rule: EventRule): string {
  const range = rule.first ?? rule.last;
  if (range) return compileFirstLast(ctx, rule, rule.first ? 'min' : 'max', range);
  const conditions = matchEvents(ctx, 'e', rule.event, rule.where);
  if (rule.within !== undefined) conditions.push(`e.event_time > ${ctx.now} - ${intervalParam(ctx, rule.within)}`);
  const anchor = rule.after_event;
  if (!anchor) return countPredicate(ctx, conditions, rule.count);
  conditions.push('e.event_time > anchor.at');
  if (anchor.within !== undefined) conditions.push(`e.event_time <= anchor.at + ${intervalParam(ctx, anchor.within)}`);
  const pick = anchor.occurrence === 'first' ? 'min' : 'max';
  const anchorMatch = matchEvents(ctx, 'a', anchor.event, anchor.where).join(' AND ');
  return `EXISTS (SELECT 1 FROM (SELECT ${pick}(a.event_time) AS at FROM events a WHERE ${anchorMatch}) anchor
    WHERE anchor.at IS NOT NULL AND ${countPredicate(ctx, conditions, rule.count)})`;
}

/** The most events "how close" counts for one rule (an explanation, not a decision). */
const FOUND_COUNT_CAP = 10_000;

/**
 * SQL (jsonb) for what the customer's history holds against an event rule, for "why not" answers:
 * the number of matching events (in the rule's window, at most 10 000), or for `first` / `last` rules
 * the time of that occurrence (null when never). Windows after another event are not counted (null).
 */
export function compileEventFound(ctx: SqlContext, rule: EventRule): string {
  const range = rule.first ?? rule.last;
  if (range) {
    const match = matchEvents(ctx, 'e', rule.event, rule.where).join(' AND ');
    return `(SELECT to_jsonb(${rule.first ? 'min' : 'max'}(e.event_time)) FROM events e WHERE ${match})`;
  }
  if (rule.after_event) return 'NULL::jsonb';
  const conditions = matchEvents(ctx, 'e', rule.event, rule.where);
  if (rule.within !== undefined) conditions.push(`e.event_time > ${ctx.now} - ${intervalParam(ctx, rule.within)}`);
  return `(SELECT to_jsonb(count(*)) FROM (SELECT 1 FROM events e WHERE ${conditions.join(' AND ')} LIMIT ${FOUND_COUNT_CAP}) found)`;
}

/** The conditions selecting the customer's events named `event` that happened by now and match `where`. */
function matchEvents(ctx: SqlContext, alias: string, event: string, where: PropertyFilter[] | undefined): string[] {
  return [
    `${alias}.customer_id = c.id`,
    `${alias}.name = ${ctx.params.add(event, 'text')}`,
    `${alias}.event_time <= ${ctx.now}`,
    ...(where ?? []).map((filter) => compileComparison(ctx, `${alias}.properties`, filter.property, filter)),
  ];
}

/**
 * The count of events matching `conditions` against its bounds. Counting stops at the first row that
 * decides the answer (LIMIT), so "at least 3" reads at most 3 index entries.
 */
function countPredicate(ctx: SqlContext, conditions: string[], count: CountBound | undefined): string {
  const from = `FROM events e WHERE ${conditions.join(' AND ')}`;
  const lte = count?.lte;
  const gte = count?.gte ?? (lte === undefined ? 1 : 0);
  if (lte === undefined && gte === 1) return `EXISTS (SELECT 1 ${from})`;
  if (lte === 0) return `NOT EXISTS (SELECT 1 ${from})`;
  const cap = lte === undefined ? gte : lte + 1;
  const counted = `(SELECT count(*) FROM (SELECT 1 ${from} LIMIT ${ctx.params.add(cap, 'int')}) counted)`;
  if (lte === undefined) return `(${counted} >= ${ctx.params.add(gte, 'int')})`;
  if (gte === 0) return `(${counted} <= ${ctx.params.add(lte, 'int')})`;
  return `(${counted} BETWEEN ${ctx.params.add(gte, 'int')} AND ${ctx.params.add(lte, 'int')})`;
}

/** The customer's first (min) or last (max) matching event time lies strictly inside `range`. */
function compileFirstLast(ctx: SqlContext, rule: EventRule, pick: 'min' | 'max', range: TimeRange): string {
  const match = matchEvents(ctx, 'e', rule.event, rule.where).join(' AND ');
  const bounds = ['seen.at IS NOT NULL'];
  if (range.before !== undefined) bounds.push(`seen.at < ${timeExpr(ctx, range.before)}`);
  if (range.after !== undefined) bounds.push(`seen.at > ${timeExpr(ctx, range.after)}`);
  return `EXISTS (SELECT 1 FROM (SELECT ${pick}(e.event_time) AS at FROM events e WHERE ${match}) seen WHERE ${bounds.join(' AND ')})`;
}
