/**
 * `where` filters on events (a journey's trigger and goal, wait for event, event exit criteria) as a
 * plan carries them. From plan version 3 they are the rule language's property filters (engine/segments:
 * one schema, one validator, the comparisons the SQL compilation is proven to agree with); plans of
 * versions 1 and 2 were compiled with the format-1 filters and keep being matched by them, so a run in
 * flight decides as it did when it started.
 */
import type { PropertyFilter as Format1Filter } from './conditions.js';
import { matchesFilters } from './evaluate.js';
import { matchesWhere } from './segments/evaluate.js';
import type { PropertyFilter as RuleFilter } from './segments/types.js';

/** A `where` filter in a plan: format 1 up to plan version 2, the rule language's from version 3. */
export type EventFilter = Format1Filter | RuleFilter;

/** The first plan version whose `where` filters are the rule language's. */
export const RULE_FILTERS_PLAN_VERSION = 3;

/**
 * Whether an event's properties pass `where`, by the rules of the plan version the filters came from.
 * Time operands (`within_last`, relative times) are read against the event's own time, so the answer
 * does not depend on when the event arrived or is looked up.
 */
export function eventPasses(
  planVersion: number | undefined,
  event: { properties: Record<string, unknown>; eventTime: number },
  where: readonly EventFilter[] | undefined,
): boolean {
  if ((planVersion ?? 1) < RULE_FILTERS_PLAN_VERSION) return matchesFilters(event.properties, where as Format1Filter[] | undefined);
  return matchesWhere(event.properties, where as RuleFilter[] | undefined, event.eventTime);
}
