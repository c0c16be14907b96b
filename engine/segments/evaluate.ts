/**
 * A segment rule decided in JavaScript for ONE customer, from their traits and event history: what a
 * running journey needs at a condition, without a database round trip per decision. It gives exactly
 * the answer of the compiled SQL (compile.ts) for that customer; engine/segments/agreement.test.ts
 * checks this against PostgreSQL on random rules, profiles and histories. Pure: no I/O, no clock.
 */
import { parseDuration } from '../duration.js';
import { EngineError } from '../errors.js';
import { compareValue, readPath, timeOperand } from './compare.js';
import type { AfterEvent, EventRule, JourneyCondition, PropertyFilter, TimeRange } from './types.js';
import { assertJourneyCondition } from './validate.js';

/** One event of the customer's history. */
export interface CustomerEvent {
  name: string;
  /** When it happened (events.event_time), epoch milliseconds. */
  eventTime: number;
  properties: Record<string, unknown>;
}

/** What the evaluator knows about the customer: the profile and (enough of) the event history. */
export interface CustomerFacts {
  traits: Record<string, unknown>;
  /** Any order; at least the events ruleEventNeeds(rule) lists. */
  events: CustomerEvent[];
}

/** The instant and the outside facts a decision uses. */
export interface EvaluationContext {
  /** The instant "now" means, epoch milliseconds (inside a journey: the run's time at the node). */
  now: number;
  /** Membership of the segments the rule refers to, by key. */
  segments?: Record<string, boolean>;
  /** The journey's entry payload, for `entry` fields (journey conditions only; absent: every field is missing). */
  entry?: Record<string, unknown>;
}

/**
 * The decision and the facts consulted, for the journey's decision record: `trait:<path>` -> value
 * (null when missing), `event:<description>` -> count of matching events (null when an `after_event`
 * anchor never happened) or, for first/last, the ISO time (null: never), `segment:<key>` -> membership.
 */
export interface RuleEvaluation {
  result: boolean;
  values: Record<string, unknown>;
}

/**
 * Decides `rule` for one customer. Every branch is evaluated, so `values` shows the whole picture.
 * Throws EngineError for an invalid rule (as compileSegment does) and `unknown_segment` for a
 * reference missing from `context.segments`.
 */
export function evaluateRule(rule: JourneyCondition, customer: CustomerFacts, context: EvaluationContext): RuleEvaluation {
  const values: Record<string, unknown> = {};
  const result = new RuleEvaluator(customer, context, values).rule(assertJourneyCondition(rule));
  return { result, values };
}

/** One event name whose history a rule reads. */
export interface EventNeed {
  name: string;
  /** How far before now its events matter, in ms; null: the whole history. */
  lookbackMs: number | null;
  /** Used as an `after_event` anchor (its first or last occurrence opens a window). */
  anchor: boolean;
}

/**
 * The event history `rule` reads, one entry per event name in first-seen order, so an activity can
 * load only those events (and, for windowed rules, only the recent ones). Events stamped after now
 * never count. Segment references are not followed: their membership comes in `context.segments`.
 */
export function ruleEventNeeds(rule: JourneyCondition): EventNeed[] {
  const needs: EventNeed[] = [];
  const need = (name: string, lookbackMs: number | null, anchor: boolean): void => {
    const known = needs.find((n) => n.name === name);
    if (!known) {
      needs.push({ name, lookbackMs, anchor });
      return;
    }
    known.anchor ||= anchor;
    known.lookbackMs = known.lookbackMs === null || lookbackMs === null ? null : Math.max(known.lookbackMs, lookbackMs);
  };
  const walk = (node: JourneyCondition): void => {
    if ('and' in node) node.and.forEach(walk);
    else if ('or' in node) node.or.forEach(walk);
    else if ('not' in node) walk(node.not);
    else if ('event' in node) {
      if (node.after_event) need(node.after_event.event, null, true);
      // Only `within` bounds the history (it excludes after_event, first and last); an anchor or a
      // first/last time may lie anywhere in it.
      need(node.event, node.within === undefined ? null : parseDuration(node.within), false);
    }
  };
  walk(assertJourneyCondition(rule));
  return needs;
}

/** Walks a validated rule for one customer, recording the facts it reads. */
class RuleEvaluator {
  private readonly now: number;

  constructor(
    private readonly customer: CustomerFacts,
    private readonly context: EvaluationContext,
    private readonly values: Record<string, unknown>,
  ) {
    this.now = context.now;
  }

