/**
 * The work of one backtest, page by page (the `journeyBacktest` workflow's activities call it): number
 * the population once, then for each page read the customers' facts in a few batched queries, replay
 * each in the engine and add the page's figures to the stored ones with the cursor, in one
 * transaction. A page recorded twice (a retried activity) is recognised by its cursor and skipped.
 */
import type { DataSource } from 'typeorm';
import { compileWithStoredSegments, segmentMembership } from '../segments/membership.js';
import { EngineError } from '../../engine/errors.js';
import type { ExecutionPlan } from '../../engine/plan.js';
import type { CustomerEvent } from '../../engine/runtime.js';
import { addToFigures, backtestCustomer, emptyFigures, entryEventOf, mergeFigures, type BacktestFigures, type BacktestSpec, type StoredCustomer } from '../../engine/simulation/backtest.js';
import { planNeeds } from '../../engine/simulation/needs.js';
import { BacktestsRepository, type BacktestRow } from '../../store/backtests.repository.js';
import { CustomersRepository } from '../../store/customers.repository.js';
import { EventsRepository } from '../../store/events.repository.js';
import type { Queryable } from '../../store/queryable.js';
import { SendHistoryRepository } from '../../store/send-history.repository.js';
import type { BacktestSpecJson } from './backtests.js';

/** One page replayed: how many customers, and the position of the last (null: nothing was left, or the backtest no longer runs). */
export interface BacktestPage {
  processed: number;
  last: number | null;
}

/** The spec every customer of a stored backtest shares. */
export function specOfRow(row: BacktestRow): BacktestSpec {
  const spec = row.spec as unknown as BacktestSpecJson;
  return {
    plan: spec.plan as ExecutionPlan,
    journeyId: row.journey_id,
    versionId: spec.versionId,
    channels: spec.channels,
    caps: spec.caps,
    defaults: spec.defaults,
    from: row.window_from.getTime(),
    to: row.window_to.getTime(),
    horizonMs: spec.horizonMs,
    runUntil: row.run_until.getTime(),
  };
}

/**
 * The facts of a batch of stored customers, read in three queries (four with segments: one per
 * customer, at their entry): traits, the events the plan and its trigger read up to the horizon after
 * the customer's last possible entry (and never after `runUntil`), and the marketing touches caps count.
 */
export async function readStoredCustomers(db: Queryable, spec: BacktestSpec, customerIds: string[]): Promise<StoredCustomer[]> {
  const needs = planNeeds(spec.plan);
  const trigger = spec.plan.trigger;
  const names = [...new Set([...needs.eventNames, ...(trigger.kind === 'event' ? [trigger.event] : [])])];
  const longestCap = Math.max(0, ...Object.values(spec.caps).map((c) => c.windowMs));
  const [traits, rows, sends] = await Promise.all([
    new CustomersRepository(db).traitsOfMany(customerIds),
    trigger.kind === 'event'
      ? new EventsRepository(db).historiesOf(customerIds, names, { event: trigger.event, fromMs: spec.from, toMs: spec.to, horizonMs: spec.horizonMs }, spec.runUntil)
      : Promise.resolve([]),
    longestCap > 0 ? new SendHistoryRepository(db).marketingSendsOfCustomers(customerIds, spec.from - longestCap, spec.to) : Promise.resolve([]),
  ]);
  const events = groupBy(rows, (r) => r.customer_id, (r): CustomerEvent => ({ eventId: r.event_id, name: r.name, eventTime: r.event_ms, properties: r.properties }));
  const sent = groupBy(sends, (s) => s.customerId, (s) => ({ action: s.action, at: s.at }));
  const customers = customerIds.map((id) => ({ id, traits: traits.get(id) ?? {}, events: events.get(id) ?? [], segments: {}, sentBefore: sent.get(id) ?? [] }));
  if (needs.segments.length > 0) {
    for (const c of customers) {
      const entry = entryEventOf(spec.plan, spec, c.events);
      // Decided at the entry. A segment that cannot be compiled is left out: the run fails at its condition, as in production.
      if (entry) {
        c.segments = await segmentMembership(db, c.id, needs.segments, { now: new Date(entry.eventTime) }).catch((err: unknown) => {
          if (err instanceof EngineError) return {};
          throw err;
        });
      }
    }
  }
  return customers;
}

export class BacktestRunner {
  private readonly backtests: BacktestsRepository;

