/**
 * Canvas format, schema version 2 (format 1 is upgraded on the way in: canvas-upgrade.ts): the document marketing ops author and publish.
 * The JSON Schema in `canvas.schema.json` describes the same shape; docs/canvas.md explains it.
 */
import type { EventFilter } from './event-filter.js';
import type { JourneyCondition } from './segments/types.js';
import type { CanvasNode } from './nodes/index.js';

export const CANVAS_SCHEMA_VERSION = 2;

/** A whole journey as authored: a graph of nodes and edges plus journey-level settings. */
export interface Canvas {
  schemaVersion: 2;
  name: string;
  description?: string;
  settings?: CanvasSettings;
  /** The conversion event: reaching it ends the run as converted, wherever the customer is. */
  goal?: Goal;
  /** Events or conditions that end the run at any point, with the reason recorded. */
  exitCriteria?: ExitCriterion[];
  nodes: CanvasNode[];
  edges: Edge[];
}

/** Journey-wide settings. */
export interface CanvasSettings {
  /** IANA zone used when the customer's profile has no `timeZone` trait. Default: the engine's configured zone. */
  timeZone?: string;
  reentry?: ReentryPolicy;
  /**
   * Local hours, per action (`sms`, `push`, ...), when marketing touches must not go out; a send that
   * falls inside is deferred to the end of the window in the customer's time zone, never dropped.
   */
  quietHours?: Record<string, { start: string; end: string }>;
  /**
   * How long after a run ended (without reaching the goal) a goal event still counts as that run's
   * conversion in the statistics (ISO duration, e.g. `P14D`). Needs a `goal`. Default: none.
   */
  conversionWindow?: string;
  /** At most this many enrollments in the journey, all versions together; later entries are refused (`entry_limit`). Default: none. */
  entryLimit?: number;
}

/** Whether, and when, a customer may enter the same journey again. */
export type ReentryPolicy =
  | { policy: 'once' }
  | { policy: 'after_exit' }
  | { policy: 'cooldown'; cooldown: string };

export interface Goal {
  event: string;
  where?: EventFilter[];
}

export type ExitCriterion =
  | { id: string; event: string; where?: EventFilter[]; reason: string }
  | { id: string; condition: JourneyCondition; reason: string };

/** A connection from one node's exit port to another node. `port` defaults to `next`. */
export interface Edge {
  from: string;
  to: string;
  port?: string;
}

// Node types are declared by their kinds (engine/nodes/); re-exported here with the rest of the format.
export type { CanvasNode, NodeType } from './nodes/index.js';
export type { Trigger, TriggerNode } from './nodes/trigger.js';
export type { WaitNode, Weekday } from './nodes/wait.js';
export type { WaitForEventNode } from './nodes/wait-for-event.js';
export type { ConditionNode } from './nodes/condition.js';
export type { MultiSplitNode } from './nodes/multi-split.js';
export type { RandomSplitNode } from './nodes/random-split.js';
export type { TraitSplitNode } from './nodes/trait-split.js';
export type { ActionNode } from './nodes/action.js';
export type { ExitNode } from './nodes/exit.js';
