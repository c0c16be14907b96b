/**
 * What this API instance knows about its dependencies' outages. A failure that says "unreachable" is
 * reported here; the monitor confirms it with a probe, logs ONE warning when the outage starts and
 * one when it ends (not a stack per request), keeps `je_dependency_up` current, and probes every
 * half second until the dependency answers again. Routes use `isDown` to answer 503 at once instead of
 * waiting for a deadline, and the event outbox to pause while Temporal is gone.
 */
import type { Client } from '@temporalio/client';
import type { DataSource } from 'typeorm';
import { errorFields, type Logger } from '../observability/logger.js';
import type { DependencyMetrics } from '../observability/metrics.js';
import { withTemporalDeadline, type Dependency } from './dependencies.js';

/** The part of the monitor the services use (tests pass a stub). */
export interface DependencyStatus {
  isDown(dependency: Dependency): boolean;
  /** `err` said the dependency is unreachable: confirm with a probe and, if so, start an outage. */
  reportFailure(dependency: Dependency, err: unknown): void;
}

const DEPENDENCIES: Dependency[] = ['database', 'temporal'];
const PROBE_TIMEOUT_MS = 1_000;

export interface DependencyMonitorOptions {
  probes: Record<Dependency, () => Promise<unknown>>;
  logger: Logger;
  metrics?: DependencyMetrics;
  /** How often a dependency that is down is probed; default 500 ms. */
  probeIntervalMs?: number;
}

export class DependencyMonitor implements DependencyStatus {
  private readonly outages = new Map<Dependency, { since: number; timer: NodeJS.Timeout }>();
  private readonly probing = new Set<Dependency>();
  private closed = false;

  constructor(private readonly options: DependencyMonitorOptions) {
    for (const dependency of DEPENDENCIES) options.metrics?.up.set({ dependency }, 1);
  }

  /** Probes that ask PostgreSQL for `SELECT 1` and Temporal for its system info, each within 1 s. */
  static probesOf(db: DataSource, temporal: Client): Record<Dependency, () => Promise<unknown>> {
    return {
      database: () => withTimeout(db.query('SELECT 1'), PROBE_TIMEOUT_MS),
      temporal: () => withTemporalDeadline(temporal, PROBE_TIMEOUT_MS, () => temporal.workflowService.getSystemInfo({})),
    };
  }

  isDown(dependency: Dependency): boolean {
    return this.outages.has(dependency);
  }

  reportFailure(dependency: Dependency, err: unknown): void {
    if (this.closed || this.outages.has(dependency) || this.probing.has(dependency)) return;
    this.probing.add(dependency);
    void this.probe(dependency).then((up) => {
      this.probing.delete(dependency);
      if (!up && !this.closed && !this.outages.has(dependency)) this.startOutage(dependency, err);
    });
  }

  /** Stops probing (at shutdown). */
  close(): void {
    this.closed = true;
    for (const { timer } of this.outages.values()) clearInterval(timer);
  }

  private startOutage(dependency: Dependency, err: unknown): void {
    const since = Date.now();
    let inFlight = false;
    const timer = setInterval(() => {
      if (inFlight) return;
      inFlight = true;
      void this.probe(dependency).then((up) => {
        inFlight = false;
        if (up && this.outages.get(dependency)?.timer === timer) this.endOutage(dependency);
      });
    }, this.options.probeIntervalMs ?? 500);
    timer.unref();
    this.outages.set(dependency, { since, timer });
    this.options.metrics?.up.set({ dependency }, 0);
    this.options.metrics?.outages.inc({ dependency });
    this.options.logger.warn(`api: ${dependency} unavailable; answering 503 dependency_unavailable until it is back`, { dependency, ...errorFields(err) });
  }

  private endOutage(dependency: Dependency): void {
    const outage = this.outages.get(dependency);
    if (!outage) return;
    clearInterval(outage.timer);
    this.outages.delete(dependency);
    this.options.metrics?.up.set({ dependency }, 1);
    const seconds = Math.round((Date.now() - outage.since) / 100) / 10;
    this.options.logger.warn(`api: ${dependency} available again after ${seconds} s`, { dependency, outageSeconds: seconds });
  }

  private async probe(dependency: Dependency): Promise<boolean> {
    try {
      await this.options.probes[dependency]();
      return true;
    } catch {
      return false;
    }
  }
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
