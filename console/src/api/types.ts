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
