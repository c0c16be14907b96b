/**
 * Validation of authored segment rules: every problem at once, each with a stable code, a message a
 * marketer can act on and the JSONPath of the offending value (`$.and[2].where[0].property`).
 */
import { parseDuration } from '../duration.js';
import { EngineError, type DocumentIssue } from '../errors.js';
import { joinPath } from '../json.js';
import {
  COMPARISON_OPS,
  EVENT_RULE_KEYS,
  LIST_OPS,
  MAX_DEPTH,
  MAX_LIST_LENGTH,
  MAX_NAME_LENGTH,
  NAME_PATTERN,
  ORDERED_OPS,
  JOURNEY_RULE_KINDS,
  RULE_KINDS,
  SEGMENT_KEY_PATTERN,
  VALUELESS_OPS,
} from './schema.js';
import { parseIsoTime } from './sql.js';
import type { ComparisonOp, JourneyCondition, SegmentRule } from './types.js';

/** Every code validateSegmentRule and compileSegment report, with what it means. */
export const SEGMENT_ERROR_CODES = [
  'invalid_rule', // not an object, or not exactly one of and/or/not/trait/event/segment
  'unknown_key', // a key the rule kind does not use
  'empty_group', // and/or with no children
  'too_deep', // nesting deeper than MAX_DEPTH
  'invalid_name', // a trait or property path that is not a dot path of identifiers
  'invalid_event_name', // an event name that is not non-empty text
  'invalid_segment_key', // a segment reference that is not a valid key
  'unknown_operator', // op missing or not known
  'missing_value', // the operator needs a value
  'invalid_value', // the value has the wrong shape for the operator
  'invalid_order', // a bad `order` list, or a value not in it
  'invalid_duration', // not an ISO 8601 duration the engine accepts
  'invalid_date', // not an ISO 8601 date or date-time
  'invalid_count', // count bounds that are not whole numbers 0 or more, or can never hold
  'conflicting_options', // event options that cannot be combined (within + after_event, first + count, ...)
  'invalid_time_range', // first/last without before or after, or with unknown keys
  'unknown_segment', // a reference to a segment that does not exist
  'segment_cycle', // segments that refer to each other in a loop
] as const;

/** One of SEGMENT_ERROR_CODES. */
export type SegmentErrorCode = (typeof SEGMENT_ERROR_CODES)[number];

/** The outcome of validation: the typed rule, or every problem found. */
export type SegmentValidation = { ok: true; rule: SegmentRule } | { ok: false; errors: DocumentIssue[] };

/** Looks up another segment's stored rule by key (undefined: no such segment). */
export type SegmentResolver = (key: string) => unknown;

/** Options of validateSegmentRule. */
export interface ValidateSegmentOptions {
  /** When given, references are checked: every referenced segment exists and no cycle is formed. */
  resolve?: SegmentResolver;
  /** The key of the segment being validated, so that a reference back to it is reported as a cycle. */
  key?: string;
}

const NAME = new RegExp(NAME_PATTERN);
const SEGMENT_KEY = new RegExp(SEGMENT_KEY_PATTERN);

/** Checks an authored rule; on success returns it typed. */
export function validateSegmentRule(rule: unknown, options: ValidateSegmentOptions = {}): SegmentValidation {
  const issues: DocumentIssue[] = [];
  checkRule(rule, '$', 0, issues, RULE_KINDS);
  if (issues.length === 0 && options.resolve) checkReferences(rule as SegmentRule, options.resolve, options.key, issues);
  return issues.length === 0 ? { ok: true, rule: rule as SegmentRule } : { ok: false, errors: issues };
}

/** Validates and returns the rule, or throws EngineError with the first problem (prefixed by `context`). */
export function assertSegmentRule(rule: unknown, context = ''): SegmentRule {
  const checked = validateSegmentRule(rule);
  if (checked.ok) return checked.rule;
  const [first] = checked.errors;
  throw new EngineError(first.code, `${context}${first.message} (at ${first.path})`, first.path);
}

/**
 * Checks a journey condition (the rule language plus `entry` fields) found at `path` of a canvas;
 * every issue carries its JSONPath below `path`. References are resolved at run time, not here.
 */
export function validateJourneyCondition(rule: unknown, path: string): DocumentIssue[] {
  const issues: DocumentIssue[] = [];
  checkRule(rule, path, 0, issues, JOURNEY_RULE_KINDS);
  return issues;
}

