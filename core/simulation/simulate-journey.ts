/**
 * Simulate a journey for one customer: read the canvas (draft or version) and, for a real customer,
 * their profile, event history, segment memberships and ledger history; compile and simulate in the
 * engine (engine/simulation/). Reads only: nothing is enrolled, sent or written here.
 * Framework-free: the API's simulation module builds it with its database and channel registry.
 */
import type { ActionSpec } from '../../engine/actions.js';
import { compileCanvas } from '../../engine/compile.js';
import { EngineError, type DocumentIssue } from '../../engine/errors.js';
import type { ExecutionPlan } from '../../engine/plan.js';
import type { FrequencyCap } from '../../engine/policy.js';
import type { RunDefaults } from '../../engine/runtime.js';
import { planNeeds } from '../../engine/simulation/needs.js';
import type { InlineCustomer, SimulationScript } from '../../engine/simulation/script.js';
import { simulate, type SimulationResult } from '../../engine/simulation/simulate.js';
import type { SimulatedChannel, SimulatedCustomer, SimulatedPolicy } from '../../engine/simulation/world.js';
import { segmentMembership } from '../segments/membership.js';
import { CustomersRepository } from '../../store/customers.repository.js';
import { EventsRepository } from '../../store/events.repository.js';
import type { Queryable } from '../../store/queryable.js';
import { SendHistoryRepository } from '../../store/send-history.repository.js';
import { canvasOfSource, type JourneySource } from './journey-source.js';

export interface SimulateCommand {
  journeyId: string;
  source: JourneySource;
  customer: InlineCustomer | { customerId: string };
  script: SimulationScript;
  entry?: Record<string, unknown>;
}

export type SimulateOutcome =
  | { ok: true; result: SimulationResult & { journeyId: string; source: string; customerId: string } }
  | { ok: false; reason: 'journey_not_found' | 'version_not_found' | 'no_draft' | 'customer_not_found' }
  | { ok: false; reason: 'invalid_canvas'; issues: DocumentIssue[] };

export interface SimulateJourneyDeps {
  db: Queryable;
  actions: Record<string, ActionSpec>;
  channels: Record<string, SimulatedChannel>;
  caps: Record<string, FrequencyCap>;
  defaults: RunDefaults;
}

export class SimulateJourney {
  constructor(private readonly deps: SimulateJourneyDeps) {}

  async execute(command: SimulateCommand): Promise<SimulateOutcome> {
    const canvas = await canvasOfSource(this.deps.db, command.journeyId, command.source);
    if ('reason' in canvas) return { ok: false, reason: canvas.reason };
    const compiled = compileCanvas(canvas.document, { actions: this.deps.actions });
    if (!compiled.ok) return { ok: false, reason: 'invalid_canvas', issues: compiled.errors };
    const facts = 'customerId' in command.customer ? await this.realCustomer(command.customer.customerId, compiled.plan, command.script.start) : inlineCustomer(command.customer, this.deps.caps);
    if (!facts) return { ok: false, reason: 'customer_not_found' };
    const result = simulate({
      plan: compiled.plan,
      journeyId: command.journeyId,
      versionId: canvas.versionId,
      customer: facts.customer,
      script: command.script.events,
      entry: command.entry,
      start: command.script.start,
      horizonMs: command.script.horizonMs,
      channels: this.deps.channels,
      policy: facts.policy,
      defaults: this.deps.defaults,
    });
    return { ok: true, result: { journeyId: command.journeyId, source: canvas.versionId, customerId: facts.customer.id, ...result } };
  }

  /** A real customer, read-only: traits, the events the plan reads (up to the start), segments by their SQL, and the ledger the caps count. */
  private async realCustomer(customerId: string, plan: ExecutionPlan, start: number): Promise<{ customer: SimulatedCustomer; policy: SimulatedPolicy } | null> {
    const { db, caps } = this.deps;
    const traits = await new CustomersRepository(db).traitsOf(customerId);
    if (traits === null) return null;
    const needs = planNeeds(plan);
    const longestCap = Math.max(0, ...Object.values(caps).map((c) => c.windowMs));
    const [rows, segments, sentBefore] = await Promise.all([
      new EventsRepository(db).historyOf(customerId, needs.eventNames.map((name) => ({ name, sinceMs: null })), start),
      // Decided once, at the start. A segment that cannot be compiled is left out: the run fails at its condition, as in production.
      segmentMembership(db, customerId, needs.segments, { now: new Date(start) }).catch((err: unknown) => {
        if (err instanceof EngineError) return {};
        throw err;
      }),
      new SendHistoryRepository(db).marketingSendsSince(customerId, start - longestCap),
    ]);
    const events = rows.map((r) => ({ eventId: r.event_id, name: r.name, eventTime: r.event_time.getTime(), properties: r.properties, arrivedAt: r.event_time.getTime() }));
    return { customer: { id: customerId, traits, events, segments }, policy: { caps, sentBefore } };
  }
}

/** An inline customer has no history: caps count only the simulated sends; segments are as given. */
function inlineCustomer(customer: InlineCustomer, caps: Record<string, FrequencyCap>): { customer: SimulatedCustomer; policy: SimulatedPolicy } {
  return { customer: { id: customer.id, traits: customer.traits, events: [], segments: customer.segments }, policy: { caps, sentBefore: [] } };
}
