/** Read-only activities: the facts a decision or a wait needs, taken at the moment the run reaches the node. */
import type { DataSource } from 'typeorm';
import { ApplicationFailure } from '@temporalio/activity';
import { segmentMembership } from '../core/segments/membership.js';
import type { Condition, ConditionFacts, PropertyFilter } from '../engine/conditions.js';
import { EngineError } from '../engine/errors.js';
import { evaluateCondition, factNeeds, matchesFilters } from '../engine/evaluate.js';
import { eventPasses } from '../engine/event-filter.js';
import { evaluateRule, referencedSegments, ruleEventNeeds, type JourneyCondition } from '../engine/segments/index.js';
import type {
  CustomerEvent,
  CustomerSnapshot,
  EvaluateConditionsInput,
  EvaluateConditionsResult,
  FindEventInput,
} from '../engine/runtime.js';
import { CustomersRepository } from '../store/customers.repository.js';
import { EventsRepository, type CustomerEventRow } from '../store/events.repository.js';

const toEvent = (row: CustomerEventRow): CustomerEvent => ({
  eventId: row.event_id,
  name: row.name,
  eventTime: row.event_time.getTime(),
  properties: row.properties,
});

export function createLookupActivities(db: DataSource) {
  const customers = new CustomersRepository(db);
  const traitsOf = (customerId: string) => customers.traitsOf(customerId);
  const events = new EventsRepository(db);

  /** Counts the customer's events named `event` matching `where`, with event time in (fromMs, toMs]. */
  async function countEvents(customerId: string, event: string, where: PropertyFilter[], fromMs: number | null, toMs: number) {
    if (where.length === 0) {
      return events.countOfCustomer(customerId, event, fromMs, toMs);
    }
    const properties = await events.propertiesOfCustomer(customerId, event, fromMs, toMs);
    return properties.filter((p) => matchesFilters(p, where)).length;
  }

  /** Gathers the facts `conditions` need; segment memberships are decided by their compiled rules in one query. */
  async function gatherFacts(customerId: string, conditions: Condition[], entry: Record<string, unknown>, at: number): Promise<ConditionFacts> {
    const needs = factNeeds(conditions);
    const facts: ConditionFacts = { traits: (await traitsOf(customerId)) ?? {}, entry, eventCounts: {}, segments: {} };
    for (const q of needs.events) {
      facts.eventCounts[q.key] = await countEvents(customerId, q.event, q.where, q.withinMs === null ? null : at - q.withinMs, at);
    }
    facts.segments = await segmentMembership(db, customerId, needs.segments, { now: new Date(at) });
    return facts;
  }

  /** Format-1 conditions (plans of version 1): facts gathered per condition, decided by engine/evaluate.ts. */
  async function evaluateFormat1(input: EvaluateConditionsInput): Promise<EvaluateConditionsResult> {
    const conditions = input.conditions as Condition[];
    const facts = await gatherFacts(input.customerId, conditions, input.entry, input.at);
    const values: Record<string, unknown> = {};
    const results = conditions.map((condition) => {
      const outcome = evaluateCondition(condition, facts);
      Object.assign(values, outcome.values);
      return outcome.result;
    });
    return { results, values };
  }

  /**
   * Journey conditions (the segment rule language): the profile, the event history the rules read
   * and the memberships of the segments they name, then decided in JavaScript exactly as the
   * segment SQL would decide them (engine/segments/agreement.test.ts).
   */
  async function evaluateRules(input: EvaluateConditionsInput): Promise<EvaluateConditionsResult> {
    const rules = input.conditions as JourneyCondition[];
    // One history for all the conditions: ruleEventNeeds merges the names and keeps the longest look-back.
    const needs = ruleEventNeeds({ and: rules }).map((n) => ({ name: n.name, sinceMs: n.lookbackMs === null ? null : input.at - n.lookbackMs }));
    const [traits, rows, segments] = await Promise.all([
      traitsOf(input.customerId),
      events.historyOf(input.customerId, needs, input.at),
      segmentMembership(db, input.customerId, referencedSegments({ and: rules }), { now: new Date(input.at) }),
    ]);
    const customer = { traits: traits ?? {}, events: rows.map(toEvent) };
    const values: Record<string, unknown> = {};
    const results = rules.map((rule) => {
      const outcome = evaluateRule(rule, customer, { now: input.at, segments, entry: input.entry });
      Object.assign(values, outcome.values);
      return outcome.result;
    });
    return { results, values };
  }

  return {
    /** Evaluates each condition against one snapshot of the customer's facts at `at`, in the language of its plan. */
    async evaluateConditions(input: EvaluateConditionsInput): Promise<EvaluateConditionsResult> {
      try {
        return await ((input.planVersion ?? 1) === 1 ? evaluateFormat1(input) : evaluateRules(input));
      } catch (err) {
        if (err instanceof EngineError) throw ApplicationFailure.nonRetryable(err.message, err.code);
        throw err;
      }
    },

    /** The earliest matching event with event time in [fromMs, toMs], or null. */
    async findEvent({ customerId, event, where, fromMs, toMs, planVersion }: FindEventInput): Promise<CustomerEvent | null> {
      const rows = await events.ofCustomerBetween(customerId, event, fromMs, toMs);
      const hit = rows.map(toEvent).find((e) => eventPasses(planVersion, e, where));
      return hit ?? null;
    },

    /** The profile facts a wait needs (the customer's time zone). */
    async loadCustomer(customerId: string): Promise<CustomerSnapshot> {
      const traits = await traitsOf(customerId);
      const zone = traits?.timeZone;
      return { exists: traits !== null, timeZone: typeof zone === 'string' && zone !== '' ? zone : null };
    },
  };
}
