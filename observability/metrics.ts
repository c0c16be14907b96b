/**
 * Prometheus metrics (prom-client), in two places:
 * - the API's `GET /metrics`: gauges computed from PostgreSQL at scrape time (enrollments, node
 *   transitions, waits, the send ledger, stuck runs), right however many workers run;
 * - each worker's metrics server: activity durations and failures and provider latency, measured
 *   in that process.
 * Each process owns its own Registry (no global state), so tests can build as many as they like.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { errorFields, noopLogger, type Logger } from './logger.js';
import { countStuckRuns, type StuckThresholds } from './stuck-runs.js';
import { withReadOnlySnapshot } from '../store/data-source.js';
import type { Queryable } from '../store/queryable.js';
import { RuntimeGaugesRepository } from '../store/runtime-gauges.repository.js';

/** The text exposition format's content type (what Prometheus expects). */
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

// ---------------------------------------------------------------------------------------------
// Worker side

/** The worker process's metrics. */
export interface WorkerMetrics {
  registry: Registry;
  activityDuration: Histogram<'activity' | 'outcome'>;
  activityFailures: Counter<'activity' | 'error_type'>;
  providerLatency: Histogram<'action' | 'provider'>;
}

/** Builds the worker's registry (with Node's process metrics unless `processMetrics` is false). */
export function createWorkerMetrics(opts: { processMetrics?: boolean } = {}): WorkerMetrics {
  const registry = new Registry();
  if (opts.processMetrics !== false) collectDefaultMetrics({ register: registry });
  return {
    registry,
    activityDuration: new Histogram({
      name: 'je_activity_duration_seconds',
      help: 'Duration of activity executions in this worker, by activity and outcome (success or failure)',
      labelNames: ['activity', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    activityFailures: new Counter({
      name: 'je_activity_failures_total',
      help: 'Activity executions that threw (Temporal retries or fails them), by activity and error type',
      labelNames: ['activity', 'error_type'],
      registers: [registry],
    }),
    providerLatency: new Histogram({
      name: 'je_provider_latency_seconds',
      help: 'Time a channel took to carry out a touch (the provider call), by action and provider',
      labelNames: ['action', 'provider'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
  };
}

type ActivityFunction = (...args: never[]) => Promise<unknown>;

/** The same activities, each timed into `je_activity_duration_seconds` and counted in `je_activity_failures_total` when it throws. */
export function instrumentActivities<T extends Record<string, ActivityFunction>>(activities: T, metrics: WorkerMetrics): T {
  const wrapped: Record<string, ActivityFunction> = {};
  for (const [name, fn] of Object.entries(activities)) {
    wrapped[name] = async (...args: never[]) => {
      const stop = metrics.activityDuration.startTimer({ activity: name });
      try {
        const result = await fn(...args);
        stop({ outcome: 'success' });
        return result;
      } catch (err) {
        stop({ outcome: 'failure' });
        metrics.activityFailures.inc({ activity: name, error_type: String(errorFields(err).errorType) });
        throw err;
      }
    };
  }
  return wrapped as T;
}

// ---------------------------------------------------------------------------------------------
// API side: computed from PostgreSQL

export interface RuntimeMetricsOptions {
  db: DataSource;
  /** Thresholds of `je_stuck_runs` (the stuck-runs API's defaults). */
  stuck: StuckThresholds;
  /** Every query of one scrape runs under this statement timeout; default 5 s. */
  timeoutMs?: number;
  /** Node's process metrics as well; default true. */
  processMetrics?: boolean;
  /** Where a failed scrape is reported. */
  logger?: Logger;
}

/** The API's view of its dependencies and of the event outbox, kept as things happen (not read from PostgreSQL). */
export interface DependencyMetrics {
  /** 1 while this API instance reaches the dependency, 0 during an outage it has confirmed. */
  up: Gauge<'dependency'>;
  /** Outages this instance has seen start. */
  outages: Counter<'dependency'>;
  /** Requests answered 503 dependency_unavailable. */
  unavailableResponses: Counter<'dependency'>;
  /** Events whose dispatch completed, by where: in the request that stored them, or by the outbox loop. */
  eventsDispatched: Counter<'path'>;
  /** Event dispatches that failed and were left for the outbox, by the dependency that failed (or `other`). */
  eventDispatchFailures: Counter<'reason'>;
}

/** The API's metrics: `collect()` refreshes every PostgreSQL gauge, then renders the registry. */
export interface RuntimeMetrics {
  registry: Registry;
  dependencies: DependencyMetrics;
  /** The exposition text of one scrape. A failed refresh leaves the gauges empty and `je_metrics_scrape_success` 0. */
  collect(): Promise<string>;
}

/** A metric filled from a family's rows: its labels (a subset of the rows' labels; rows are summed over the others). */
interface Output {
  metric: Gauge<string> | Counter<string>;
  labels: string[];
}

interface Family {
  /** One grouped count: each row is the labels plus `n`. */
  read: (tx: Queryable) => Promise<Record<string, string | number>[]>;
  outputs: Output[];
}

/** Sets `output` from `rows`: a gauge to each sum, a counter (reset first) increased by it. */
function publish(output: Output, rows: Record<string, string | number>[]): void {
  const sums = new Map<string, { labels: Record<string, string>; n: number }>();
  for (const row of rows) {
    const labels = Object.fromEntries(output.labels.map((l) => [l, String(row[l])]));
    const key = JSON.stringify(labels);
    const entry = sums.get(key) ?? { labels, n: 0 };
    entry.n += Number(row.n);
    sums.set(key, entry);
  }
  output.metric.reset();
  for (const { labels, n } of sums.values()) {
    if (output.metric instanceof Counter) output.metric.inc(labels, n);
    else output.metric.set(labels, n);
  }
}

/** Creates the API's registry. */
export function createRuntimeMetrics(opts: RuntimeMetricsOptions): RuntimeMetrics {
  const registry = new Registry();
  if (opts.processMetrics !== false) collectDefaultMetrics({ register: registry });
  const counts = new RuntimeGaugesRepository(opts.db);
  const gauge = (name: string, help: string, labelNames: string[]) => new Gauge({ name, help, labelNames, registers: [registry] });
  const gaugeOut = (name: string, help: string, labels: string[]): Output => ({ metric: gauge(name, help, labels), labels });
  // Counts of rows that are only ever added (enrollments, steps, ledger rows): real counters, so
  // rate() and increase() apply; their value is read from PostgreSQL at each scrape, the same on every API instance.
  const counterOut = (name: string, help: string, labels: string[]): Output => ({ metric: new Counter({ name, help, labelNames: labels, registers: [registry] }), labels });

  const families: Family[] = [
    {
      read: (tx) => counts.enrollmentsByStatus(tx),
      outputs: [
        counterOut('je_enrollments_total', 'Enrollments (runs) ever created, by journey', ['journey_id']),
        gaugeOut('je_enrollments', 'Enrollments by journey and current status (pending, active, completed, converted, exited, failed)', ['journey_id', 'status']),
      ],
    },
    {
      read: (tx) => counts.nodeEntries(tx),
      outputs: [counterOut('je_node_transitions_total', 'Times runs entered each node (node_entered steps), by journey and node', ['journey_id', 'node_id'])],
    },
    {
      read: (tx) => counts.waitsInProgress(tx),
      outputs: [gaugeOut('je_waits_in_progress', 'Active runs waiting right now (waiting_until set), by journey and node', ['journey_id', 'node_id'])],
    },
    {
      read: (tx) => counts.messagesByStatus(tx),
      outputs: [
        counterOut('je_messages_total', 'Touches ever recorded in the send ledger, by action', ['action']),
        gaugeOut('je_messages', 'Touches in the send ledger by action and current ledger status', ['action', 'status']),
      ],
    },
    {
      read: (tx) => counts.suppressedSends(tx),
      outputs: [
        counterOut('je_suppressed_sends_total', 'Touches held back before reaching a provider (consent, frequency cap, no recipient; quiet_hours: deferred to the end of quiet hours), by action and reason', ['action', 'reason']),
      ],
    },
    {
      read: (tx) => counts.outboxPending(tx),
      outputs: [gaugeOut('je_event_outbox_pending', 'Stored events whose dispatch to journeys has not completed yet (the outbox backlog)', [])],
    },
    {
      read: (tx) => counts.outboxOldestSeconds(tx),
      outputs: [gaugeOut('je_event_outbox_oldest_seconds', 'Age of the oldest stored event not dispatched yet (0 when none)', [])],
    },
  ];
  const dependencies: DependencyMetrics = {
    up: new Gauge({ name: 'je_dependency_up', help: '1 while this API instance reaches the dependency (database, temporal), 0 during an outage', labelNames: ['dependency'], registers: [registry] }),
    outages: new Counter({ name: 'je_dependency_outages_total', help: 'Outages of a dependency this API instance has seen start', labelNames: ['dependency'], registers: [registry] }),
    unavailableResponses: new Counter({
      name: 'je_dependency_unavailable_responses_total',
      help: 'Requests answered 503 dependency_unavailable, by the dependency that was unreachable',
      labelNames: ['dependency'],
      registers: [registry],
    }),
    eventsDispatched: new Counter({
      name: 'je_events_dispatched_total',
      help: 'Events dispatched to journeys by this instance: in the request that stored them (request) or by the outbox loop (outbox)',
      labelNames: ['path'],
      registers: [registry],
    }),
    eventDispatchFailures: new Counter({
      name: 'je_event_dispatch_failures_total',
      help: 'Event dispatches that failed and stay in the outbox, by reason (database, temporal, other)',
      labelNames: ['reason'],
      registers: [registry],
    }),
  };
  const stuckRuns = gauge('je_stuck_runs', 'Live runs that are not moving, by journey and reason (see GET /v1/operations/stuck-runs)', ['journey_id', 'reason']);
  const scrapeSuccess = gauge('je_metrics_scrape_success', '1 when the last scrape read every gauge from PostgreSQL, 0 when it failed or timed out', []);
  const scrapeDuration = gauge('je_metrics_scrape_duration_seconds', 'How long the last scrape took to read PostgreSQL', []);
  const timeoutMs = Math.max(1, Math.round(opts.timeoutMs ?? 5_000));

  async function refresh(): Promise<void> {
    // One read-only transaction: a consistent snapshot, one pooled connection, one timeout for all.
    const results = await withReadOnlySnapshot(opts.db, timeoutMs, async (tx) => {
      const rows: Record<string, string | number>[][] = [];
      for (const family of families) rows.push(await family.read(tx));
      return { rows, stuck: await countStuckRuns(tx, opts.stuck) };
    });
    families.forEach((family, i) => {
      for (const output of family.outputs) publish(output, results.rows[i]);
    });
    stuckRuns.reset();
    for (const s of results.stuck) stuckRuns.set({ journey_id: s.journeyId, reason: s.reason }, s.count);
  }

  return {
    registry,
    dependencies,
    async collect() {
      const started = process.hrtime.bigint();
      try {
        await refresh();
        scrapeSuccess.set(1);
      } catch (err) {
        (opts.logger ?? noopLogger).warn('metrics: reading the gauges from PostgreSQL failed', errorFields(err));
        for (const family of families) for (const output of family.outputs) output.metric.reset();
        stuckRuns.reset();
        scrapeSuccess.set(0);
      }
      scrapeDuration.set(Number(process.hrtime.bigint() - started) / 1e9);
      return registry.metrics();
    },
  };
}