  rule(rule: JourneyCondition): boolean {
    // map before every/some: no short cut, so every fact is recorded.
    if ('and' in rule) return rule.and.map((child) => this.rule(child)).every(Boolean);
    if ('or' in rule) return rule.or.map((child) => this.rule(child)).some(Boolean);
    if ('not' in rule) return !this.rule(rule.not);
    if ('segment' in rule) return this.segment(rule.segment);
    if ('trait' in rule) {
      const actual = readPath(this.customer.traits, rule.trait);
      this.values[`trait:${rule.trait}`] = actual ?? null;
      return compareValue(rule, actual, this.now);
    }
    if ('entry' in rule) {
      const actual = readPath(this.context.entry ?? {}, rule.entry);
      this.values[`entry:${rule.entry}`] = actual ?? null;
      return compareValue(rule, actual, this.now);
    }
    return rule.first || rule.last ? this.firstLast(rule) : this.count(rule);
  }

  private segment(key: string): boolean {
    const known = this.context.segments;
    if (!known || !Object.prototype.hasOwnProperty.call(known, key)) {
      throw new EngineError('unknown_segment', `The membership of segment "${key}" was not given`);
    }
    const member = known[key] === true;
    this.values[`segment:${key}`] = member;
    return member;
  }

  /** The customer's events named `name` that happened by now and match every filter. */
  private matching(name: string, where: PropertyFilter[] | undefined): number[] {
    const times: number[] = [];
    for (const event of this.customer.events) {
      if (event.name !== name || event.eventTime > this.now) continue;
      if (matchesWhere(event.properties, where, this.now)) {
        times.push(event.eventTime);
      }
    }
    return times;
  }

  /** How many matching events lie in the window (ending now, or after the anchor) against the count bounds. */
  private count(rule: EventRule): boolean {
    let times = this.matching(rule.event, rule.where);
    let key = `event:${describeEvent(rule.event, rule.where)}`;
    if (rule.within !== undefined) {
      const start = this.now - parseDuration(rule.within);
      times = times.filter((t) => t > start);
      key += `|within=${rule.within}`;
    }
    const anchor = rule.after_event;
    if (anchor) {
      key += `|after=${describeAnchor(anchor)}`;
      const at = this.anchorTime(anchor);
      if (at === null) {
        this.values[key] = null;
        return false;
      }
      const end = anchor.within === undefined ? Infinity : at + parseDuration(anchor.within);
      times = times.filter((t) => t > at && t <= end);
    }
    this.values[key] = times.length;
    const lte = rule.count?.lte;
    const gte = rule.count?.gte ?? (lte === undefined ? 1 : 0);
    return times.length >= gte && (lte === undefined || times.length <= lte);
  }

  /** The first or last matching anchor event's time, or null when there is none. */
  private anchorTime(anchor: AfterEvent): number | null {
    return this.seen(anchor.event, anchor.where, anchor.occurrence ?? 'last');
  }

  private firstLast(rule: EventRule): boolean {
    const pick = rule.first ? 'first' : 'last';
    const range = (rule.first ?? rule.last) as TimeRange;
    const at = this.seen(rule.event, rule.where, pick);
    if (at === null) return false;
    const before = range.before === undefined || at < timeOperand(range.before, this.now);
    const after = range.after === undefined || at > timeOperand(range.after, this.now);
    return before && after;
  }

  /** Min or max of the matching event times, recorded as `event:<description>|first|last`. */
  private seen(name: string, where: PropertyFilter[] | undefined, pick: 'first' | 'last'): number | null {
    const times = this.matching(name, where);
    // A loop, not Math.min(...times): a long history would overflow the call's arguments.
    let at: number | null = null;
    for (const t of times) if (at === null || (pick === 'first' ? t < at : t > at)) at = t;
    this.values[`event:${describeEvent(name, where)}|${pick}`] = at === null ? null : new Date(at).toISOString();
    return at;
  }
}

/** `name` or `name[filter; filter]`, e.g. `fund_viewed[fund_code eq "F1"]`. */
function describeEvent(name: string, where: PropertyFilter[] | undefined): string {
  return where && where.length > 0 ? `${name}[${where.map(describeFilter).join('; ')}]` : name;
}

function describeAnchor(anchor: AfterEvent): string {
  return `${describeEvent(anchor.event, anchor.where)}|${anchor.occurrence ?? 'last'}${anchor.within === undefined ? '' : `|within=${anchor.within}`}`;
}

function describeFilter(filter: PropertyFilter): string {
  const value = filter.value === undefined ? '' : ` ${JSON.stringify(filter.value)}`;
  return `${filter.property} ${filter.op}${value}${filter.order ? ` order ${JSON.stringify(filter.order)}` : ''}`;
}

/** Whether an event's properties pass every filter of `where` at `now` (for `within_last` and time operands). */
export function matchesWhere(properties: Record<string, unknown>, where: readonly PropertyFilter[] | undefined, now: number): boolean {
  return (where ?? []).every((filter) => compareValue(filter, readPath(properties, filter.property), now));
}