/** Validates and returns a journey condition, or throws EngineError with the first problem. */
export function assertJourneyCondition(rule: unknown): JourneyCondition {
  // A plan's rules are checked once per object, not at every evaluation (a backtest evaluates them for every customer).
  if (typeof rule === 'object' && rule !== null && validRules.has(rule)) return rule as JourneyCondition;
  const [first] = validateJourneyCondition(rule, '$');
  if (first) throw new EngineError(first.code, `${first.message} (at ${first.path})`, first.path);
  if (typeof rule === 'object' && rule !== null) validRules.add(rule);
  return rule as JourneyCondition;
}

/** Rule objects already found valid (plans are not changed once compiled). */
const validRules = new WeakSet<object>();

/** The keys of the segments `rule` refers to directly, first-seen order. */
export function referencedSegments(rule: JourneyCondition): string[] {
  return [...new Set(segmentReferences(rule).map((r) => r.key))];
}

/** Every segment reference in `rule` with its JSONPath, document order. */
function segmentReferences(rule: JourneyCondition, path = '$'): { key: string; path: string }[] {
  if ('and' in rule) return rule.and.flatMap((child, i) => segmentReferences(child, joinPath(joinPath(path, 'and'), i)));
  if ('or' in rule) return rule.or.flatMap((child, i) => segmentReferences(child, joinPath(joinPath(path, 'or'), i)));
  if ('not' in rule) return segmentReferences(rule.not, joinPath(path, 'not'));
  return 'segment' in rule ? [{ key: rule.segment, path: joinPath(path, 'segment') }] : [];
}

// ---------------------------------------------------------------------------------------------------

function issue(code: SegmentErrorCode, message: string, path: string): DocumentIssue {
  return { code, message, path };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function checkRule(rule: unknown, path: string, depth: number, issues: DocumentIssue[], allowed: readonly string[]): void {
  if (!isObject(rule)) {
    issues.push(issue('invalid_rule', `A rule must be an object with one of ${allowed.join(', ')}`, path));
    return;
  }
  const kinds = allowed.filter((kind) => kind in rule);
  if (kinds.length !== 1) {
    const entryHere = kinds.length === 0 && 'entry' in rule;
    const found = kinds.length === 0 ? `none of them (found ${Object.keys(rule).join(', ') || 'an empty object'})` : kinds.join(' and ');
    issues.push(
      issue(
        'invalid_rule',
        entryHere
          ? 'Entry fields exist only inside a running journey; a segment rule cannot use "entry"'
          : `A rule needs exactly one of ${allowed.join(', ')}: found ${found}`,
        path,
      ),
    );
    return;
  }
  if (depth > MAX_DEPTH) {
    issues.push(issue('too_deep', `Rules may nest at most ${MAX_DEPTH} levels deep; split this one into segments that refer to each other`, path));
    return;
  }
  const kind = kinds[0];
  switch (kind) {
    case 'and':
    case 'or':
      checkKeys(rule, [kind], path, issues);
      checkGroup(rule[kind], joinPath(path, kind), depth, issues, allowed);
      return;
    case 'not':
      checkKeys(rule, ['not'], path, issues);
      checkRule(rule.not, joinPath(path, 'not'), depth + 1, issues, allowed);
      return;
    case 'segment':
      checkKeys(rule, ['segment'], path, issues);
      checkPattern(rule.segment, SEGMENT_KEY, joinPath(path, 'segment'), 'invalid_segment_key', 'a segment key (letters, digits, _ . : -)', issues);
      return;
    case 'trait':
      checkKeys(rule, ['trait', 'op', 'value', 'order'], path, issues);
      checkPattern(rule.trait, NAME, joinPath(path, 'trait'), 'invalid_name', 'a trait path such as risk_level or address.city', issues);
      checkComparison(rule, path, issues);
      return;
    case 'entry':
      checkKeys(rule, ['entry', 'op', 'value', 'order'], path, issues);
      checkPattern(rule.entry, NAME, joinPath(path, 'entry'), 'invalid_name', 'an entry field path such as fund_code or order.amount', issues);
      checkComparison(rule, path, issues);
      return;
    case 'event':
      checkEventRule(rule, path, issues);
  }
}

function checkKeys(node: Record<string, unknown>, allowed: readonly string[], path: string, issues: DocumentIssue[]): void {
  for (const key of Object.keys(node)) {
    if (!allowed.includes(key)) {
      issues.push(issue('unknown_key', `"${key}" is not used here; allowed: ${allowed.join(', ')}`, joinPath(path, key)));
    }
  }
}

function checkGroup(children: unknown, path: string, depth: number, issues: DocumentIssue[], allowed: readonly string[]): void {
  if (!Array.isArray(children)) {
    issues.push(issue('invalid_rule', 'Must be a list of rules', path));
  } else if (children.length === 0) {
    issues.push(issue('empty_group', 'Must list at least one rule', path));
  } else {
    children.forEach((child, i) => checkRule(child, joinPath(path, i), depth + 1, issues, allowed));
  }
}

function checkPattern(value: unknown, pattern: RegExp, path: string, code: SegmentErrorCode, what: string, issues: DocumentIssue[]): void {
  if (typeof value !== 'string' || value.length > MAX_NAME_LENGTH || !pattern.test(value)) {
    const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 60)) : 'This';
    issues.push(issue(code, `${shown} is not ${what} (at most ${MAX_NAME_LENGTH} characters)`, path));
  }
}

