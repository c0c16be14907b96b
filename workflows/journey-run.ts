/**
 * The interpreter workflow: a thin Temporal driver of the engine's state machine (engine/interpreter.ts).
 * One run per enrollment. It carries out each command the machine asks for (an activity, a timer, a
 * patch check, continue-as-new) and feeds the outcome back; signals are folded into the state between
 * steps. Deterministic by construction: the plan arrives as input, time is the workflow's clock, every
 * side effect is an activity, and every step is written to PostgreSQL through `recordSteps`.
 */
import * as wf from '@temporalio/workflow';
import type { JourneyActivities } from '../activities/index.js';
import {
  initialRunState,
  receiveEvent,
  receiveExit,
  resumeStateOf,
  stepRun,
  waitIsOver,
  historyTooLong,
  type RunClock,
  type RunCommand,
  type RunMessage,
} from '../engine/interpreter.js';
import type { JourneyRunInput, JourneyRunResult } from '../engine/runtime.js';
import { customerEventSignal, enrollmentStateQuery, exitEnrollmentSignal } from '../engine/workflow-contract.js';

/** Bookkeeping writes: must eventually succeed, so they retry until the database is back. */
const bookkeeping = wf.proxyActivities<JourneyActivities>({
  startToCloseTimeout: '15s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
});

/** Reads for decisions and waits: retried while transient; non-retryable failures end the run as failed. */
const lookups = wf.proxyActivities<JourneyActivities>({
  startToCloseTimeout: '15s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', nonRetryableErrorTypes: ['unknown_segment', 'nested_segment', 'missing_fact'] },
});

/** Touches: bounded retries with backoff; when they run out the failure is recorded and the canvas decides. */
const touches = wf.proxyActivities<JourneyActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '5m', maximumAttempts: 10 },
});

const clock = (): RunClock => {
  const info = wf.workflowInfo();
  return { now: Date.now(), historyLength: info.historyLength, continueAsNewSuggested: info.continueAsNewSuggested };
};

export async function journeyRun(input: JourneyRunInput): Promise<JourneyRunResult> {
  let state = initialRunState(input, Date.now());
  wf.setHandler(customerEventSignal, (event) => {
    state = receiveEvent(input, state, event);
  });
  wf.setHandler(exitEnrollmentSignal, (request) => {
    state = receiveExit(state, request);
  });
  wf.setHandler(enrollmentStateQuery, () => ({ nodeId: state.nodeId, waitingUntil: state.waitingUntil, path: [...state.path], ended: state.ended }));

  let message: RunMessage = { type: 'start' };
  for (;;) {
    const stepped = stepRun(input, state, message, clock());
    state = stepped.state;
    const command: RunCommand = stepped.command;
    switch (command.type) {
      case 'complete':
        return command.result;
      case 'continue_as_new':
        await wf.condition(wf.allHandlersFinished);
        return wf.continueAsNew<typeof journeyRun>({ ...input, resume: resumeStateOf(state, command.wait) });
      case 'patched':
        message = { type: 'patched', value: wf.patched(command.patchId) };
        break;
      case 'record_steps':
        await bookkeeping.recordSteps(command.request);
        message = { type: 'recorded' };
        break;
      case 'load_customer':
        message = { type: 'customer_loaded', customer: await lookups.loadCustomer(command.customerId) };
        break;
      case 'wait': {
        const remaining = command.until - Date.now();
        if (remaining > 0) await wf.condition(() => waitIsOver(input, state) || historyTooLong(input, clock()), remaining);
        message = { type: 'woke' };
        break;
      }
      case 'evaluate':
        message = await failureAsMessage(async () => ({ type: 'evaluated', result: await lookups.evaluateConditions(command.request) }));
        break;
      case 'find_event':
        message = await failureAsMessage(async () => ({ type: 'found', event: await lookups.findEvent(command.request) }));
        break;
      case 'perform_action':
        message = await failureAsMessage(async () => ({ type: 'performed', outcome: await touches.performAction(command.request) }));
        break;
    }
  }
}

/** An activity that failed for good becomes a message the machine decides on (fail the run, or follow the canvas). */
async function failureAsMessage(call: () => Promise<RunMessage>): Promise<RunMessage> {
  try {
    return await call();
  } catch (err) {
    return { type: 'activity_failed', code: failureCode(err), message: failureMessage(err) };
  }
}

function failureCode(err: unknown): string {
  if (err instanceof wf.ActivityFailure && err.cause instanceof wf.ApplicationFailure) return err.cause.type ?? 'activity_failed';
  if (err instanceof wf.ActivityFailure) return 'retries_exhausted';
  return 'activity_failed';
}

function failureMessage(err: unknown): string {
  if (err instanceof wf.ActivityFailure && err.cause) return err.cause.message;
  return err instanceof Error ? err.message : String(err);
}
