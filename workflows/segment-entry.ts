/**
 * Segment-triggered bulk entry: enrolls every member of a segment into a journey, page by page, at
 * most `ratePerSecond` enrollment attempts per second. Started once through the API or by a Temporal
 * Schedule. Deterministic: membership, enrollment and progress are activities; pacing uses the
 * workflow's clock and timers. Long runs continue as new, carrying the cursor.
 */
import * as wf from '@temporalio/workflow';
import type { SegmentEntryActivities } from '../activities/segment-entry.js';
import type { SegmentEntryInput, DurableWorkResult } from '../engine/workflow-contract.js';

/** Paging and enrolling: a page may take a while on a large, sparse segment; transient faults retry. */
const bulk = wf.proxyActivities<SegmentEntryActivities>({
  startToCloseTimeout: '10m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 10 },
});

/** Recording the end: must eventually succeed. */
const bookkeeping = wf.proxyActivities<SegmentEntryActivities>({
  startToCloseTimeout: '15s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
});

/** Continue as new past this many history events even when the server does not suggest it yet. */
const MAX_HISTORY_EVENTS = 10_000;

export async function segmentEntry(input: SegmentEntryInput): Promise<DurableWorkResult> {
  const runId = wf.workflowInfo().workflowId;
  // Pages no larger than one second's worth keep the pace smooth instead of bursty.
  const pageSize = input.ratePerSecond ? Math.max(1, Math.min(input.batchSize, input.ratePerSecond)) : input.batchSize;
  try {
    let after = input.continued
      ? input.continued.after
      : (
          await bulk.beginSegmentRun({
            runId,
            journeyId: input.journeyId,
            segment: input.segment,
            scheduleId: input.scheduleId,
            batchSize: input.batchSize,
            ratePerSecond: input.ratePerSecond,
          })
        ).after;
    for (;;) {
      const startedAt = Date.now();
      const page = await bulk.enrollSegmentBatch({
        runId,
        journeyId: input.journeyId,
        segment: input.segment,
        after,
        batchSize: pageSize,
        defaults: input.defaults,
      });
      if (page.last === null) break;
      after = page.last;
      if (input.ratePerSecond) {
        const due = (page.processed / input.ratePerSecond) * 1000 - (Date.now() - startedAt);
        if (due > 0) await wf.sleep(due);
      }
      const info = wf.workflowInfo();
      if (info.continueAsNewSuggested || info.historyLength > MAX_HISTORY_EVENTS) {
        return await wf.continueAsNew<typeof segmentEntry>({ ...input, continued: { after } });
      }
    }
  } catch (err) {
    // A permanent failure (journey no longer active, segment deleted, retries exhausted) ends the run as failed.
    if (!(err instanceof wf.ActivityFailure)) throw err;
    const error = err.cause?.message ?? err.message;
    await bookkeeping.finishSegmentRun({ runId, status: 'failed', error });
    return { status: 'failed', error };
  }
  await bookkeeping.finishSegmentRun({ runId, status: 'completed' });
  return { status: 'completed' };
}
