/**
 * A backtest: replays a journey over its stored population page by page, outside the request that
 * asked for it. The workflow id is the backtest id (`backtests` row, `GET /v1/journeys/:id/backtests/:backtestId`).
 * Deterministic: reading, replaying and recording are activities. Long backtests continue as new,
 * carrying the cursor; a cancelled backtest ends at its next page.
 */
import * as wf from '@temporalio/workflow';
import type { BacktestActivities } from '../activities/backtest.js';
import type { BacktestInput } from '../engine/workflow-contract.js';

/** Taking the population and replaying pages: transient faults (PostgreSQL briefly away) retry. */
const bulk = wf.proxyActivities<BacktestActivities>({
  startToCloseTimeout: '10m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 20 },
});

/** Recording the end: must eventually succeed. */
const bookkeeping = wf.proxyActivities<BacktestActivities>({
  startToCloseTimeout: '1m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
});

/** Continue as new past this many history events even when the server does not suggest it yet. */
const MAX_HISTORY_EVENTS = 10_000;

export async function journeyBacktest(input: BacktestInput): Promise<{ status: 'completed' | 'failed'; error?: string }> {
  const backtestId = wf.workflowInfo().workflowId;
  try {
    let after = input.continued ? input.continued.after : (await bulk.beginBacktest({ backtestId })).after;
    while (after !== null) {
      const page = await bulk.backtestPage({ backtestId, after, batchSize: input.batchSize });
      if (page.last === null) break;
      after = page.last;
      const info = wf.workflowInfo();
      if (info.continueAsNewSuggested || info.historyLength > MAX_HISTORY_EVENTS) {
        return await wf.continueAsNew<typeof journeyBacktest>({ ...input, continued: { after } });
      }
    }
  } catch (err) {
    // Retries exhausted: the backtest ends as failed, with the figures of the pages done.
    if (!(err instanceof wf.ActivityFailure)) throw err;
    const error = err.cause?.message ?? err.message;
    await bookkeeping.finishBacktest({ backtestId, status: 'failed', error });
    return { status: 'failed', error };
  }
  await bookkeeping.finishBacktest({ backtestId, status: 'completed' });
  return { status: 'completed' };
}
