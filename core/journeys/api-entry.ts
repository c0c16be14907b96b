/**
 * Requests about enrollments that arrive through the API: an API-triggered entry into a journey's
 * active version, and a request to end a live run now.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { DataSource } from 'typeorm';
import { exitEnrollmentSignal } from '../../workflows/signals.js';
import { conflict, notFound, type UseCaseError } from '../errors.js';
import { EnrollmentService, type EnrollResult } from '../enrollment.js';
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

export class ApiEntryService {
  private readonly customers: CustomersRepository;
  private readonly runs: EnrollmentsRepository;
  private readonly versions: VersionsRepository;

  constructor(
    db: DataSource,
    private readonly temporal: Client,
    private readonly enrollments: EnrollmentService,
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
      throw notFound('journey_not_active', `Journey "${journeyId}" ${why}: it has no published version accepting new customers`);
    }
    if (version.trigger_kind !== 'api') {
      throw conflict(
        'trigger_mismatch',
        `Journey "${journeyId}" starts on a ${version.trigger_kind} trigger, not an API call; publish it with trigger kind "api" to enroll through the API`,
      );
    }
    // Like an ingested event, an API entry makes the customer known (their history becomes readable).
    await this.customers.ensureKnown(req.customerId);
    return this.enrollments.enroll({
      versionId: version.id,
      customerId: req.customerId,
      entry: { kind: 'api', payload: req.payload ?? {} },
      ...(req.entryKey !== undefined ? { entryKey: req.entryKey } : {}),
      ...(req.idempotencyKey !== undefined ? { triggerKey: `api:${req.idempotencyKey}` } : {}),
    });
  }

  /**
   * Asks a live run to end now with `reason`; the run records the exit itself. A run whose workflow
   * has not started yet is started with the request, so it ends at once.
   */
  async requestExit(enrollmentId: string, reason: string, requestedBy = 'api'): Promise<void> {
    const status = await this.runs.statusOf(enrollmentId);
    if (status === null) throw notFound('enrollment_not_found', `No enrollment with id "${enrollmentId}"`);
    if (!LIVE.has(status)) throw ended(enrollmentId, status);
    try {
      await this.temporal.workflow.getHandle(enrollmentId).signal(exitEnrollmentSignal, { reason, requestedBy });
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      if (status !== 'pending') throw ended(enrollmentId, 'ended');
      await this.enrollments.requestExit(enrollmentId, reason, requestedBy);
    }
  }
}

function ended(enrollmentId: string, status: string): UseCaseError {
  return conflict('enrollment_ended', `Enrollment "${enrollmentId}" has already ended (${status})`, { status });
}
