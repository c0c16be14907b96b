/**
 * Evaluation of the condition language (engine/conditions.ts): what facts a condition needs, how it is
 * decided from those facts, how it reads in customer history, and how an authored one is checked.
 * Pure and deterministic so workflow code can call it directly.
 */
import { DateTime } from 'luxon';
import type { CompareOp, Condition, ConditionFacts, CountBound, PropertyFilter } from './conditions.js';
import { parseDuration, formatDuration } from './duration.js';
import { EngineError, type DocumentIssue } from './errors.js';

/** Every operator, in the order shown in messages. */
const COMPARE_OPS: readonly CompareOp[] = [
  'eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'in', 'not_in', 'exists', 'not_exists', 'contains', 'starts_with',
];
const VALUELESS_OPS: readonly CompareOp[] = ['exists', 'not_exists'];
const ORDER_OPS: readonly CompareOp[] = ['gt', 'gte', 'lt', 'lte'];
const CONDITION_KINDS = ['all', 'any', 'not', 'trait', 'entry', 'event', 'segment'] as const;
/** Keys each kind of condition may carry besides its own name. */
const ALLOWED_KEYS: Record<(typeof CONDITION_KINDS)[number], readonly string[]> = {
  all: [], any: [], not: [], trait: ['op', 'value'], entry: ['op', 'value'],
  event: ['where', 'count', 'within'], segment: ['member'],
};
/** A full calendar date at the start is required before a string is compared as a date. */
const ISO_DATE_PREFIX = /^\d{4}-\d{2}-\d{2}(?:$|T)/;

/** One event-history query a condition depends on, as gathered by the facts activity. */
export interface EventFactNeed {
  key: string;
  event: string;
  where: PropertyFilter[];
  withinMs: number | null;
}

/** All facts a set of conditions depends on, deduplicated. */
export interface FactNeeds {
  traits: string[];
  entryFields: string[];
  events: EventFactNeed[];
  segments: string[];
}

/** The decision plus every fact consulted, keyed `trait:<path>`, `entry:<path>`, `event:<key>`, `segment:<key>`. */
export interface ConditionEvaluation {
  result: boolean;
  values: Record<string, unknown>;
}

