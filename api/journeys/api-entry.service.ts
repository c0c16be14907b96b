/**
 * Requests about enrollments that arrive through the API: an API-triggered entry into a journey's
 * active version, and a request to end a live run now.
 */
import { Inject, Injectable, Optional } from '@nestjs/common';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { DataSource } from 'typeorm';
import { exitEnrollmentSignal } from '../../workflows/signals.js';
import { API_BOUNDS, DependencyUnavailableError, withTemporalDeadline } from '../dependencies.js';
import { DEPENDENCY_STATUS } from '../dependencies.module.js';
import type { DependencyStatus } from '../dependency-monitor.js';
import { ApiError } from '../http/api-error.js';
import { DATA_SOURCE, TEMPORAL_CLIENT } from '../runtime.js';
import { EnrollmentService, type EnrollResult } from './enrollment.service.js';
import { CustomersRepository } from '../../store/customers.repository.js';
import { EnrollmentsRepository } from '../../store/enrollments.repository.js';
import { VersionsRepository } from '../../store/versions.repository.js';

/** The body of `POST /v1/journeys/:journeyId/enrollments`, validated. */
export interface ApiEnrollmentRequest {
  customerId: string;
  payload?: Record<string, unknown>;
  entryKey?: string;
  idempotencyKey?: string;
}

const LIVE = new Set(['pending', 'active']);

@Injectable()
export class ApiEntryService {
  private readonly customers: CustomersRepository;
  private readonly runs: EnrollmentsRepository;
  private readonly versions: VersionsRepository;

  constructor(
    @Inject(DATA_SOURCE) db: DataSource,
    @Inject(TEMPORAL_CLIENT) private readonly temporal: Client,
    private readonly enrollments: EnrollmentService,
    @Optional() @Inject(DEPENDENCY_STATUS) private readonly status?: DependencyStatus,
  ) {
    this.customers = new CustomersRepository(db);
    this.runs = new EnrollmentsRepository(db);
    this.versions = new VersionsRepository(db);
  }

  /** Enrolls a customer into the journey's active version, which must have an `api` trigger. */
  async enroll(journeyId: string, req: ApiEnrollmentRequest): Promise<EnrollResult> {
    const version = await this.versions.activeOfJourney(journeyId);
    if (!version?.id) {
      const why = version ? `is ${version.status}` : 'does not exist';
      throw new ApiError(404, 'journey_not_active', `Journey "${journeyId}" ${why}: it has no published version accepting new customers`);
    }
    if (version.trigger_kind !== 'api') {
      throw new ApiError(
        409,
        'trigger_mismatch',
        `Journey "${journeyId}" starts on a ${version.trigger_kind} trigger, not an API call; publish it with trigger kind "api" to enroll through the API`,
      );
    }
    // Known outage: answer at once, before anything is recorded.
    this.refuseWhileTemporalDown('nothing was recorded; retry after the seconds in Retry-After');
    // Like an ingested event, an API entry makes the customer known (their history becomes readable).
    await this.customers.ensureKnown(req.customerId);
    const versionId = version.id;
    const result = await withTemporalDeadline(this.temporal, API_BOUNDS.temporalCallMs, () =>
      this.enrollments.enroll({
        versionId,
        customerId: req.customerId,
        entry: { kind: 'api', payload: req.payload ?? {} },
        ...(req.entryKey !== undefined ? { entryKey: req.entryKey } : {}),
        ...(req.idempotencyKey !== undefined ? { triggerKey: `api:${req.idempotencyKey}` } : {}),
      }),
    );
    if (result.enrolled && result.runStart === 'deferred') {
      // Temporal stopped answering mid-request: the enrollment is recorded and the recovery sweep starts it.
      const error = new DependencyUnavailableError(
        'temporal',
        `enrollment "${result.enrollmentId}" is recorded and its run starts once Temporal is back; a retry answers already_enrolled (or duplicate_trigger with the same idempotencyKey)`,
        { enrollmentId: result.enrollmentId, runStart: 'pending' },
      );
      this.status?.reportFailure('temporal', error);
      throw error;
    }
    return result;
  }

  /**
   * Asks a live run to end now with `reason`; the run records the exit itself. A run whose workflow
   * has not started yet is started with the request, so it ends at once.
   */
  async requestExit(enrollmentId: string, reason: string, requestedBy = 'api'): Promise<void> {
    const status = await this.runs.statusOf(enrollmentId);
    if (status === null) throw new ApiError(404, 'enrollment_not_found', `No enrollment with id "${enrollmentId}"`);
    if (!LIVE.has(status)) throw ended(enrollmentId, status);
    this.refuseWhileTemporalDown('the exit was not requested; retry after the seconds in Retry-After');
    // A Temporal that does not answer in time fails the request with 503 (the error filter maps it).
    await withTemporalDeadline(this.temporal, API_BOUNDS.temporalCallMs, async () => {
      try {
        await this.temporal.workflow.getHandle(enrollmentId).signal(exitEnrollmentSignal, { reason, requestedBy });
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
        if (status !== 'pending') throw ended(enrollmentId, 'ended');
        await this.enrollments.requestExit(enrollmentId, reason, requestedBy);
      }
    });
  }

  private refuseWhileTemporalDown(detail: string): void {
    if (this.status?.isDown('temporal')) throw new DependencyUnavailableError('temporal', detail);
  }
}

function ended(enrollmentId: string, status: string): ApiError {
  return new ApiError(409, 'enrollment_ended', `Enrollment "${enrollmentId}" has already ended (${status})`, { status });
}