  constructor(private readonly db: DataSource) {
    this.backtests = new BacktestsRepository(db);
  }

  /** Numbers the population once (a retry finds it numbered) and returns the cursor to start after; null when the backtest no longer runs. */
  async begin(id: string): Promise<{ after: number | null }> {
    return this.db.transaction(async (tx) => {
      const row = await this.backtests.lockById(id, tx);
      if (!row || row.status !== 'running') return { after: null };
      if (row.total !== null) return { after: row.after_ord ?? 0 };
      const spec = specOfRow(row);
      if (spec.plan.trigger.kind !== 'event') throw new Error('a backtest needs an event trigger');
      const segment = row.segment === null ? null : await compileWithStoredSegments(tx, { segment: row.segment }, { paramOffset: 5 });
      const total = await this.backtests.populate(id, { event: spec.plan.trigger.event, from: row.window_from, to: row.window_to, sample: row.sample, segment }, tx);
      await this.backtests.setTotal(id, total, tx);
      return { after: 0 };
    });
  }

  /** Replays the next `limit` customers after position `after` and records them. */
  async page(id: string, after: number, limit: number): Promise<BacktestPage> {
    const row = await this.backtests.byId(id);
    if (!row || row.status !== 'running') return { processed: 0, last: null };
    const taken = await this.backtests.populationAfter(id, after, limit);
    if (taken.length === 0) return { processed: 0, last: null };
    const spec = specOfRow(row);
    const figures = await replayPage(this.db, spec, taken.map((t) => t.customer_id));
    const last = taken[taken.length - 1].ord;
    return this.db.transaction(async (tx) => {
      const current = await this.backtests.lockById(id, tx);
      if (!current || current.status !== 'running') return { processed: 0, last: null };
      // Recorded already by an earlier attempt of this page: carry on from where it got to.
      if (current.after_ord !== after) return { processed: 0, last: current.after_ord };
      const merged = mergeFigures((current.figures as BacktestFigures | null) ?? emptyFigures(), figures);
      await this.backtests.recordPage(id, { last, processed: taken.length, figures: merged }, tx);
      return { processed: taken.length, last };
    });
  }

  /** Ends the backtest (a cancelled one stays cancelled) with the journey's live figures over the same window, and drops its population. */
  async finish(id: string, status: 'completed' | 'failed', error: string | null): Promise<void> {
    const row = await this.backtests.byId(id);
    if (!row) return;
    const live = await this.backtests.liveFigures(row.journey_id, row.window_from, row.window_to);
    const liveView =
      live.entered === 0
        ? null
        : {
            entered: live.entered,
            ended: live.ended.reduce<Record<string, Record<string, number>>>((acc, r) => ({ ...acc, [r.status]: { ...acc[r.status], [r.reason ?? '']: r.n } }), {}),
            nodes: Object.fromEntries(live.nodes.map((n) => [n.node_id, n.n])),
          };
    await this.backtests.finish(id, { status, error, live: liveView });
  }
}

/** Customers read per query within a page: the next part is read while this one is replayed. */
const READ_AHEAD_PART = 250;

/**
 * The figures of a page of stored customers, read in parts: while one part is replayed (CPU, here),
 * PostgreSQL already reads the next (its own process), so reads and replay overlap.
 */
export async function replayPage(db: Queryable, spec: BacktestSpec, customerIds: string[]): Promise<BacktestFigures> {
  const parts: string[][] = [];
  for (let i = 0; i < customerIds.length; i += READ_AHEAD_PART) parts.push(customerIds.slice(i, i + READ_AHEAD_PART));
  let figures = emptyFigures();
  let next = parts.length > 0 ? readStoredCustomers(db, spec, parts[0]) : null;
  for (let i = 0; next; i++) {
    const customers = await next;
    next = i + 1 < parts.length ? readStoredCustomers(db, spec, parts[i + 1]) : null;
    figures = mergeFigures(figures, replayFigures(spec, customers));
  }
  return figures;
}

/** The figures of one batch of stored customers. */
export function replayFigures(spec: BacktestSpec, customers: StoredCustomer[]): BacktestFigures {
  const figures = emptyFigures();
  for (const customer of customers) addToFigures(figures, backtestCustomer(spec, customer));
  return figures;
}

function groupBy<T, V>(items: T[], key: (t: T) => string, value: (t: T) => V): Map<string, V[]> {
  const out = new Map<string, V[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(value(item));
    else out.set(k, [value(item)]);
  }
  return out;
}