/** Reads a dot path ("address.city", "tokens.0") from nested objects and arrays; undefined when absent. */
export function getPath(obj: unknown, path: string): unknown {
  if (typeof path !== 'string' || path === '') return undefined;
  let current: unknown = obj;
  for (const segment of path.split('.')) {
    if (current === null || typeof current !== 'object' || segment === '') return undefined;
    // Arrays are read by index only: "tokens.length" is not data.
    if (Array.isArray(current) && !/^\d+$/.test(segment)) return undefined;
    // Own properties only, so "constructor" or "__proto__" never reach the prototype.
    if (!Object.prototype.hasOwnProperty.call(current, segment)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

/** Applies one comparison operator; a missing (null/undefined) actual only satisfies neq, not_exists and not_in. */
export function compareValues(op: CompareOp, actual: unknown, expected: unknown): boolean {
  const missing = actual === null || actual === undefined;
  switch (op) {
    case 'exists':
      return !missing;
    case 'not_exists':
      return missing;
    case 'eq':
      return !missing && deepEqual(actual, expected);
    case 'neq':
      return missing || !deepEqual(actual, expected);
    case 'in':
      return !missing && Array.isArray(expected) && expected.some((item) => deepEqual(actual, item));
    case 'not_in':
      return !compareValues('in', actual, expected);
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const order = compareOrder(actual, expected);
      if (order === null) return false;
      return op === 'gt' ? order > 0 : op === 'gte' ? order >= 0 : op === 'lt' ? order < 0 : order <= 0;
    }
    case 'contains':
      if (typeof actual === 'string') return typeof expected === 'string' && actual.includes(expected);
      return Array.isArray(actual) && actual.some((item) => deepEqual(item, expected));
    case 'starts_with':
      return typeof actual === 'string' && typeof expected === 'string' && actual.startsWith(expected);
    default:
      throw new EngineError('unknown_operator', `Unknown comparison operator "${String(op)}"`);
  }
}

/** True when every filter holds on `properties` (no filters: true). */
export function matchesFilters(properties: Record<string, unknown>, filters: PropertyFilter[] | undefined): boolean {
  return (filters ?? []).every((filter) => compareValues(filter.op, getPath(properties, filter.property), filter.value));
}

/** A stable, readable key for one event-history query; filter and property order do not change it. */
export function eventFactKey(cond: { event: string; where?: PropertyFilter[]; within?: string }): string {
  let key = /^[A-Za-z0-9_.:-]+$/.test(cond.event) ? cond.event : JSON.stringify(cond.event);
  const filters = (cond.where ?? []).map(canonicalJson).sort();
  if (filters.length > 0) key += `|where=[${filters.join(',')}]`;
  if (cond.within !== undefined) key += `|within=${normalizeDuration(cond.within)}`;
  return key;
}

/** The traits, entry fields, event counts and segments the conditions consult, deduplicated, first-seen order. */
export function factNeeds(conditions: Condition[]): FactNeeds {
  const needs: FactNeeds = { traits: [], entryFields: [], events: [], segments: [] };
  const addUnique = (list: string[], item: string): void => {
    if (!list.includes(item)) list.push(item);
  };
  const walk = (cond: Condition): void => {
    if ('all' in cond) cond.all.forEach(walk);
    else if ('any' in cond) cond.any.forEach(walk);
    else if ('not' in cond) walk(cond.not);
    else if ('trait' in cond) addUnique(needs.traits, cond.trait);
    else if ('entry' in cond) addUnique(needs.entryFields, cond.entry);
    else if ('segment' in cond) addUnique(needs.segments, cond.segment);
    else {
      const key = eventFactKey(cond);
      if (!needs.events.some((need) => need.key === key)) {
        const withinMs = cond.within === undefined ? null : parseDuration(cond.within);
        needs.events.push({ key, event: cond.event, where: cond.where ?? [], withinMs });
      }
    }
  };
  conditions.forEach(walk);
  return needs;
}

/**
 * Decides a condition from gathered facts. Every branch of all/any is evaluated so `values` shows the
 * whole picture in customer history. Throws EngineError(`missing_fact`) for an ungathered event count
 * or segment membership rather than guessing.
 */
export function evaluateCondition(cond: Condition, facts: ConditionFacts): ConditionEvaluation {
  const values: Record<string, unknown> = {};
  const result = evaluateInto(cond, facts, values);
  return { result, values };
}

/** A one-line English rendering for customer history and previews. */
export function describeCondition(cond: Condition): string {
  if ('all' in cond) return cond.all.length === 0 ? 'always' : cond.all.map(describeNested).join(' AND ');
  if ('any' in cond) return cond.any.length === 0 ? 'never' : cond.any.map(describeNested).join(' OR ');
  if ('not' in cond) return `NOT ${describeNested(cond.not)}`;
  if ('trait' in cond) return `trait ${cond.trait} ${describeComparison(cond.op, cond.value)}`;
  if ('entry' in cond) return `entry ${cond.entry} ${describeComparison(cond.op, cond.value)}`;
  if ('segment' in cond) return `${cond.member === false ? 'not in' : 'in'} segment ${cond.segment}`;
  let text = `${describeCount(cond.count)} ${cond.event}`;
  if (cond.where && cond.where.length > 0) {
    text += ` where ${cond.where.map((f) => `${f.property} ${describeComparison(f.op, f.value)}`).join(' and ')}`;
  }
  if (cond.within !== undefined) text += ` within ${cond.within}`;
  return text;
}

/** Checks the shape of an authored condition; each issue carries the JSONPath below `path`. */
export function validateCondition(cond: unknown, path: string): DocumentIssue[] {
  if (!isPlainObject(cond)) {
    return [issue('invalid_condition', `A condition must be an object with one of ${CONDITION_KINDS.join(', ')}`, path)];
  }
  const kinds = CONDITION_KINDS.filter((kind) => kind in cond);
  if (kinds.length !== 1) {
    const found = kinds.length === 0 ? 'none of them' : kinds.join(' and ');
    return [issue('invalid_condition', `A condition needs exactly one of ${CONDITION_KINDS.join(', ')} (found ${found})`, path)];
  }
  const kind = kinds[0];
  const issues: DocumentIssue[] = [];
  for (const key of Object.keys(cond)) {
    if (key !== kind && !ALLOWED_KEYS[kind].includes(key)) {
      issues.push(issue('invalid_condition', `"${key}" is not used by a ${kind} condition; remove it`, `${path}.${key}`));
    }
  }
  if (kind === 'all' || kind === 'any') {
    const children = cond[kind];
    if (!Array.isArray(children) || children.length === 0) {
      issues.push(issue('invalid_condition', `"${kind}" must be a non-empty list of conditions`, `${path}.${kind}`));
    } else {
      children.forEach((child, i) => issues.push(...validateCondition(child, `${path}.${kind}[${i}]`)));
    }
  } else if (kind === 'not') {
    issues.push(...validateCondition(cond.not, `${path}.not`));
  } else if (kind === 'trait' || kind === 'entry') {
    requireName(cond[kind], `${path}.${kind}`, kind === 'trait' ? 'a trait path' : 'an entry field path', issues);
    validateComparison(cond, path, issues);
  } else if (kind === 'segment') {
    requireName(cond.segment, `${path}.segment`, 'a segment key', issues);
    if ('member' in cond && typeof cond.member !== 'boolean') {
      issues.push(issue('invalid_condition', '"member" must be true or false', `${path}.member`));
    }
  } else {
    requireName(cond.event, `${path}.event`, 'an event name', issues);
    if ('where' in cond) issues.push(...validatePropertyFilters(cond.where, `${path}.where`));
    if ('count' in cond) validateCount(cond.count, `${path}.count`, issues);
    if ('within' in cond) validateWithin(cond.within, `${path}.within`, issues);
  }
  return issues;
}

/** Checks a list of event property filters (`where`), as used by conditions, goals and triggers. */
export function validatePropertyFilters(filters: unknown, path: string): DocumentIssue[] {
  if (!Array.isArray(filters)) return [issue('invalid_condition', '"where" must be a list of property filters', path)];
  const issues: DocumentIssue[] = [];
  filters.forEach((filter, i) => {
    const at = `${path}[${i}]`;
    if (!isPlainObject(filter)) {
      issues.push(issue('invalid_condition', 'A property filter must be an object with property, op and value', at));
      return;
    }
    requireName(filter.property, `${at}.property`, 'an event property path', issues);
    validateComparison(filter, at, issues);
  });
  return issues;
}

// ---------------------------------------------------------------------------------------------------

function evaluateInto(cond: Condition, facts: ConditionFacts, values: Record<string, unknown>): boolean {
  if ('all' in cond) return cond.all.map((c) => evaluateInto(c, facts, values)).every(Boolean);
  if ('any' in cond) return cond.any.map((c) => evaluateInto(c, facts, values)).some(Boolean);
  if ('not' in cond) return !evaluateInto(cond.not, facts, values);
  if ('trait' in cond) {
    const actual = getPath(facts.traits, cond.trait);
    values[`trait:${cond.trait}`] = actual ?? null; // null, not undefined, so it survives JSON
    return compareValues(cond.op, actual, cond.value);
  }
  if ('entry' in cond) {
    const actual = getPath(facts.entry, cond.entry);
    values[`entry:${cond.entry}`] = actual ?? null;
    return compareValues(cond.op, actual, cond.value);
  }
  if ('segment' in cond) {
    const member = ownValue(facts.segments, cond.segment);
    if (typeof member !== 'boolean') {
      throw new EngineError('missing_fact', `Segment membership for "${cond.segment}" was not gathered`);
    }
    values[`segment:${cond.segment}`] = member;
    return member === (cond.member ?? true);
  }
  const key = eventFactKey(cond);
  const count = ownValue(facts.eventCounts, key);
  if (typeof count !== 'number') {
    throw new EngineError('missing_fact', `Event count for ${key} was not gathered`);
  }
  values[`event:${key}`] = count;
  const { gte, lte } = effectiveCount(cond.count);
  return (gte === undefined || count >= gte) && (lte === undefined || count <= lte);
}

/** No bounds means "at least once". */
function effectiveCount(count: CountBound | undefined): CountBound {
  return count && (count.gte !== undefined || count.lte !== undefined) ? count : { gte: 1 };
}

function describeNested(cond: Condition): string {
  const text = describeCondition(cond);
  const compound = ('all' in cond && cond.all.length > 1) || ('any' in cond && cond.any.length > 1);
  return compound ? `(${text})` : text;
}

const OP_WORDS: Record<CompareOp, string> = {
  eq: '=', neq: '≠', gt: '>', gte: '≥', lt: '<', lte: '≤', in: 'in', not_in: 'not in',
  exists: 'is set', not_exists: 'is not set', contains: 'contains', starts_with: 'starts with',
};

function describeComparison(op: CompareOp, value: unknown): string {
  const words = OP_WORDS[op] ?? op;
  return VALUELESS_OPS.includes(op) ? words : `${words} ${JSON.stringify(value) ?? 'nothing'}`;
}

function describeCount(count: CountBound | undefined): string {
  const { gte, lte } = effectiveCount(count);
  if (lte === 0) return 'no';
  if (gte !== undefined && lte !== undefined) return gte === lte ? `exactly ${gte} ×` : `between ${gte} and ${lte} ×`;
  if (lte !== undefined) return `at most ${lte} ×`;
  return `at least ${gte} ×`;
}

function validateComparison(node: Record<string, unknown>, path: string, issues: DocumentIssue[]): void {
  const op = node.op;
  if (typeof op !== 'string' || !(COMPARE_OPS as readonly string[]).includes(op)) {
    const shown = op === undefined ? 'is missing' : `${JSON.stringify(op)} is not known`;
    issues.push(issue('unknown_operator', `The operator ${shown}; use one of ${COMPARE_OPS.join(', ')}`, `${path}.op`));
    return;
  }
  const value = node.value;
  const at = `${path}.value`;
  if (VALUELESS_OPS.includes(op as CompareOp)) return;
  if (value === undefined) {
    issues.push(issue('missing_value', `The "${op}" operator needs a value to compare with`, at));
  } else if ((op === 'in' || op === 'not_in') && !Array.isArray(value)) {
    issues.push(issue('missing_value', `The "${op}" operator needs a list of values, e.g. ["a", "b"]`, at));
  } else if (ORDER_OPS.includes(op as CompareOp) && typeof value !== 'number' && typeof value !== 'string') {
    issues.push(issue('missing_value', `The "${op}" operator needs a number, date or text value`, at));
  } else if (op === 'starts_with' && typeof value !== 'string') {
    issues.push(issue('missing_value', 'The "starts_with" operator needs a text value', at));
  }
}

function validateCount(count: unknown, path: string, issues: DocumentIssue[]): void {
  if (!isPlainObject(count)) {
    issues.push(issue('invalid_count', '"count" must be an object with gte and/or lte, e.g. { "gte": 3 }', path));
    return;
  }
  let ok = true;
  for (const key of Object.keys(count)) {
    if (key !== 'gte' && key !== 'lte') {
      issues.push(issue('invalid_count', `"${key}" is not a count bound; use gte (at least) or lte (at most)`, `${path}.${key}`));
      ok = false;
    }
  }
  for (const key of ['gte', 'lte'] as const) {
    const bound = count[key];
    if (bound !== undefined && (typeof bound !== 'number' || !Number.isInteger(bound) || bound < 0)) {
      issues.push(issue('invalid_count', `"${key}" must be a whole number of times, 0 or more`, `${path}.${key}`));
      ok = false;
    }
  }
  if (!ok) return;
  if (count.gte === undefined && count.lte === undefined) {
    issues.push(issue('invalid_count', 'Give gte, lte or both; leave "count" out to mean "at least once"', path));
  } else if (typeof count.gte === 'number' && typeof count.lte === 'number' && count.gte > count.lte) {
    issues.push(issue('invalid_count', `At least ${count.gte} and at most ${count.lte} can never both hold`, path));
  }
}

function validateWithin(within: unknown, path: string, issues: DocumentIssue[]): void {
  try {
    parseDuration(within as string);
  } catch (error) {
    const message = error instanceof EngineError ? error.message : 'not a valid duration';
    issues.push(issue('invalid_duration', `"within": ${message}`, path));
  }
}

function requireName(value: unknown, path: string, what: string, issues: DocumentIssue[]): void {
  if (typeof value !== 'string' || value.trim() === '') {
    issues.push(issue('invalid_condition', `Give ${what} as non-empty text`, path));
  }
}

function issue(code: string, message: string, path: string): DocumentIssue {
  return { code, message, path };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function ownValue(record: Record<string, unknown>, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}

/** Order of two values: numbers numerically, two full ISO dates by instant, other strings by code unit. */
function compareOrder(a: unknown, b: unknown): number | null {
  if (typeof a === 'number' && typeof b === 'number') {
    return Number.isNaN(a) || Number.isNaN(b) ? null : a - b;
  }
  if (typeof a !== 'string' || typeof b !== 'string') return null;
  const aDate = parseDate(a);
  const bDate = parseDate(b);
  if (aDate !== null && bDate !== null) return aDate - bDate;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Zone-less dates are read as UTC so results never depend on the host's zone. */
function parseDate(text: string): number | null {
  if (!ISO_DATE_PREFIX.test(text)) return null;
  const parsed = DateTime.fromISO(text, { zone: 'utc' });
  return parsed.isValid ? parsed.toMillis() : null;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, i) => deepEqual(item, b[i]));
  }
  const aRecord = a as Record<string, unknown>;
  const bRecord = b as Record<string, unknown>;
  const aKeys = Object.keys(aRecord);
  return (
    aKeys.length === Object.keys(bRecord).length &&
    aKeys.every((k) => Object.prototype.hasOwnProperty.call(bRecord, k) && deepEqual(aRecord[k], bRecord[k]))
  );
}

/** JSON with object keys sorted at every level, so logically equal values serialize identically. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** P3D and PT72H are the same window, so they share one fact; unparsable text is kept as written. */
function normalizeDuration(text: string): string {
  try {
    return formatDuration(parseDuration(text));
  } catch {
    return String(text);
  }
}