function checkEventName(value: unknown, path: string, issues: DocumentIssue[]): void {
  if (typeof value !== 'string' || value.trim() === '' || value.length > MAX_NAME_LENGTH) {
    issues.push(issue('invalid_event_name', `Give the event name as non-empty text of at most ${MAX_NAME_LENGTH} characters`, path));
  }
}

function checkDuration(value: unknown, path: string, issues: DocumentIssue[]): void {
  try {
    parseDuration(value as string);
  } catch (err) {
    issues.push(issue('invalid_duration', err instanceof EngineError ? err.message : 'Not a duration', path));
  }
}

/** A time operand: ISO 8601 date/date-time text, `{ ago }` or `{ ahead }`. */
function checkTime(value: unknown, path: string, issues: DocumentIssue[]): void {
  if (typeof value === 'string') {
    if (parseIsoTime(value) === null) {
      issues.push(issue('invalid_date', `${JSON.stringify(value)} is not an ISO 8601 date such as 2025-03-01 or 2025-03-01T09:00:00+08:00`, path));
    }
    return;
  }
  const keys = isObject(value) ? Object.keys(value) : [];
  if (keys.length !== 1 || (keys[0] !== 'ago' && keys[0] !== 'ahead')) {
    issues.push(issue('invalid_date', 'Give a time as an ISO 8601 date, { "ago": "P7D" } or { "ahead": "P7D" }', path));
    return;
  }
  checkDuration((value as Record<string, unknown>)[keys[0]], joinPath(path, keys[0]), issues);
}

function checkComparison(node: Record<string, unknown>, path: string, issues: DocumentIssue[]): void {
  const op = node.op;
  if (typeof op !== 'string' || !(COMPARISON_OPS as readonly string[]).includes(op)) {
    const shown = op === undefined ? 'is missing' : `${JSON.stringify(op)} is not known`;
    issues.push(issue('unknown_operator', `The operator ${shown}; use one of ${COMPARISON_OPS.join(', ')}`, joinPath(path, 'op')));
    return;
  }
  const cmp = op as ComparisonOp;
  const at = joinPath(path, 'value');
  const value = node.value;
  if ('order' in node && !ORDERED_OPS.includes(cmp)) {
    issues.push(issue('invalid_order', `"order" is only used by ${ORDERED_OPS.join(', ')}`, joinPath(path, 'order')));
  }
  if (VALUELESS_OPS.includes(cmp)) {
    if ('value' in node) issues.push(issue('invalid_value', `"${cmp}" takes no value; remove it`, at));
    return;
  }
  if (value === undefined) {
    issues.push(issue('missing_value', `The "${cmp}" operator needs a value`, at));
    return;
  }
  if (LIST_OPS.includes(cmp)) {
    if (!Array.isArray(value) || value.length === 0 || value.length > MAX_LIST_LENGTH) {
      issues.push(issue('invalid_value', `"${cmp}" needs a list of 1 to ${MAX_LIST_LENGTH} values, e.g. ["C3", "C4"]`, at));
    }
  } else if (cmp === 'within_last') {
    checkDuration(value, at, issues);
  } else if (cmp === 'starts_with') {
    if (typeof value !== 'string' || value === '') issues.push(issue('invalid_value', '"starts_with" needs non-empty text', at));
  } else if (cmp === 'contains') {
    if (!['string', 'number', 'boolean'].includes(typeof value)) {
      issues.push(issue('invalid_value', '"contains" needs text (a substring) or a single value (an array element)', at));
    }
  } else if (ORDERED_OPS.includes(cmp)) {
    checkOrdered(node, cmp, path, issues);
  }
}

