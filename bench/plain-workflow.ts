/**
 * The baseline of the enrollment benchmark: a plain Temporal workflow with the same shape as one
 * journey run of the benchmark journey (as many activities before and after its timer as the journey
 * run schedules, one of them sending the SMS through the same Twilio channel), but none of the
 * engine's bookkeeping. Bundled on its own and run by a second worker on its own task queue.
 * Imports only @temporalio/workflow and activity types, like workflows/.
 */
import * as wf from '@temporalio/workflow';
import type { PlainActivities } from './plain-activities.js';

export interface PlainRunInput {
  /** Recipient of the one SMS. */
  to: string;
  body: string;
  /** No-op activities before the timer. */
  activitiesBeforeTimer: number;
  /** Activities after the timer, the SMS send included (at least 1). */
  activitiesAfterTimer: number;
  timerMs: number;
}

const { noop, sendSms } = wf.proxyActivities<PlainActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', maximumInterval: '1m' },
});

export async function plainRun(input: PlainRunInput): Promise<string> {
  for (let i = 0; i < input.activitiesBeforeTimer; i++) await noop(i);
  await wf.sleep(input.timerMs);
  const afterNoops = Math.max(0, input.activitiesAfterTimer - 1);
  // The journey decides, sends, then records: one no-op before the send, the rest after it.
  const beforeSend = Math.min(1, afterNoops);
  for (let i = 0; i < beforeSend; i++) await noop(i);
  const sid = await sendSms({ to: input.to, body: input.body, key: `${wf.workflowInfo().workflowId}:sms` });
  for (let i = beforeSend; i < afterNoops; i++) await noop(i);
  return sid;
}
