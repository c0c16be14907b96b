/**
 * The interpreter: one generic workflow runs a compiled ExecutionPlan for one enrollment.
 * Deterministic by construction: the plan arrives as input, time is the workflow's clock, every side
 * effect is an activity, and every step is written to PostgreSQL through `recordSteps`.
 */
import * as wf from '@temporalio/workflow';
import type { JourneyActivities } from '../activities/index.js';
import { describeCondition, matchesFilters } from '../engine/evaluate.js';
import type { Condition } from '../engine/conditions.js';
import type { PlanStep } from '../engine/plan.js';
import { pickArm, spreadOffsetMs } from '../engine/random.js';
import type {
  ActionOutcome,
  CustomerEvent,
  EnrollmentPatch,
  JourneyRunInput,
  JourneyRunResult,
  ResumeState,
  RunStatus,
  StepKind,
  StepRecord,
} from '../engine/runtime.js';
import { quietHoursEnd } from '../engine/policy.js';
import { isValidTimeZone, nextLocalTimeOfDay, parseInstant } from '../engine/time.js';
import { customerEventSignal, enrollmentStateQuery, exitEnrollmentSignal } from './signals.js';

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

/** The waits that end at a computed instant (and may carry a spread). */
type PlainWait = Extract<PlanStep, { kind: 'wait_duration' | 'wait_until' | 'wait_time_of_day' }>;

/** Patch id: the `enrolled` step is written with the first wait when the run starts with one. */
const ENROLLED_WITH_FIRST_WAIT = 'enrolled-with-first-wait';
/** Patch id: the same for a run that starts with a wait for an event (the onboarding journey's shape). */
const ENROLLED_WITH_FIRST_EVENT_WAIT = 'enrolled-with-first-event-wait';

const MAX_SEEN_EVENT_IDS = 500;
const MAX_INBOX = 200;

interface Ending {
  status: RunStatus;
  reason: string;
  detail?: Record<string, unknown>;
}

/** Thrown inside a step when a non-retryable activity failure means the run cannot go on. */
class RunFailed extends Error {}

const iso = (ms: number) => new Date(ms).toISOString();

