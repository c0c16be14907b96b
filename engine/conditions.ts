/**
 * The condition language shared by condition splits, multi-way splits, exit criteria and segments.
 * Evaluation is pure: an activity gathers the facts, `evaluateCondition` decides.
 */

/** Comparison operators for traits, entry payload fields and event properties. */
export type CompareOp =
  | 'eq'
  | 'neq'
  | 'gt'
  | 'gte'
  | 'lt'
  | 'lte'
  | 'in'
  | 'not_in'
  | 'exists'
  | 'not_exists'
  | 'contains'
  | 'starts_with';

/** A filter on one property of an event (dot paths allowed). */
export interface PropertyFilter {
  property: string;
  op: CompareOp;
  value?: unknown;
}

/** Bounds on a count: at least / at most. */
export interface CountBound {
  gte?: number;
  lte?: number;
}

export type Condition =
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition }
  /** A profile trait (dot path into the customer's traits). */
  | { trait: string; op: CompareOp; value?: unknown }
  /** A field of the entry payload (the trigger event's properties or the API payload). */
  | { entry: string; op: CompareOp; value?: unknown }
  /** Event history: how many times the customer performed `event` (optionally within a window ending now). */
  | { event: string; where?: PropertyFilter[]; count?: CountBound; within?: string }
  /** Membership of a named segment. */
  | { segment: string; member?: boolean };

/** Everything a condition may need, gathered at the moment the customer reaches the node. */
export interface ConditionFacts {
  traits: Record<string, unknown>;
  entry: Record<string, unknown>;
  /** Event counts keyed by `eventFactKey(condition)`. */
  eventCounts: Record<string, number>;
  /** Segment membership keyed by segment key. */
  segments: Record<string, boolean>;
}
