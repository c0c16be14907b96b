/**
 * One-line English renderings of rules and journey conditions, for decision records in customer
 * history, previews and the console: `trait risk_level in ["C3","C4"] AND at least 1 × app_launch within P3D`.
 */
import type { Comparison, CountBound, EventRule, JourneyCondition, PropertyFilter, TimeRange, TimeValue } from './types.js';

const OP_WORDS: Record<string, string> = {
  eq: '=', neq: '≠', gt: '>', gte: '≥', lt: '<', lte: '≤', in: 'in', not_in: 'not in', between: 'between',
  within_last: 'within the last', exists: 'is set', not_exists: 'is not set', contains: 'contains', starts_with: 'starts with',
};

/** The rule in words; nested groups are parenthesised. */
export function describeRule(rule: JourneyCondition): string {
  if ('and' in rule) return rule.and.map(nested).join(' AND ');
  if ('or' in rule) return rule.or.map(nested).join(' OR ');
  if ('not' in rule) return `NOT ${nested(rule.not)}`;
  if ('segment' in rule) return `in segment ${rule.segment}`;
  if ('trait' in rule) return `trait ${rule.trait} ${comparison(rule)}`;
  if ('entry' in rule) return `entry ${rule.entry} ${comparison(rule)}`;
  return eventText(rule);
}

function nested(rule: JourneyCondition): string {
  return 'and' in rule || 'or' in rule ? `(${describeRule(rule)})` : describeRule(rule);
}

function comparison(cmp: Comparison): string {
  const words = OP_WORDS[cmp.op] ?? cmp.op;
  if (cmp.op === 'exists' || cmp.op === 'not_exists') return words;
  const value = cmp.op === 'between' && Array.isArray(cmp.value) ? cmp.value.map(timeOrValue).join(' and ') : timeOrValue(cmp.value);
  return `${words} ${value}${cmp.order ? ` (order ${cmp.order.join(' < ')})` : ''}`;
}

function timeOrValue(value: unknown): string {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const rel = value as Record<string, unknown>;
    if (typeof rel.ago === 'string') return `${rel.ago} ago`;
    if (typeof rel.ahead === 'string') return `${rel.ahead} ahead`;
  }
  return JSON.stringify(value) ?? 'nothing';
}

function filters(where: PropertyFilter[] | undefined): string {
  return where && where.length > 0 ? ` where ${where.map((f) => `${f.property} ${comparison(f)}`).join(' and ')}` : '';
}

function count(bound: CountBound | undefined): string {
  const lte = bound?.lte;
  const gte = bound?.gte ?? (lte === undefined ? 1 : 0);
  if (lte === 0) return 'no';
  if (lte !== undefined) return gte === lte ? `exactly ${gte} ×` : gte > 0 ? `between ${gte} and ${lte} ×` : `at most ${lte} ×`;
  return `at least ${gte} ×`;
}

function range(which: 'first' | 'last', r: TimeRange): string {
  const parts = [r.after !== undefined && `after ${time(r.after)}`, r.before !== undefined && `before ${time(r.before)}`].filter(Boolean);
  return `${which} time ${parts.join(' and ')}`;
}

function time(t: TimeValue): string {
  return timeOrValue(t);
}

function eventText(rule: EventRule): string {
  const name = `${rule.event}${filters(rule.where)}`;
  if (rule.first) return `${name}: ${range('first', rule.first)}`;
  if (rule.last) return `${name}: ${range('last', rule.last)}`;
  let text = `${count(rule.count)} ${name}`;
  if (rule.within !== undefined) text += ` within ${rule.within}`;
  const anchor = rule.after_event;
  if (anchor) {
    text += ` after the ${anchor.occurrence ?? 'last'} ${anchor.event}${filters(anchor.where)}`;
    if (anchor.within !== undefined) text += ` (within ${anchor.within})`;
  }
  return text;
}

/**
 * How close a customer came to one leaf of a rule, in words: what they hold (`found`, as the explain
 * query reads it) against what the rule needed ("fund_page_viewed within P7D: 1 time; needs at least 2 ×").
 * `expected` false means the rule needed the leaf not to hold (it sits under a `not`).
 */
export function howClose(rule: JourneyCondition, found: unknown, expected: boolean): string {
  const needs = expected ? describeRule(rule) : `NOT (${describeRule(rule)})`;
  if ('trait' in rule) return `trait ${rule.trait} is ${found === null || found === undefined ? 'not set' : JSON.stringify(found)}; needs ${needs}`;
  if ('event' in rule) {
    if (rule.first || rule.last) {
      const which = rule.first ? 'first' : 'last';
      return `${which} ${rule.event}${filters(rule.where)}: ${found ? String(found) : 'never'}; needs ${needs}`;
    }
    if (typeof found === 'number') {
      const window = rule.within !== undefined ? ` within ${rule.within}` : '';
      return `${rule.event}${filters(rule.where)}${window}: ${found} ${found === 1 ? 'time' : 'times'}; needs ${needs}`;
    }
  }
  return `needs ${needs}`;
}
