/**
 * Segments: the rule language (types, JSON Schema, validation), its compilation to parameterized
 * PostgreSQL and its evaluation for one customer in JavaScript (evaluate.ts, equal to the SQL).
 * Pure: nothing here touches the database; activities/segments.ts runs the SQL (segmentMembership,
 * explainMembership, loadSegmentRules).
 * See docs/segments.md.
 */
export type {
  AfterEvent,
  AndRule,
  Comparison,
  ComparisonOp,
  EntryRule,
  JourneyCondition,
  CountBound,
  EventRule,
  NotRule,
  OrRule,
  OrderedValue,
  PropertyFilter,
  RelativeTime,
  SegmentReference,
  SegmentRule,
  TimeRange,
  TimeValue,
  TraitRule,
} from './types.js';
export { describeRule, howClose } from './describe.js';
export { SEGMENT_RULE_JSON_SCHEMA, JOURNEY_CONDITION_JSON_SCHEMA, COMPARISON_OPS, NAME_PATTERN, SEGMENT_KEY_PATTERN, MAX_DEPTH } from './schema.js';
export {
  SEGMENT_ERROR_CODES,
  validateSegmentRule,
  assertSegmentRule,
  assertJourneyCondition,
  validateJourneyCondition,
  validateWhere,
  referencedSegments,
  type SegmentErrorCode,
  type SegmentResolver,
  type SegmentValidation,
  type ValidateSegmentOptions,
} from './validate.js';
export { compileSegment, type CompileSegmentOptions, type CompiledSegment } from './compile.js';
export {
  evaluateRule,
  matchesWhere,
  ruleEventNeeds,
  type CustomerEvent,
  type CustomerFacts,
  type EvaluationContext,
  type EventNeed,
  type RuleEvaluation,
} from './evaluate.js';
export {
  compileSegmentExplain,
  explainRow,
  type ExplainNode,
  type FailedNode,
  type NodeOutcome,
  type SegmentExplainQuery,
  type SegmentExplanation,
  type SegmentNodeKind,
} from './explain.js';