export async function journeyRun(input: JourneyRunInput): Promise<JourneyRunResult> {
  const { plan, enrollmentId, customerId, defaults } = input;
  const resume = input.resume;
  const entryFields = input.entry.payload;

  let nextSeq = resume?.nextSeq ?? 0;
  const seenEventIds = [...(resume?.seenEventIds ?? [])];
  const seen = new Set(seenEventIds);
  const inbox: CustomerEvent[] = [...(resume?.inbox ?? [])];
  const path: string[] = [...(resume?.path ?? [])];
  const startedAt = resume?.startedAt ?? Date.now();
  let pendingWait = resume?.wait;
  let nodeId = resume?.nodeId ?? plan.startNodeId;
  let waitingUntil: number | null = null;
  let ending: Ending | null = null;
  let buffer: StepRecord[] = [];

  const waitedEvents = new Set(
    Object.values(plan.nodes).flatMap((s) => (s.kind === 'wait_for_event' ? [s.event] : [])),
  );

  const record = (kind: StepKind, detail: Record<string, unknown> = {}, at: string | null = nodeId) => {
    buffer.push({ seq: nextSeq++, at: Date.now(), nodeId: at, kind, detail });
  };
  const flush = async (enrollment?: EnrollmentPatch) => {
    const steps = buffer;
    buffer = [];
    await bookkeeping.recordSteps({ enrollmentId, steps, enrollment });
  };

  wf.setHandler(customerEventSignal, (event) => {
    if (seen.has(event.eventId)) return;
    seen.add(event.eventId);
    seenEventIds.push(event.eventId);
    if (seenEventIds.length > MAX_SEEN_EVENT_IDS) seen.delete(seenEventIds.shift()!);
    if (ending) return;
    const summary = { eventId: event.eventId, name: event.name, eventTime: iso(event.eventTime) };
    if (plan.goal && event.name === plan.goal.event && matchesFilters(event.properties, plan.goal.where)) {
      ending = { status: 'converted', reason: 'goal_reached', detail: { event: summary } };
      return;
    }
    for (const criterion of plan.exitCriteria) {
      if (criterion.kind === 'event' && criterion.event === event.name && matchesFilters(event.properties, criterion.where)) {
        ending = { status: 'exited', reason: criterion.reason, detail: { criterion: criterion.id, event: summary } };
        return;
      }
    }
    if (waitedEvents.has(event.name)) {
      inbox.push(event);
      if (inbox.length > MAX_INBOX) inbox.shift();
    }
  });
  wf.setHandler(exitEnrollmentSignal, ({ reason, requestedBy }) => {
    ending ??= { status: 'exited', reason, detail: { requestedBy: requestedBy ?? null } };
  });
  let ended = false;
  wf.setHandler(enrollmentStateQuery, () => ({ nodeId, waitingUntil, path: [...path], ended }));

  const historyTooLong = () => {
    const info = wf.workflowInfo();
    return info.continueAsNewSuggested || info.historyLength > defaults.maxHistoryEvents;
  };

  /** Hands the run to a fresh workflow execution with the same id, keeping its position. */
  const continueAsNew = async (wait?: ResumeState['wait']): Promise<never> => {
    record('continued', { historyLength: wf.workflowInfo().historyLength });
    await flush();
    await wf.condition(wf.allHandlersFinished);
    const state: ResumeState = { nodeId, nextSeq, seenEventIds, inbox, wait, path, startedAt };
    return wf.continueAsNew<typeof journeyRun>({ ...input, resume: state });
  };

  const finish = async (end: Ending): Promise<JourneyRunResult> => {
    record('ended', { status: end.status, reason: end.reason, ...end.detail });
    await flush({ status: end.status, waitingUntil: null, endedAt: Date.now(), exitReason: end.reason });
    ended = true;
    return { status: end.status, reason: end.reason, path };
  };

  /** Records that the customer now waits at this node until `untilMs`, and makes it visible in the database. */
  const announceWait = async (untilMs: number, detail: Record<string, unknown>) => {
    waitingUntil = untilMs;
    record('wait_started', { until: iso(untilMs), ...detail });
    await flush({ status: 'active', currentNode: nodeId, waitingUntil: untilMs });
  };

  const evaluate = async (conditions: Condition[]) => {
    try {
      return await lookups.evaluateConditions({ enrollmentId, customerId, conditions, entry: entryFields, at: Date.now() });
    } catch (err) {
      throw new RunFailed(failureMessage(err));
    }
  };

  /** Blocks until `deadline`, an ending, or `ready()`; continues as new when the history grows too long. */
  const waitFor = async (deadline: number, ready: () => boolean, carry: Omit<NonNullable<ResumeState['wait']>, 'nodeId' | 'untilMs'> = {}) => {
    while (!ending && !ready()) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) return;
      await wf.condition(() => ending !== null || ready() || historyTooLong(), remaining);
      if (!ending && !ready() && historyTooLong()) await continueAsNew({ nodeId, untilMs: deadline, ...carry });
    }
  };

  const conditionCriteria = plan.exitCriteria.flatMap((c) => (c.kind === 'condition' ? [c] : []));

  /** Runs one step; returns the next node id, or an ending. */
  const runStep = async (step: PlanStep): Promise<string | Ending> => {
    const resumed = pendingWait?.nodeId === step.id ? pendingWait : undefined;
    pendingWait = undefined;
    switch (step.kind) {
      case 'exit':
        return { status: 'completed', reason: step.reason };

      case 'wait_duration':
      case 'wait_until':
      case 'wait_time_of_day': {
        let until = resumed?.untilMs;
        if (until === undefined) {
          const deadline = await waitDeadline(step);
          until = deadline.until;
          await announceWait(until, { kind: step.kind, ...deadline.spread });
        }
        waitingUntil = until;
        await waitFor(until, () => false);
        if (ending) return ending;
        waitingUntil = null;
        record('wait_ended', {});
        return step.next;
      }

      case 'wait_for_event': {
        const windowStart =
          resumed?.windowStartMs ??
          (step.since === 'entry' ? (input.entry.event?.eventTime ?? input.enrolledAt) : Date.now());
        const windowEnd = windowStart + step.timeoutMs;
        const deadline = windowEnd + defaults.lateEventGraceMs;
        const inWindow = (e: CustomerEvent) =>
          e.name === step.event && e.eventTime >= windowStart && e.eventTime <= windowEnd && matchesFilters(e.properties, step.where);
        const find = async () => {
          try {
            return await lookups.findEvent({ customerId, event: step.event, where: step.where, fromMs: windowStart, toMs: windowEnd });
          } catch (err) {
            throw new RunFailed(failureMessage(err));
          }
        };
        let match = inbox.find(inWindow) ?? null;
        if (!resumed) {
          await announceWait(windowEnd, { kind: step.kind, event: step.event, windowStart: iso(windowStart), windowEnd: iso(windowEnd) });
          match ??= await find();
        }
        waitingUntil = windowEnd;
        if (!match) {
          await waitFor(deadline, () => inbox.some(inWindow), { windowStartMs: windowStart, windowEndMs: windowEnd });
          if (ending) return ending;
          match = inbox.find(inWindow) ?? (await find());
        }
        waitingUntil = null;
        const port = match ? 'matched' : 'timed_out';
        record('decision', {
          port,
          event: step.event,
          windowStart: iso(windowStart),
          windowEnd: iso(windowEnd),
          lateEventGraceMs: defaults.lateEventGraceMs,
          matchedEvent: match ? { eventId: match.eventId, eventTime: iso(match.eventTime) } : null,
        });
        return step.next[port];
      }

      case 'condition': {
        const { results, values } = await evaluate([step.condition]);
        const port = results[0] ? 'yes' : 'no';
        record('decision', { port, condition: describeCondition(step.condition), values });
        return step.next[port];
      }

      case 'multi_split': {
        const { results, values } = await evaluate(step.cases.map((c) => c.condition));
        const index = results.findIndex(Boolean);
        const port = index >= 0 ? step.cases[index].key : 'else';
        record('decision', {
          port,
          cases: step.cases.map((c, i) => ({ key: c.key, condition: describeCondition(c.condition), result: results[i] })),
          values,
        });
        return step.next[port];
      }

      case 'random_split': {
        const port = pickArm(`${input.versionId}:${customerId}:${step.id}`, step.arms);
        const arm = step.arms.find((a) => a.key === port)!;
        record('decision', { port, control: arm.control, weights: Object.fromEntries(step.arms.map((a) => [a.key, a.weight])) });
        return step.next[port];
      }

      case 'action': {
        const quiet = step.category === 'marketing' ? plan.quietHours?.[step.action] : undefined;
        if (quiet) {
          // Quiet hours defer a marketing touch to their end in the customer's zone; goals and exits still apply.
          const until = resumed?.untilMs ?? quietHoursEnd(Date.now(), quiet, await customerZone());
          if (until !== null) {
            if (!resumed) await announceWait(until, { kind: 'quiet_hours', action: step.action, reason: 'quiet_hours' });
            waitingUntil = until;
            await waitFor(until, () => false);
            if (ending) return ending;
            waitingUntil = null;
            record('wait_ended', { reason: 'quiet_hours' });
          }
        }
        const attempt = path.filter((id) => id === step.id).length;
        let outcome: ActionOutcome;
        try {
          outcome = await touches.performAction({
            enrollmentId,
            journeyId: input.journeyId,
            versionId: input.versionId,
            customerId,
            nodeId: step.id,
            attempt,
            action: step.action,
            category: step.category,
            params: step.params,
            entry: entryFields,
            journeyName: plan.name,
            at: Date.now(),
          });
        } catch (err) {
          outcome = { status: 'failed', error: { code: failureCode(err), message: failureMessage(err) } };
        }
        record('action', { action: step.action, category: step.category, ...outcome });
        if (outcome.status === 'failed' && step.onFailure === 'exit') {
          return { status: 'exited', reason: 'action_failed', detail: { action: step.action, error: outcome.error } };
        }
        return step.next;
      }
    }
  };

  /**
   * When a plain wait ends: computed once, when the customer reaches the node. With a spread, this
   * customer's fixed offset within it is added (and recorded with the wait, for support).
   */
  const waitDeadline = async (step: PlainWait): Promise<{ until: number; spread?: { spreadMs: number; offsetMs: number } }> => {
    const now = Date.now();
    const spreadMs = step.spreadMs ?? 0;
    const offsetMs = spreadOffsetMs(`spread:${input.versionId}:${customerId}:${step.id}`, spreadMs);
    const spread = spreadMs > 0 ? { spread: { spreadMs, offsetMs } } : {};
    if (step.kind === 'wait_duration') return { until: now + step.durationMs + offsetMs, ...spread };
    // A time already past (offset included) does not wait.
    if (step.kind === 'wait_until') return { until: Math.max(now, (parseInstant(step.until) ?? now) + offsetMs), ...spread };
    const timeZone = step.timeZone ?? (await customerZone());
    return { until: nextLocalTimeOfDay(now, { hour: step.hour, minute: step.minute, weekdays: step.weekdays, timeZone }) + offsetMs, ...spread };
  };

  /** The customer's zone (profile trait), else the journey's, else the engine default; an unknown zone falls back, recorded. */
  const customerZone = async (): Promise<string> => {
    const fallback = plan.timeZone ?? defaults.timeZone;
    const { timeZone } = await lookups.loadCustomer(customerId);
    if (timeZone === null) return fallback;
    if (isValidTimeZone(timeZone)) return timeZone;
    record('decision', { timeZone, invalidTimeZone: true, fallback });
    return fallback;
  };

  // ---- the run ----
  if (!resume) {
    record('enrolled', { versionId: input.versionId, entry: input.entry.kind, enrolledAt: iso(input.enrolledAt) }, null);
    // A run that starts with a plain wait writes its enrollment together with that wait, in the same
    // workflow task: 1 activity and 2 workflow tasks before its timer instead of 2 and 3, which is
    // what parking a whole segment in a wait costs the Temporal server. A run that starts with a wait
    // for an event does the same (then looks up stored events): 2 activities instead of 3. No activity
    // runs before either wait is announced, so the row leaves `pending` in the same workflow task as
    // before. Patched: runs started before each change replay as before.
    const first = plan.nodes[nodeId];
    const plain = (first.kind === 'wait_duration' || first.kind === 'wait_until') && conditionCriteria.length === 0;
    const forEvent = first.kind === 'wait_for_event' && conditionCriteria.length === 0;
    const withFirstWait = (plain && wf.patched(ENROLLED_WITH_FIRST_WAIT)) || (forEvent && wf.patched(ENROLLED_WITH_FIRST_EVENT_WAIT));
    if (!withFirstWait) await flush({ status: 'active', currentNode: nodeId });
  }
  for (;;) {
    if (ending) return finish(ending);
    if (!pendingWait && historyTooLong()) await continueAsNew();
    const step = plan.nodes[nodeId];
    if (!pendingWait) {
      path.push(nodeId);
      record('node_entered', { kind: step.kind, label: step.label ?? null });
      if (conditionCriteria.length > 0) {
        try {
          const { results, values } = await evaluate(conditionCriteria.map((c) => c.condition));
          const hit = results.findIndex(Boolean);
          if (hit >= 0) ending ??= { status: 'exited', reason: conditionCriteria[hit].reason, detail: { criterion: conditionCriteria[hit].id, values } };
        } catch (err) {
          if (!(err instanceof RunFailed)) throw err;
          return finish({ status: 'failed', reason: 'evaluation_failed', detail: { error: err.message } });
        }
        if (ending) continue;
      }
    }
    let outcome: string | Ending;
    try {
      outcome = await runStep(step);
    } catch (err) {
      if (!(err instanceof RunFailed)) throw err;
      outcome = { status: 'failed', reason: 'evaluation_failed', detail: { error: err.message } };
    }
    if (typeof outcome !== 'string') return finish(ending ?? outcome);
    nodeId = outcome;
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
