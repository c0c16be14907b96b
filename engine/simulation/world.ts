/**
 * The simulation world: answers a virtual run's lookups and actions for one customer with the rules
 * production uses (engine/evaluate.ts and engine/segments for conditions, engine/template.ts for
 * messages, consent and frequency caps as the send ledger applies them), and sends nothing. Events
 * are visible to lookups once they have arrived, as a stored event is in production.
 */
import { renderActionParams } from '../action-render.js';
import type { Condition, ConditionFacts } from '../conditions.js';
import { EngineError } from '../errors.js';
import { evaluateCondition, factNeeds, matchesFilters } from '../evaluate.js';
import { eventPasses } from '../event-filter.js';
import { capHold, consentHold, type FrequencyCap, type PolicyHold } from '../policy.js';
import type {
  ActionOutcome,
  ActionRequest,
  CustomerEvent,
  EvaluateConditionsInput,
  EvaluateConditionsResult,
  FindEventInput,
} from '../runtime.js';
import { evaluateRule, referencedSegments, type JourneyCondition } from '../segments/index.js';
import type { VirtualWorld } from '../virtual-run.js';

/** An event of the simulated customer: stored history or the script. `arrivedAt` is when the system learns of it. */
export interface SimulatedEvent extends CustomerEvent {
  arrivedAt: number;
}

/** How the simulation treats one action: which params are templates, and whether it is a touch (ledger, policy) or internal. */
export interface SimulatedChannel {
  templateParams: readonly string[];
  kind: 'touch' | 'internal';
  /** ActionSpec.consentKind: the kind of touch whose consent the action shares. */
  consentKind?: string;
}

/** The simulated customer: profile, events, segment memberships (decided outside: SQL or given). */
export interface SimulatedCustomer {
  id: string;
  traits: Record<string, unknown>;
  events: SimulatedEvent[];
  /** Membership by segment key; a key that is absent is an unknown segment (as in production). */
  segments: Record<string, boolean>;
}

/** The send policy production applies to marketing touches, and what the customer already received. */
export interface SimulatedPolicy {
  caps: Record<string, FrequencyCap>;
  /** Marketing touches already sent to the customer (the real ledger), by action and request time. */
  sentBefore: { action: string; at: number }[];
}

/** One touch the run would make (or that policy would hold back), as the timeline shows it. */
export interface SimulatedMessage {
  at: number;
  nodeId: string;
  action: string;
  category: 'marketing' | 'transactional';
  status: ActionOutcome['status'];
  /** Who it would reach (phone, push tokens, CRM assignee, URL); null when the action has none. */
  recipient: string | null;
  /** The params after template rendering: the text that would be sent. */
  rendered: Record<string, unknown>;
  reason?: { code: string; message: string };
}

/** A world over one customer. `messages` fills as the run performs actions. */
export class SimulationWorld implements VirtualWorld {
  readonly messages: SimulatedMessage[] = [];
  private traits: Record<string, unknown>;

  constructor(
    private readonly customer: SimulatedCustomer,
    private readonly channels: Record<string, SimulatedChannel>,
    private readonly policy: SimulatedPolicy,
  ) {
    // Never changed in place (updateTraits replaces the object), so the customer's own object is safe to start from.
    this.traits = customer.traits;
  }

  /** The simulated profile as it stands (changed by `update_traits`). */
  get profile(): Record<string, unknown> {
    return this.traits;
  }

  /** Events the system knows of at `now` whose event time is not after `at`. */
  private eventsKnown(now: number, at: number = now): CustomerEvent[] {
    // The events themselves (with their extra arrivedAt), not copies: evaluators only read them.
    return this.customer.events.filter((e) => e.arrivedAt <= now && e.eventTime <= at);
  }

  private membership(keys: string[]): Record<string, boolean> {
    return Object.fromEntries(
      keys.map((key) => {
        const member = this.customer.segments[key];
        if (member === undefined) throw new EngineError('unknown_segment', `unknown segment "${key}"`);
        return [key, member];
      }),
    );
  }

  evaluate(input: EvaluateConditionsInput, now: number): EvaluateConditionsResult {
    const values: Record<string, unknown> = {};
    const decide = (outcome: { result: boolean; values: Record<string, unknown> }) => {
      Object.assign(values, outcome.values);
      return outcome.result;
    };
    if ((input.planVersion ?? 1) === 1) {
      const conditions = input.conditions as Condition[];
      const facts = this.format1Facts(conditions, input.entry, input.at, now);
      return { results: conditions.map((c) => decide(evaluateCondition(c, facts))), values };
    }
    const rules = input.conditions as JourneyCondition[];
    const customer = { traits: this.traits, events: this.eventsKnown(now, input.at) };
    const segments = this.membership([...new Set(rules.flatMap(referencedSegments))]);
    return { results: rules.map((rule) => decide(evaluateRule(rule, customer, { now: input.at, segments, entry: input.entry }))), values };
  }

