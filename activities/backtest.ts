/**
 * A backtest, carried out durably: the activities of the `journeyBacktest` workflow. Each page is
 * replayed in the engine and recorded with its cursor (core/simulation/backtest-runner.ts), so a
 * retried page is not counted twice. Nothing is sent and no run is enrolled.
 */
import type { DataSource } from 'typeorm';
import { BacktestRunner, type BacktestPage } from '../core/simulation/backtest-runner.js';

/** The activities the journeyBacktest workflow proxies (type-only import from workflows/). */
export type BacktestActivities = ReturnType<typeof createBacktestActivities>;

export function createBacktestActivities(db: DataSource) {
  const runner = new BacktestRunner(db);
  return {
    /** Takes the population once (a retry finds it taken); null when the backtest no longer runs (cancelled). */
    async beginBacktest(req: { backtestId: string }): Promise<{ after: number | null }> {
      return runner.begin(req.backtestId);
    },

    /** Replays and records the next page of customers after position `after`. */
    async backtestPage(req: { backtestId: string; after: number; batchSize: number }): Promise<BacktestPage> {
      return runner.page(req.backtestId, req.after, req.batchSize);
    },

    /** Marks the backtest finished, with the live figures beside it. */
    async finishBacktest(req: { backtestId: string; status: 'completed' | 'failed'; error?: string }): Promise<void> {
      await runner.finish(req.backtestId, req.status, req.error ?? null);
    },
  };
}
