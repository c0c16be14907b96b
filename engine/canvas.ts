/**
 * Canvas format, schema version 1: the document marketing ops author and publish.
 * The JSON Schema in `canvas.schema.json` describes the same shape; docs/canvas.md explains it.
 */
import type { Condition, PropertyFilter } from './conditions.js';

export const CANVAS_SCHEMA_VERSION = 1;

/** A whole journey as authored: a graph of nodes and edges plus journey-level settings. */
export interface Canvas {
  schemaVersion: 1;
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
}

/** Whether, and when, a customer may enter the same journey again. */
export type ReentryPolicy =
  | { policy: 'once' }
  | { policy: 'after_exit' }
  | { policy: 'cooldown'; cooldown: string };

export interface Goal {
  event: string;
  where?: PropertyFilter[];
}

export type ExitCriterion =
  | { id: string; event: string; where?: PropertyFilter[]; reason: string }
  | { id: string; condition: Condition; reason: string };

/** A connection from one node's exit port to another node. `port` defaults to `next`. */
export interface Edge {
  from: string;
  to: string;
  port?: string;
}

export type CanvasNode =
  | TriggerNode
  | WaitNode
  | WaitForEventNode
  | ConditionNode
  | MultiSplitNode
  | RandomSplitNode
  | ActionNode
  | ExitNode;

interface NodeBase {
  id: string;
  /** Free text shown in monitoring and customer history. */
  label?: string;
}

export type Trigger =
  | { kind: 'event'; event: string; where?: PropertyFilter[] }
  | { kind: 'segment'; segment: string }
  | { kind: 'api' };

export interface TriggerNode extends NodeBase {
  type: 'trigger';
  trigger: Trigger;
}

/**
 * Wait for a duration, until an instant, or until a local time of day on chosen weekdays.
 * `spread` (an ISO duration) spreads the wake-ups of customers whose waits end together over that
 * long after the end: each customer wakes at its own fixed offset within it.
 */
export type WaitNode = NodeBase & { type: 'wait'; spread?: string } & (
    | { duration: string }
    | { until: string }
    | { timeOfDay: string; weekdays?: Weekday[]; timeZone?: string }
  );

export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

/** Wait for an event whose event time falls within `timeout` of the window start. Ports: matched, timed_out. */
export interface WaitForEventNode extends NodeBase {
  type: 'wait_for_event';
  event: string;
  where?: PropertyFilter[];
  timeout: string;
  /** Window start: when the customer reached this node (default) or the entry event's time. */
  since?: 'node' | 'entry';
}

/** Yes/no split. Ports: yes, no. */
export interface ConditionNode extends NodeBase {
  type: 'condition';
  condition: Condition;
}

/** Ordered cases, first match wins. Ports: each case key, plus else. */
export interface MultiSplitNode extends NodeBase {
  type: 'multi_split';
  cases: { key: string; condition: Condition }[];
}

/** Weighted random split, sticky per customer and journey version. Ports: each arm key. */
export interface RandomSplitNode extends NodeBase {
  type: 'random_split';
  arms: { key: string; weight: number; control?: boolean }[];
}

/** A touch or a profile change, run through a registered action (channel). */
export interface ActionNode extends NodeBase {
  type: 'action';
  action: string;
  /** marketing (default) or transactional; carried to the channel for policy decisions. */
  category?: 'marketing' | 'transactional';
  params: Record<string, unknown>;
  /** What the journey does when the action fails permanently: go on (default) or exit. */
  onFailure?: 'continue' | 'exit';
}

export interface ExitNode extends NodeBase {
  type: 'exit';
  reason?: string;
}

export type NodeType = CanvasNode['type'];
