/**
 * The segment rule language: JSON that marketing ops author to describe a set of customers by their
 * profile traits and event history. The normative shape is `segment-rule.schema.json`; the prose is
 * docs/segments.md.
 */

/** A segment rule: a boolean over one customer's traits and event history. */
export type SegmentRule = AndRule | OrRule | NotRule | TraitRule | EventRule | SegmentReference;

/** Every child holds. */
export interface AndRule {
  and: SegmentRule[];
}

/** At least one child holds. */
export interface OrRule {
  or: SegmentRule[];
}

/** The child does not hold. */
export interface NotRule {
  not: SegmentRule;
}

/** Membership of another segment, resolved by key when the rule is compiled. */
export interface SegmentReference {
  segment: string;
}

/** Comparison operators for traits and event properties. */
export type ComparisonOp =
  | 'eq'
  | 'neq'
  | 'in'
  | 'not_in'
  | 'gt'
  | 'gte'
  | 'lt'
  | 'lte'
  | 'between'
  | 'within_last'
  | 'exists'
  | 'not_exists'
  | 'contains'
  | 'starts_with';

/** A point in time: an ISO 8601 date or date-time, or a time relative to now. */
export type TimeValue = string | RelativeTime;

/** `{ "ago": "P7D" }` is now minus 7 days; `{ "ahead": "P7D" }` is now plus 7 days. */
export type RelativeTime = { ago: string } | { ahead: string };

/** What ordered operators compare with: a number, a time, or a member of `order`. */
export type OrderedValue = number | TimeValue;

/** An operator and its operand, applied to one value read from a JSON document. */
export interface Comparison {
  op: ComparisonOp;
  /** The operand; its shape depends on `op` (see docs/segments.md). */
  value?: unknown;
  /** An ordered enumeration (lowest first) for gt/gte/lt/lte/between on text such as risk levels C1..C5. */
  order?: string[];
}

/** A profile trait (dot path into `customers.traits`) compared with a value. */
export interface TraitRule extends Comparison {
  trait: string;
}

/** A filter on one event property (dot path into `events.properties`). */
export interface PropertyFilter extends Comparison {
  property: string;
}

/** Bounds on how many matching events there are; absent means "at least once". */
export interface CountBound {
  gte?: number;
  lte?: number;
}

/** Bounds on one instant: strictly before and/or strictly after. */
export interface TimeRange {
  before?: TimeValue;
  after?: TimeValue;
}

/** The window of an event rule, anchored at the customer's first or last occurrence of another event. */
export interface AfterEvent {
  event: string;
  where?: PropertyFilter[];
  /** Which occurrence anchors the window; default `last`. */
  occurrence?: 'first' | 'last';
  /** The window's length after the anchor; absent means "any time after". */
  within?: string;
}

/**
 * Event history: how often the customer performed `event` (matching `where`), ever, within a window
 * ending now, or within a window after another event; or when they first / last performed it.
 */
export interface EventRule {
  event: string;
  where?: PropertyFilter[];
  count?: CountBound;
  /** Window ending now, e.g. `P7D`. */
  within?: string;
  after_event?: AfterEvent;
  /** When the customer first performed the event (never performed: false). */
  first?: TimeRange;
  /** When the customer last performed the event (never performed: false). */
  last?: TimeRange;
}

/** A field of the journey's entry payload (trigger event properties or API payload) compared with a value. */
export interface EntryRule extends Comparison {
  entry: string;
}

/**
 * A journey condition (condition nodes, multi-way splits, exit criteria): the segment rule language
 * plus `entry` fields, which only a running journey has. Every segment rule is a journey condition.
 */
export type JourneyCondition =
  | { and: JourneyCondition[] }
  | { or: JourneyCondition[] }
  | { not: JourneyCondition }
  | TraitRule
  | EventRule
  | SegmentReference
  | EntryRule;