/** gt/gte/lt/lte take one operand, between a pair [low, high]; all numbers, all times, or all members of `order`. */
function checkOrdered(node: Record<string, unknown>, op: ComparisonOp, path: string, issues: DocumentIssue[]): void {
  const at = joinPath(path, 'value');
  let operands: { value: unknown; path: string }[] = [{ value: node.value, path: at }];
  if (op === 'between') {
    if (!Array.isArray(node.value) || node.value.length !== 2) {
      issues.push(issue('invalid_value', '"between" needs a pair [low, high]; both ends are included', at));
      return;
    }
    operands = node.value.map((value, i) => ({ value, path: joinPath(at, i) }));
  }
  if ('order' in node) {
    checkOrderList(node.order, operands, joinPath(path, 'order'), issues);
  } else if (operands.every((o) => typeof o.value === 'number')) {
    if (operands.some((o) => !Number.isFinite(o.value))) issues.push(issue('invalid_value', 'Numbers must be finite', at));
  } else if (operands.some((o) => typeof o.value === 'number')) {
    issues.push(issue('invalid_value', `"${op}" compares numbers with numbers and times with times, not both`, at));
  } else if (operands.some((o) => typeof o.value === 'string' && !/^\d{4}-\d{2}-\d{2}/.test(o.value))) {
    issues.push(issue('invalid_value', `"${op}" compares numbers, or times (ISO dates, { "ago": "P7D" }); to rank text such as risk levels, give "order" (e.g. ["C1", "C2", "C3"])`, at));
  } else {
    operands.forEach((o) => checkTime(o.value, o.path, issues));
  }
  if (op === 'between' && issues.length === 0 && operands.every((o) => typeof o.value === 'number') && (operands[0].value as number) > (operands[1].value as number)) {
    issues.push(issue('invalid_value', 'The low end of "between" is above the high end; nothing can match', at));
  }
}

function checkOrderList(order: unknown, operands: { value: unknown; path: string }[], path: string, issues: DocumentIssue[]): void {
  const valid =
    Array.isArray(order) &&
    order.length >= 2 &&
    order.length <= MAX_LIST_LENGTH &&
    order.every((item) => typeof item === 'string' && item !== '') &&
    new Set(order).size === order.length;
  if (!valid) {
    issues.push(issue('invalid_order', `"order" must list 2 to ${MAX_LIST_LENGTH} distinct texts, lowest first, e.g. ["C1", "C2", "C3"]`, path));
    return;
  }
  for (const operand of operands) {
    if (!order.includes(operand.value as string)) {
      issues.push(issue('invalid_order', `${JSON.stringify(operand.value)} is not in "order" (${order.join(', ')})`, operand.path));
    }
  }
}

/**
 * Checks a list of event property filters (`where`) as the rule language defines them: the filters of
 * event rules, and of a journey's trigger, goal, wait for event and event exit criteria.
 */
export function validateWhere(filters: unknown, path: string): DocumentIssue[] {
  const issues: DocumentIssue[] = [];
  checkFilters(filters, path, issues);
  return issues;
}

function checkFilters(filters: unknown, path: string, issues: DocumentIssue[]): void {
  if (!Array.isArray(filters)) {
    issues.push(issue('invalid_rule', '"where" must be a list of property filters', path));
    return;
  }
  filters.forEach((filter, i) => {
    const at = joinPath(path, i);
    if (!isObject(filter)) {
      issues.push(issue('invalid_rule', 'A property filter is an object with property, op and value', at));
      return;
    }
    checkKeys(filter, ['property', 'op', 'value', 'order'], at, issues);
    checkPattern(filter.property, NAME, joinPath(at, 'property'), 'invalid_name', 'a property path such as fund_code or page.section', issues);
    checkComparison(filter, at, issues);
  });
}

function checkEventRule(rule: Record<string, unknown>, path: string, issues: DocumentIssue[]): void {
  checkKeys(rule, ['event', ...EVENT_RULE_KEYS], path, issues);
  checkEventName(rule.event, joinPath(path, 'event'), issues);
  if ('where' in rule) checkFilters(rule.where, joinPath(path, 'where'), issues);
  if ('count' in rule) checkCount(rule.count, joinPath(path, 'count'), issues);
  if ('within' in rule) checkDuration(rule.within, joinPath(path, 'within'), issues);
  if ('after_event' in rule) checkAfterEvent(rule.after_event, joinPath(path, 'after_event'), issues);
  for (const key of ['first', 'last'] as const) {
    if (key in rule) checkTimeRange(rule[key], joinPath(path, key), issues);
  }
  const conflicts: [string, string][] = [
    ['within', 'after_event'],
    ['first', 'last'],
    ...(['count', 'within', 'after_event'] as const).flatMap((key): [string, string][] => [['first', key], ['last', key]]),
  ];
  for (const [a, b] of conflicts) {
    if (a in rule && b in rule) {
      issues.push(issue('conflicting_options', `"${a}" and "${b}" cannot be combined in one event rule; use "and" of two rules`, joinPath(path, b)));
    }
  }
}

