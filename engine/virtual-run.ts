/**
 * Drives the interpreter (engine/interpreter.ts) on a virtual clock, with no Temporal and no I/O:
 * the world answers lookups and actions synchronously, scripted events arrive at their times, and
 * waits jump the clock. Used by the interpreter's unit tests and by journey simulations (engine/simulation/).
 */
import {
  initialRunState,
  receiveEvent,
  receiveExit,
  stepRun,
  waitIsOver,
  type RunCommand,
  type RunMessage,
  type RunState,
} from './interpreter.js';
import type {
  ActionOutcome,
  ActionRequest,
  CustomerEvent,
  EvaluateConditionsInput,
  EvaluateConditionsResult,
  FindEventInput,
  JourneyRunInput,
  RecordStepsInput,
  ResumeState,
} from './runtime.js';

/**
 * What a virtual run asks of the outside world. A thrown error is an activity that failed for good.
 * `now` is the virtual clock when the command is carried out (what a database read would see).
 */
export interface VirtualWorld {
  evaluate(request: EvaluateConditionsInput, now: number): EvaluateConditionsResult;
  findEvent(request: FindEventInput, now: number): CustomerEvent | null;
  customerTimeZone(customerId: string, now: number): string | null;
  perform(request: ActionRequest, now: number): ActionOutcome;
  /** Answer to a patch check; new runs take the patched branch. */
  patched?(patchId: string): boolean;
}

/** Something that happens to the run at a virtual time: a customer event (signal) or an exit request. */
export type ScriptedArrival =
  | { at: number; event: CustomerEvent }
  | { at: number; exit: { reason: string; requestedBy?: string } };

export interface VirtualRunOptions {
  arrivals?: ScriptedArrival[];
  /** Stop (leaving the run where it is) when the clock would pass this instant. */
  horizon?: number;
  /** History length the driver reports at each step (a function of the step count), to exercise continue-as-new. */
  historyLength?: (steps: number) => number;
}

/** How a virtual run stopped, with every command it issued in order. */
export interface VirtualRunResult {
  outcome: Extract<RunCommand, { type: 'complete' | 'continue_as_new' }> | { type: 'horizon' };
  state: RunState;
  commands: RunCommand[];
  /** Every `recordSteps` request, in order. */
  writes: RecordStepsInput[];
  now: number;
  /** The input to continue with, when the run continued as new. */
  resume?: ResumeState;
}

const MAX_COMMANDS = 100_000;

export function runOnVirtualClock(input: JourneyRunInput, world: VirtualWorld, start: number, options: VirtualRunOptions = {}): VirtualRunResult {
  const arrivals = [...(options.arrivals ?? [])].sort((a, b) => a.at - b.at);
  let now = start;
  let state = initialRunState(input, now);
  const commands: RunCommand[] = [];
  const writes: RecordStepsInput[] = [];
  let message: RunMessage = { type: 'start' };

  const deliverUpTo = (t: number) => {
    while (arrivals.length > 0 && arrivals[0].at <= t) {
      const next = arrivals.shift()!;
      now = Math.max(now, next.at);
      state = 'event' in next ? receiveEvent(input, state, next.event) : receiveExit(state, next.exit);
      if (state.phase.at === 'waiting' && waitIsOver(input, state)) return;
    }
  };

  for (let count = 0; count < MAX_COMMANDS; count++) {
    const clock = { now, historyLength: options.historyLength?.(count) ?? 0, continueAsNewSuggested: false };
    const stepped = stepRun(input, state, message, clock);
    state = stepped.state;
    const command = stepped.command;
    commands.push(command);
    switch (command.type) {
      case 'complete':
        return { outcome: command, state, commands, writes, now };
      case 'continue_as_new':
        return { outcome: command, state, commands, writes, now, resume: { nodeId: state.nodeId, nextSeq: state.nextSeq, seenEventIds: state.seenEventIds, inbox: state.inbox, wait: command.wait, path: state.path, startedAt: state.startedAt } };
      case 'patched':
        message = { type: 'patched', value: world.patched?.(command.patchId) ?? true };
        break;
      case 'record_steps':
        writes.push(command.request);
        message = { type: 'recorded' };
        break;
      case 'load_customer':
        message = { type: 'customer_loaded', customer: { timeZone: world.customerTimeZone(command.customerId, now) } };
        break;
      case 'evaluate':
        message = attempt(() => ({ type: 'evaluated', result: world.evaluate(command.request, now) }));
        break;
      case 'find_event':
        message = attempt(() => ({ type: 'found', event: world.findEvent(command.request, now) }));
        break;
      case 'perform_action':
        message = attempt(() => ({ type: 'performed', outcome: world.perform(command.request, now) }));
        break;
      case 'wait': {
        const until = options.horizon !== undefined ? Math.min(command.until, options.horizon) : command.until;
        deliverUpTo(until);
        if (!waitIsOver(input, state)) {
          if (options.horizon !== undefined && command.until > options.horizon) return { outcome: { type: 'horizon' }, state, commands, writes, now: options.horizon };
          now = Math.max(now, command.until);
        }
        message = { type: 'woke' };
        break;
      }
    }
    // Events that arrive while an activity runs reach the state before its outcome is applied.
    if (command.type !== 'wait') deliverUpTo(now);
  }
  throw new Error(`virtual run: more than ${MAX_COMMANDS} commands (a loop in the plan?)`);
}

function attempt(call: () => RunMessage): RunMessage {
  try {
    return call();
  } catch (err) {
    const code = typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : 'activity_failed';
    return { type: 'activity_failed', code, message: err instanceof Error ? err.message : String(err) };
  }
}
