/**
 * In-memory activities for workflow tests on the time-skipping server: a small world of customers,
 * events and segments, and recorders for step logs and sends. Conditions are decided by the same
 * engine evaluator the real activities use.
 */
import type { JourneyActivities } from '../../activities/index.js';
import type { Condition, ConditionFacts } from '../../engine/conditions.js';
import { evaluateCondition, factNeeds, matchesFilters } from '../../engine/evaluate.js';
import { eventPasses } from '../../engine/event-filter.js';
import { evaluateRule, referencedSegments, type JourneyCondition } from '../../engine/segments/index.js';
import type { ActionOutcome, ActionRequest, CustomerEvent, EnrollmentPatch, StepRecord } from '../../engine/runtime.js';

export interface StoredFakeEvent extends CustomerEvent {
  customerId: string;
}

export class FakeWorld {
  readonly traits = new Map<string, Record<string, unknown>>();
  readonly events: StoredFakeEvent[] = [];
  /** Members of each segment, by segment key (the real activities compile segment rules to SQL instead). */
  readonly segments = new Map<string, Set<string>>();
  readonly steps = new Map<string, StepRecord[]>();
  readonly enrollments = new Map<string, EnrollmentPatch>();
  readonly sends: ActionRequest[] = [];
  /** Actions (by node id) that fail permanently. */
  readonly failingNodes = new Set<string>();

  addEvent(customerId: string, name: string, eventTime: number, properties: Record<string, unknown> = {}): CustomerEvent {
    const event = { eventId: `${customerId}:${name}:${eventTime}:${this.events.length}`, name, eventTime, properties };
    this.events.push({ ...event, customerId });
    return event;
  }

  stepsOf(enrollmentId: string): StepRecord[] {
    return [...(this.steps.get(enrollmentId) ?? [])].sort((a, b) => a.seq - b.seq);
  }

  sendsOf(customerId: string): string[] {
    return this.sends.filter((s) => s.customerId === customerId).map((s) => s.nodeId);
  }

  private facts(customerId: string, conditions: Condition[], entry: Record<string, unknown>, at: number): ConditionFacts {
    const needs = factNeeds(conditions);
    const facts: ConditionFacts = { traits: this.traits.get(customerId) ?? {}, entry, eventCounts: {}, segments: {} };
    for (const q of needs.events) {
      facts.eventCounts[q.key] = this.events.filter(
        (e) =>
          e.customerId === customerId &&
          e.name === q.event &&
          e.eventTime <= at &&
          (q.withinMs === null || e.eventTime > at - q.withinMs) &&
          matchesFilters(e.properties, q.where),
      ).length;
    }
    for (const key of needs.segments) {
      const members = this.segments.get(key);
      if (!members) throw new Error(`unknown segment ${key}`);
      facts.segments[key] = members.has(customerId);
    }
    return facts;
  }

  activities(): JourneyActivities {
    return {
      recordSteps: async ({ enrollmentId, steps, enrollment }) => {
        const log = this.steps.get(enrollmentId) ?? [];
        for (const step of steps) if (!log.some((s) => s.seq === step.seq)) log.push(step);
        this.steps.set(enrollmentId, log);
        if (enrollment) this.enrollments.set(enrollmentId, { ...this.enrollments.get(enrollmentId), ...enrollment });
      },
      evaluateConditions: async ({ customerId, conditions, entry, at, planVersion }) => {
        const values: Record<string, unknown> = {};
        const decide = (outcome: { result: boolean; values: Record<string, unknown> }) => {
          Object.assign(values, outcome.values);
          return outcome.result;
        };
        if ((planVersion ?? 1) === 1) {
          const facts = this.facts(customerId, conditions as Condition[], entry, at);
          return { results: (conditions as Condition[]).map((c) => decide(evaluateCondition(c, facts))), values };
        }
        // The rule language, decided by the engine's own single-customer evaluator over this world.
        const rules = conditions as JourneyCondition[];
        const customer = { traits: this.traits.get(customerId) ?? {}, events: this.events.filter((e) => e.customerId === customerId) };
        const segments = Object.fromEntries(
          rules.flatMap(referencedSegments).map((key) => {
            const members = this.segments.get(key);
            if (!members) throw new Error(`unknown segment ${key}`);
            return [key, members.has(customerId)];
          }),
        );
        return { results: rules.map((rule) => decide(evaluateRule(rule, customer, { now: at, segments, entry }))), values };
      },
      findEvent: async ({ customerId, event, where, fromMs, toMs, planVersion }) =>
        this.events
          .filter((e) => e.customerId === customerId && e.name === event && e.eventTime >= fromMs && e.eventTime <= toMs)
          .filter((e) => eventPasses(planVersion, e, where))
          .sort((a, b) => a.eventTime - b.eventTime)
          .map(({ customerId: _c, ...e }) => e)[0] ?? null,
      loadCustomer: async (customerId) => {
        const traits = this.traits.get(customerId);
        const zone = traits?.timeZone;
        return { exists: traits !== undefined, timeZone: typeof zone === 'string' ? zone : null };
      },
      performAction: async (req): Promise<ActionOutcome> => {
        if (this.failingNodes.has(req.nodeId)) {
          return { status: 'failed', error: { code: 'no_recipient', message: `customer ${req.customerId} has no phone trait` } };
        }
        if (req.action === 'update_traits') {
          const set = (req.params.set ?? {}) as Record<string, unknown>;
          this.traits.set(req.customerId, { ...this.traits.get(req.customerId), ...set });
          return { status: 'done', provider: 'profile' };
        }
        this.sends.push(req);
        return { status: 'sent', provider: 'fake', providerMessageId: `fake-${this.sends.length}` };
      },
    };
  }
}