function checkCount(count: unknown, path: string, issues: DocumentIssue[]): void {
  if (!isObject(count)) {
    issues.push(issue('invalid_count', '"count" must be an object with gte and/or lte, e.g. { "gte": 3 }', path));
    return;
  }
  checkKeys(count, ['gte', 'lte'], path, issues);
  const bounds = [count.gte, count.lte];
  for (const key of ['gte', 'lte'] as const) {
    const bound = count[key];
    if (bound !== undefined && !(Number.isSafeInteger(bound) && (bound as number) >= 0)) {
      issues.push(issue('invalid_count', `"${key}" must be a whole number of times, 0 or more`, joinPath(path, key)));
    }
  }
  if (!bounds.every((b) => b === undefined || (Number.isSafeInteger(b) && (b as number) >= 0))) return;
  const [gte, lte] = bounds as (number | undefined)[];
  if (gte === undefined && lte === undefined) {
    issues.push(issue('invalid_count', 'Give gte, lte or both; leave "count" out to mean "at least once"', path));
  } else if (gte === 0 && lte === undefined) {
    issues.push(issue('invalid_count', '"at least 0 times" always holds; give lte, or a gte of 1 or more', path));
  } else if (gte !== undefined && lte !== undefined && gte > lte) {
    issues.push(issue('invalid_count', `At least ${gte} and at most ${lte} can never both hold`, path));
  }
}

function checkAfterEvent(anchor: unknown, path: string, issues: DocumentIssue[]): void {
  if (!isObject(anchor)) {
    issues.push(issue('invalid_rule', '"after_event" must be an object such as { "event": "registered", "within": "P3D" }', path));
    return;
  }
  checkKeys(anchor, ['event', 'where', 'occurrence', 'within'], path, issues);
  checkEventName(anchor.event, joinPath(path, 'event'), issues);
  if ('where' in anchor) checkFilters(anchor.where, joinPath(path, 'where'), issues);
  if ('within' in anchor) checkDuration(anchor.within, joinPath(path, 'within'), issues);
  if ('occurrence' in anchor && anchor.occurrence !== 'first' && anchor.occurrence !== 'last') {
    issues.push(issue('invalid_value', '"occurrence" is "first" or "last"', joinPath(path, 'occurrence')));
  }
}

function checkTimeRange(range: unknown, path: string, issues: DocumentIssue[]): void {
  if (!isObject(range) || !('before' in range || 'after' in range)) {
    issues.push(issue('invalid_time_range', 'Give "before" and/or "after", e.g. { "before": { "ago": "P30D" } }', path));
    return;
  }
  for (const key of Object.keys(range)) {
    if (key !== 'before' && key !== 'after') {
      issues.push(issue('invalid_time_range', `"${key}" is not a time bound; use before or after`, joinPath(path, key)));
    }
  }
  if ('before' in range) checkTime(range.before, joinPath(path, 'before'), issues);
  if ('after' in range) checkTime(range.after, joinPath(path, 'after'), issues);
}

/**
 * Every referenced segment exists and is valid, and following references never comes back. Problems
 * found through other segments are reported at the reference in `rule` that leads to them.
 */
function checkReferences(rule: SegmentRule, resolve: SegmentResolver, key: string | undefined, issues: DocumentIssue[]): void {
  const visit = (node: SegmentRule, stack: string[], at: string | null): void => {
    for (const ref of segmentReferences(node)) {
      const path = at ?? ref.path;
      if (stack.includes(ref.key)) {
        issues.push(issue('segment_cycle', `Segments refer to each other in a loop: ${[...stack, ref.key].join(' -> ')}`, path));
        continue;
      }
      const target = resolve(ref.key);
      if (target === undefined) {
        issues.push(issue('unknown_segment', `There is no segment "${ref.key}"`, path));
        continue;
      }
      const checked = validateSegmentRule(target);
      if (!checked.ok) {
        const [first] = checked.errors;
        issues.push(issue(first.code as SegmentErrorCode, `Segment "${ref.key}" is invalid: ${first.message} (at ${first.path})`, path));
        continue;
      }
      visit(checked.rule, [...stack, ref.key], path);
    }
  };
  visit(rule, key === undefined ? [] : [key], null);
}
