/**
 * Data exchanged between the interpreter workflow, its activities and the services that start runs.
 * Types only: shared by workflows/ (which may not import activities' values) and activities/.
 */
import type { EventFilter } from './event-filter.js';
import type { ExecutionPlan, PlanCondition, PlanVersion } from './plan.js';

/** An event as a waiting run sees it (delivered by signal or found in the event store). */
export interface CustomerEvent {
  eventId: string;
  name: string;
  /** When it happened, epoch ms (decides wait-for-event windows, not the arrival time). */
  eventTime: number;
  properties: Record<string, unknown>;
}

/** What started the run: the trigger event, the API payload or the segment entry. */
export interface EnrollmentEntry {
  kind: 'event' | 'segment' | 'api';
  event?: CustomerEvent;
  segment?: string;
  /** The segment run (bulk entry) that enrolled the customer; absent when a profile or event change did. */
  segmentRun?: string;
  /** The API key (`role:name`) that asked, for an API entry. */
  requestedBy?: string;
  /** Fields later steps read as `entry.*`: the event's properties or the API payload. */
  payload: Record<string, unknown>;
}

/** Engine-wide defaults a run needs, fixed when the run starts. */
export interface RunDefaults {
  timeZone: string;
  lateEventGraceMs: number;
  /** Continue-as-new once the history has this many events (Temporal's own suggestion also counts). */
  maxHistoryEvents: number;
  /**
   * Start runs with the Temporal search attributes CustomerId, JourneyId, JourneyVersion (default
   * true; JE_TEMPORAL_SEARCH_ATTRIBUTES). False only for a Temporal that cannot register them.
   */
  searchAttributes?: boolean;
  /**
   * Percent of customers (0-50, by a hash of their id) that no journey with a marketing action
   * admits (JE_GLOBAL_HOLDOUT_PERCENT; default 0). Read at enrollment, not by runs.
   */
  globalHoldoutPercent?: number;
}

/** Input of the `journeyRun` workflow. */
export interface JourneyRunInput {
  enrollmentId: string;
  journeyId: string;
  versionId: string;
  customerId: string;
  plan: ExecutionPlan;
  entry: EnrollmentEntry;
  /** Epoch ms when the enrollment was accepted. */
  enrolledAt: number;
  defaults: RunDefaults;
  /** Present when this run continues an earlier one (continue-as-new). */
  resume?: ResumeState;
}

/** The interpreter's position, carried across continue-as-new. */
export interface ResumeState {
  nodeId: string;
  nextSeq: number;
  /** Event ids already handled, newest last (bounded). */
  seenEventIds: string[];
  /** Events that may still satisfy a wait-for-event window. */
  inbox: CustomerEvent[];
  /** Deadline of the wait in progress at `nodeId`, so it resumes rather than restarts. */
  wait?: { nodeId: string; untilMs: number; windowStartMs?: number; windowEndMs?: number };
  path: string[];
  startedAt: number;
}

/** Final states of an enrollment. */
export type RunStatus = 'completed' | 'converted' | 'exited' | 'failed';

/** What the workflow returns. */
export interface JourneyRunResult {
  status: RunStatus;
  reason: string;
  path: string[];
}

/** Kinds of record in a run's step log. */
export type StepKind =
  | 'enrolled'
  | 'node_entered'
  | 'wait_started'
  | 'wait_ended'
  | 'decision'
  | 'action'
  | 'signal'
  | 'continued'
  | 'ended';

/** One line of a run's step log: numbered per enrollment so retried writes never duplicate. */
export interface StepRecord {
  seq: number;
  at: number;
  nodeId: string | null;
  kind: StepKind;
  detail: Record<string, unknown>;
}

/** The enrollment row's live summary, written with step records. */
export interface EnrollmentPatch {
  status?: 'active' | RunStatus;
  currentNode?: string | null;
  waitingUntil?: number | null;
  /** When the run will actually move on if nothing happens: the wait's end plus the late-event grace of a wait for an event; default `waitingUntil`. */
  movesOnAt?: number | null;
  endedAt?: number;
  exitReason?: string;
}

/** Input of `recordSteps`. */
export interface RecordStepsInput {
  enrollmentId: string;
  steps: StepRecord[];
  enrollment?: EnrollmentPatch;
}

/** Input of `evaluateConditions`: every condition is evaluated against one snapshot of facts taken at `at`. */
export interface EvaluateConditionsInput {
  enrollmentId: string;
  customerId: string;
  /** Format-1 conditions when `planVersion` is absent or 1; journey conditions (the rule language) from 2. */
  conditions: PlanCondition[];
  planVersion?: PlanVersion;
  entry: Record<string, unknown>;
  at: number;
}

export interface EvaluateConditionsResult {
  results: boolean[];
  /** Every fact consulted, for the decision record (`trait:risk_level`, `event:...`, `segment:...`). */
  values: Record<string, unknown>;
}

/** Input of `findEvent`: the earliest matching event whose event time lies in [fromMs, toMs]. */
export interface FindEventInput {
  customerId: string;
  event: string;
  where: EventFilter[];
  fromMs: number;
  toMs: number;
  /** The plan's version when it is 3 or later (rule-language filters); absent: format-1 filters. */
  planVersion?: PlanVersion;
}

/** Input of `performAction`. */
export interface ActionRequest {
  enrollmentId: string;
  journeyId: string;
  versionId: string;
  customerId: string;
  nodeId: string;
  /** Visit count of the node in this run; part of the idempotency key. */
  attempt: number;
  action: string;
  category: 'marketing' | 'transactional';
  params: Record<string, unknown>;
  entry: Record<string, unknown>;
  journeyName: string;
  /** Workflow time of the decision to send (epoch ms): frequency-cap windows are measured on it. */
  at: number;
}

/**
 * What an action did. `failed` outcomes are permanent; transient faults are retried before this is
 * returned. `suppressed`: policy held it back (no consent, frequency cap); the reason is in `error.code`.
 */
export interface ActionOutcome {
  status: 'sent' | 'done' | 'failed' | 'unknown' | 'suppressed';
  provider?: string;
  providerMessageId?: string;
  error?: { code: string; message: string };
  /** True when the ledger showed the action had already been carried out (a retry or a replayed run). */
  deduplicated?: boolean;
}

/** The profile facts a wait needs. */
export interface CustomerSnapshot {
  exists: boolean;
  timeZone: string | null;
}
