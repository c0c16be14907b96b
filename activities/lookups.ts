/** Read-only activities: the facts a decision or a wait needs, taken at the moment the run reaches the node. */
import type { DataSource } from 'typeorm';
import { customerTraits } from '../store/customers.js';
import { ApplicationFailure } from '@temporalio/activity';
import { segmentMembership } from './segments.js';
import type { Condition, ConditionFacts, PropertyFilter } from '../engine/conditions.js';
import { EngineError } from '../engine/errors.js';
import { evaluateCondition, factNeeds, matchesFilters } from '../engine/evaluate.js';
import type {
  CustomerEvent,
  CustomerSnapshot,
  EvaluateConditionsInput,
  EvaluateConditionsResult,
  FindEventInput,
} from '../engine/runtime.js';

interface EventRow {
  event_id: string;
  name: string;
  event_time: Date;
  properties: Record<string, unknown>;
}

const toEvent = (row: EventRow): CustomerEvent => ({
  eventId: row.event_id,
  name: row.name,
  eventTime: row.event_time.getTime(),
  properties: row.properties,
});

export function createLookupActivities(db: DataSource) {
  const traitsOf = (customerId: string) => customerTraits(db, customerId);

  /** Counts the customer's events named `event` matching `where`, with event time in (fromMs, toMs]. */
  async function countEvents(customerId: string, event: string, where: PropertyFilter[], fromMs: number | null, toMs: number) {
    if (where.length === 0) {
      const rows: { n: string }[] = await db.query(
        `SELECT count(*) AS n FROM events
          WHERE customer_id = $1 AND name = $2 AND event_time <= to_timestamp($3 / 1000.0)
            AND ($4::double precision IS NULL OR event_time > to_timestamp($4 / 1000.0))`,
        [customerId, event, toMs, fromMs],
      );
      return Number(rows[0].n);
    }
    const rows: { properties: Record<string, unknown> }[] = await db.query(
      `SELECT properties FROM events
        WHERE customer_id = $1 AND name = $2 AND event_time <= to_timestamp($3 / 1000.0)
          AND ($4::double precision IS NULL OR event_time > to_timestamp($4 / 1000.0))`,
      [customerId, event, toMs, fromMs],
    );
    return rows.filter((r) => matchesFilters(r.properties, where)).length;
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

  return {
    /** Evaluates each condition against one snapshot of the customer's facts at `at`. */
    async evaluateConditions(input: EvaluateConditionsInput): Promise<EvaluateConditionsResult> {
      try {
        const facts = await gatherFacts(input.customerId, input.conditions, input.entry, input.at);
        const values: Record<string, unknown> = {};
        const results = input.conditions.map((condition) => {
          const outcome = evaluateCondition(condition, facts);
          Object.assign(values, outcome.values);
          return outcome.result;
        });
        return { results, values };
      } catch (err) {
        if (err instanceof EngineError) throw ApplicationFailure.nonRetryable(err.message, err.code);
        throw err;
      }
    },

    /** The earliest matching event with event time in [fromMs, toMs], or null. */
    async findEvent({ customerId, event, where, fromMs, toMs }: FindEventInput): Promise<CustomerEvent | null> {
      const rows: EventRow[] = await db.query(
        `SELECT event_id, name, event_time, properties FROM events
          WHERE customer_id = $1 AND name = $2
            AND event_time >= to_timestamp($3 / 1000.0) AND event_time <= to_timestamp($4 / 1000.0)
          ORDER BY event_time, id`,
        [customerId, event, fromMs, toMs],
      );
      const hit = rows.find((r) => matchesFilters(r.properties, where));
      return hit ? toEvent(hit) : null;
    },

    /** The profile facts a wait needs (the customer's time zone). */
    async loadCustomer(customerId: string): Promise<CustomerSnapshot> {
      const traits = await traitsOf(customerId);
      const zone = traits?.timeZone;
      return { exists: traits !== null, timeZone: typeof zone === 'string' && zone !== '' ? zone : null };
    },
  };
}
