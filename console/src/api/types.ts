/**
 * Answers of the routes whose OpenAPI entry has no response schema yet (their shapes are in the
 * route descriptions); the request side of every call is still checked against the generated types.
 */
import type { CanvasDiff } from '../../../engine/diff';
import type { Issue } from '../graph/issues';
import type { operations } from './generated/schema';

/** GET /v1/auth/whoami (typed by its OpenAPI schema). */
export type Whoami = operations['ApiKeysController_whoami']['responses'][200]['content']['application/json'];
export type JourneySummary = operations['JourneysController_list']['responses'][200]['content']['application/json']['items'][number];
export type JourneyStats = operations['MonitoringController_stats']['responses'][200]['content']['application/json'];
export type EnrollmentItem = operations['MonitoringController_enrollments']['responses'][200]['content']['application/json']['items'][number];

export interface JourneyView {
  id: string;
  name: string;
  status: 'draft' | 'active' | 'paused' | 'stopped' | 'archived';
  activeVersion: number | null;
  draftRevision: number;
  draft: { revision: number; canvas: Record<string, unknown>; updatedAt: string | null; unpublishedChanges: boolean };
  validation: Validation;
  allowedActions: string[];
  createdAt: string;
  updatedAt: string;
}

export interface Validation {
  valid: boolean;
  issues: Issue[];
  warnings: Issue[];
}

export interface VersionSummary {
  version: number;
  versionId: string;
  isActiveVersion: boolean;
  publishedAt: string;
}

export interface VersionDetail extends VersionSummary {
  canvas: Record<string, unknown>;
}

export interface CanvasDiffAnswer {
  diff: CanvasDiff;
}

/** GET /v1/customers/{customerId}/history (typed by its OpenAPI schema). */
export type CustomerHistory = operations['CustomersController_getHistory']['responses'][200]['content']['application/json'];
export type HistoryEnrollment = CustomerHistory['enrollments'][number];
export type HistoryStep = HistoryEnrollment['steps'][number];
export type HistoryMessage = HistoryEnrollment['messages'][number];

/** A CRM task (GET /v1/crm/tasks: its OpenAPI entry types items only as objects). */
export interface CrmTask {
  id: string;
  customerId: string;
  journeyId: string;
  nodeId: string;
  assignee: string | null;
  queue: string | null;
  title: string;
  details: string | null;
  dueAt: string | null;
  status: 'open' | 'claimed' | 'completed' | 'cancelled';
  claimedBy: string | null;
  completedBy: string | null;
  completedAt: string | null;
  outcome: string | null;
  createdAt: string;
}

/** A stuck run (GET /v1/operations/stuck-runs: its entry names only items, nextCursor and thresholds). */
export interface StuckRun {
  journeyId: string;
  versionId: string;
  enrollmentId: string;
  customerId: string;
  status: 'pending' | 'active';
  currentNode: string | null;
  waitingUntil: string | null;
  lastStepAt: string | null;
  enrolledAt: string;
  reason: 'wait_overdue' | 'never_started' | 'no_progress';
  stuckSince: string;
}

/** A four-eyes publish request (GET /v1/journeys/{id}/publish-requests). */
export interface PublishRequest {
  requestId: string;
  journeyId: string;
  status: 'pending' | 'approved' | 'rejected' | 'stale';
  draftRevision: number;
  baseVersion: number | null;
  requestedBy: string;
  requestedAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
  reason: string | null;
  version: number | null;
}