  private format1Facts(conditions: Condition[], entry: Record<string, unknown>, at: number, now: number): ConditionFacts {
    const needs = factNeeds(conditions);
    const events = this.eventsKnown(now, at);
    const facts: ConditionFacts = { traits: this.traits, entry, eventCounts: {}, segments: this.membership(needs.segments) };
    for (const q of needs.events) {
      facts.eventCounts[q.key] = events.filter(
        (e) => e.name === q.event && (q.withinMs === null || e.eventTime > at - q.withinMs) && matchesFilters(e.properties, q.where),
      ).length;
    }
    return facts;
  }

  findEvent({ event, where, fromMs, toMs, planVersion }: FindEventInput, now: number): CustomerEvent | null {
    const hits = this.eventsKnown(now, toMs).filter((e) => e.name === event && e.eventTime >= fromMs && eventPasses(planVersion, e, where));
    return hits.sort((a, b) => a.eventTime - b.eventTime)[0] ?? null;
  }

  customerTimeZone(): string | null {
    const zone = this.traits.timeZone;
    return typeof zone === 'string' && zone !== '' ? zone : null;
  }

  perform(req: ActionRequest, now: number): ActionOutcome {
    const channel = this.channels[req.action];
    if (!channel) throw new EngineError('unknown_action', `no channel is registered for action "${req.action}"`);
    const rendered = this.render(channel, req);
    if (channel.kind === 'internal') {
      if (req.action === 'update_traits') this.updateTraits(req.params);
      return { status: 'done', provider: 'profile' };
    }
    const log = (status: ActionOutcome['status'], recipient: string | null, reason?: { code: string; message: string }): ActionOutcome => {
      this.messages.push({ at: now, nodeId: req.nodeId, action: req.action, category: req.category, status, recipient, rendered, ...(reason ? { reason } : {}) });
      return status === 'sent' ? { status, provider: 'simulation' } : { status, error: reason };
    };
    const held = req.category === 'marketing' ? this.policyHold(req) : null;
    if (held) return log('suppressed', null, held);
    const recipient = recipientOf(req.action, this.traits, rendered);
    if (recipient === null) return log('failed', null, { code: 'no_recipient', message: `customer ${req.customerId} has no recipient for ${req.action}` });
    return log('sent', recipient);
  }

  /** The send ledger's policy: consent for the action, then the frequency cap over real and simulated sends. */
  private policyHold(req: ActionRequest): PolicyHold | null {
    const noConsent = consentHold(this.traits, req.action, this.channels[req.action]?.consentKind);
    if (noConsent) return noConsent;
    const cap = this.policy.caps[req.action];
    if (!cap) return null;
    const since = req.at - cap.windowMs;
    const simulated = this.messages.filter((m) => m.action === req.action && m.category === 'marketing' && m.status === 'sent' && m.at > since);
    const real = this.policy.sentBefore.filter((s) => s.action === req.action && s.at > since);
    return capHold(cap, req.action, simulated.length + real.length);
  }

  private render(channel: SimulatedChannel, req: ActionRequest): Record<string, unknown> {
    const journey = { id: req.journeyId, name: req.journeyName, versionId: req.versionId };
    return renderActionParams(req.params, channel.templateParams, { customerId: req.customerId, traits: this.traits, entry: req.entry, journey });
  }

  /** The profile action changes the simulated traits only: later decisions see it, the database never does. */
  private updateTraits(params: Record<string, unknown>): void {
    const set = (params.set ?? {}) as Record<string, unknown>;
    const unset = Array.isArray(params.unset) ? (params.unset as string[]) : [];
    const next = { ...this.traits, ...set };
    for (const key of unset) delete next[key];
    this.traits = next;
  }
}

/** The recipient a built-in channel would address, as its sender resolves it; null when there is none. */
export function recipientOf(action: string, traits: Record<string, unknown>, params: Record<string, unknown>): string | null {
  switch (action) {
    case 'sms':
      return typeof traits.phone === 'string' && traits.phone.trim() !== '' ? traits.phone : null;
    case 'push':
      return Array.isArray(traits.push_tokens) && traits.push_tokens.length > 0 ? traits.push_tokens.join(',') : null;
    case 'crm_task':
      if (typeof params.queue === 'string' && params.queue !== '') return `queue:${params.queue}`;
      return typeof traits.account_manager === 'string' && traits.account_manager.trim() !== '' ? `manager:${traits.account_manager}` : null;
    case 'webhook':
      return typeof params.url === 'string' ? params.url : null;
    default:
      // A channel added to the registry resolves its own recipient; the simulation does not know how.
      return '(resolved by the channel)';
  }
}

/** The simulation's view of a channel registry (channel descriptors have this shape). */
export function simulatedChannels(
  registry: readonly { action: string; kind: 'touch' | 'internal'; spec: { templateParams: readonly string[]; consentKind?: string } }[],
): Record<string, SimulatedChannel> {
  return Object.fromEntries(registry.map((c) => [c.action, { kind: c.kind, templateParams: c.spec.templateParams, consentKind: c.spec.consentKind }]));
}
