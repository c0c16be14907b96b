/**
 * The execution plan: what `compileCanvas` produces and the interpreter workflow runs.
 * Plain JSON, versioned by `planVersion`; a run keeps the plan it started with.
 */
import type { Condition } from './conditions.js';
import type { EventFilter } from './event-filter.js';
import type { JourneyCondition } from './segments/types.js';
import type { Trigger, Weekday } from './canvas.js';
import type { QuietHours } from './policy.js';

/**
 * 2: conditions are journey conditions (the segment rule language plus `entry`). Plans of version 1,
 * compiled from format-1 canvases before the upgrade, carry format-1 conditions and keep running so.
 * 3: `where` filters (trigger, goal, wait for event, event exit criteria) are the rule language's
 * property filters too (engine/event-filter.ts); plans of versions 1 and 2 keep the format-1 filters.
 */
export const PLAN_VERSION = 3;

/** Every plan version a run may carry. */
export type PlanVersion = 1 | 2 | 3;

/** A condition as a plan carries it: format 1 in plans of version 1, the rule language from version 2. */
export type PlanCondition = Condition | JourneyCondition;

/** A compiled, validated canvas. */
export interface ExecutionPlan {
  planVersion: PlanVersion;
  name: string;
  trigger: Trigger;
  /** The first node a new enrollment executes (the trigger's `next`). */
  startNodeId: string;
  nodes: Record<string, PlanStep>;
  /** `conversionWindowMs`: a goal event this long after the run ended still counts as its conversion (stats only). */
  goal?: { event: string; where: EventFilter[]; conversionWindowMs?: number };
  exitCriteria: PlanExitCriterion[];
  reentry: PlanReentry;
  /** At most this many enrollments in the journey, all versions together (absent: no limit). */
  entryLimit?: number;
  /** Zone used when a customer has no `timeZone` trait; null means the engine's default. */
  timeZone: string | null;
  /** Quiet hours by action name (absent in plans compiled before quiet hours existed). */
  quietHours?: Record<string, QuietHours>;
  /** Event names this plan reacts to while running (goal, exit criteria, waits for events). */
  watchedEvents: string[];
}

export type PlanReentry =
  | { policy: 'once' }
  | { policy: 'after_exit' }
  | { policy: 'cooldown'; cooldownMs: number };

export type PlanExitCriterion =
  | { id: string; kind: 'event'; event: string; where: EventFilter[]; reason: string }
  | { id: string; kind: 'condition'; condition: PlanCondition; reason: string };

/** One executable step. `next` maps each exit port to the following node id. */
export type PlanStep =
  | { id: string; label?: string; kind: 'wait_duration'; durationMs: number; spreadMs?: number; next: string }
  | { id: string; label?: string; kind: 'wait_until'; until: string; spreadMs?: number; next: string }
  | {
      id: string;
      label?: string;
      kind: 'wait_time_of_day';
      hour: number;
      minute: number;
      weekdays: Weekday[];
      /** Explicit zone; null means the customer's zone (or the plan's default). */
      timeZone: string | null;
      /** Wake-ups spread over this many ms after the wait's end (absent: none); see {@link spreadOffsetMs}. */
      spreadMs?: number;
      next: string;
    }
  | {
      id: string;
      label?: string;
      kind: 'wait_for_event';
      event: string;
      where: EventFilter[];
      timeoutMs: number;
      since: 'node' | 'entry';
      next: { matched: string; timed_out: string };
    }
  | { id: string; label?: string; kind: 'condition'; condition: PlanCondition; next: { yes: string; no: string } }
  | {
      id: string;
      label?: string;
      kind: 'multi_split';
      cases: { key: string; condition: PlanCondition }[];
      next: Record<string, string>;
    }
  | {
      id: string;
      label?: string;
      kind: 'random_split';
      arms: { key: string; weight: number; control: boolean }[];
      next: Record<string, string>;
    }
  | {
      id: string;
      label?: string;
      kind: 'action';
      action: string;
      category: 'marketing' | 'transactional';
      params: Record<string, unknown>;
      onFailure: 'continue' | 'exit';
      next: string;
    }
  | { id: string; label?: string; kind: 'exit'; reason: string };

export type PlanStepKind = PlanStep['kind'];

/**
 * The exit ports of a compiled step, in the order the canvas gives them (plans stored as jsonb lose
 * their key order). Exhaustive: a new step kind does not compile until it says what its ports are.
 */
export function stepPorts(step: PlanStep): string[] {
  switch (step.kind) {
    case 'exit':
      return [];
    case 'condition':
      return ['yes', 'no'];
    case 'wait_for_event':
      return ['matched', 'timed_out'];
    case 'multi_split':
      return [...step.cases.map((c) => c.key), 'else'];
    case 'random_split':
      return step.arms.map((a) => a.key);
    case 'wait_duration':
    case 'wait_until':
    case 'wait_time_of_day':
    case 'action':
      return ['next'];
    default:
      return unknownStep(step);
  }
}

/** True for step kinds that choose between several ports (their per-port counts are reported). */
export function isBranchingKind(kind: PlanStepKind): boolean {
  switch (kind) {
    case 'condition':
    case 'multi_split':
    case 'random_split':
    case 'wait_for_event':
      return true;
    case 'wait_duration':
    case 'wait_until':
    case 'wait_time_of_day':
    case 'action':
    case 'exit':
      return false;
    default:
      return unknownStep({ kind } as never);
  }
}

function unknownStep(step: never): never {
  throw new Error(`unknown plan step kind ${JSON.stringify((step as { kind?: unknown }).kind)}`);
}
