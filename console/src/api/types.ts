/**
 * The answers the console reads: aliases of the generated OpenAPI types where the route declares its
 * answer, hand-written ones (journeys, versions, diffs) where it does not yet.
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

/** A CRM task (GET /v1/crm/tasks, typed by its OpenAPI schema). */
export type CrmTask = operations['CrmTasksController_list']['responses'][200]['content']['application/json']['items'][number];

/** A stuck run (GET /v1/operations/stuck-runs, typed by its OpenAPI schema). */
export type StuckRuns = operations['StuckRunsController_stuckRuns']['responses'][200]['content']['application/json'];
export type StuckRun = StuckRuns['items'][number];

/** A four-eyes publish request (GET /v1/journeys/{id}/publish-requests, typed by its OpenAPI schema). */
export type PublishRequest = operations['PublishRequestsController_list']['responses'][200]['content']['application/json']['items'][number];

/** GET /v1/segments/{key}/members/{customerId} (typed by its OpenAPI schema). */
export type Membership = operations['SegmentsController_membership']['responses'][200]['content']['application/json'];
