/**
 * A stop's `exit_now`: asks every live run of a journey to exit, page by page, outside the request
 * that stopped it. The workflow id is the operation id (`operations` row, `GET /v1/operations/:id`).
 * Deterministic: reading runs, signalling them and progress are activities. Long runs continue as
 * new, carrying the cursor.
 */
import * as wf from '@temporalio/workflow';
import type { JourneyExitActivities } from '../activities/journey-exit.js';
import type { JourneyExitInput } from '../engine/workflow-contract.js';

/** Paging and signalling: transient faults (Temporal or PostgreSQL briefly away) retry. */
const bulk = wf.proxyActivities<JourneyExitActivities>({
  startToCloseTimeout: '5m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 20 },
});

/** Recording the end: must eventually succeed. */
const bookkeeping = wf.proxyActivities<JourneyExitActivities>({
  startToCloseTimeout: '15s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
});

/** Continue as new past this many history events even when the server does not suggest it yet. */
const MAX_HISTORY_EVENTS = 10_000;

export async function journeyExit(input: JourneyExitInput): Promise<{ status: 'completed' | 'failed'; error?: string }> {
  const operationId = wf.workflowInfo().workflowId;
  try {
    let after = input.continued ? input.continued.after : (await bulk.beginJourneyExit({ operationId, journeyId: input.journeyId })).after;
    for (;;) {
      const page = await bulk.exitJourneyBatch({
        operationId,
        journeyId: input.journeyId,
        after,
        batchSize: input.batchSize,
        reason: input.reason,
        requestedBy: input.requestedBy,
        defaults: input.defaults,
      });
      if (page.last === null) break;
      after = page.last;
      const info = wf.workflowInfo();
      if (info.continueAsNewSuggested || info.historyLength > MAX_HISTORY_EVENTS) {
        return await wf.continueAsNew<typeof journeyExit>({ ...input, continued: { after } });
      }
    }
  } catch (err) {
    // Retries exhausted: the operation ends as failed, with what was left (runs not asked stay live).
    if (!(err instanceof wf.ActivityFailure)) throw err;
    const error = err.cause?.message ?? err.message;
    await bookkeeping.finishOperation({ operationId, status: 'failed', error });
    return { status: 'failed', error };
  }
  await bookkeeping.finishOperation({ operationId, status: 'completed' });
  return { status: 'completed' };
}
