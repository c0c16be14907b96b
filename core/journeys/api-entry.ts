/**
 * Requests about enrollments that arrive through the API: an API-triggered entry into a journey's
 * active version, and a request to end a live run now.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { DataSource } from 'typeorm';
import type { EnrollmentEntry } from '../../engine/runtime.js';
import { exitEnrollmentSignal } from '../../engine/workflow-contract.js';
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

/**
 * How the caller bounds work that needs Temporal and answers while it is down (the API's policy:
 * api/dependencies.ts). Without one, calls are made as they come.
 */
export interface TemporalCallPolicy {
  /** Throws the caller's "Temporal unavailable" error at once while an outage is known. */
  refuseIfDown(detail: string): void;
  /** Runs `fn` with every Temporal call in it bounded in time. */
  bounded<T>(fn: () => Promise<T>): Promise<T>;
  /** The error for an enrollment recorded whose run start was deferred because Temporal stopped answering. */
  deferredStart(enrollmentId: string): Error;
}

const UNBOUNDED: TemporalCallPolicy = { refuseIfDown: () => undefined, bounded: (fn) => fn(), deferredStart: (id) => new Error(`the run of enrollment ${id} was not started`) };

export class ApiEntryService {
  private readonly customers: CustomersRepository;
  private readonly runs: EnrollmentsRepository;
  private readonly versions: VersionsRepository;

  constructor(
    db: DataSource,
    private readonly temporal: Client,
    private readonly enrollments: EnrollmentService,
    private readonly temporalPolicy: TemporalCallPolicy = UNBOUNDED,
  ) {
    this.customers = new CustomersRepository(db);
    this.runs = new EnrollmentsRepository(db);
    this.versions = new VersionsRepository(db);
  }

  /** Enrolls a customer into the journey's active version, which must have an `api` trigger. */
  async enroll(journeyId: string, req: ApiEnrollmentRequest, requestedBy?: string): Promise<EnrollResult> {
    const version = await this.versions.activeOfJourney(journeyId);
    if (!version?.id) {
      // A journey that exists but takes no one now is a state conflict (409); one that does not exist is not found (404).
      if (!version) throw notFound('journey_not_active', `Journey "${journeyId}" does not exist: it has no published version accepting new customers`);
      await this.recordClosed(journeyId, version.status, req, requestedBy);
      throw conflict('journey_not_active', `Journey "${journeyId}" is ${version.status}: it has no published version accepting new customers`, { status: version.status });
    }
    if (version.trigger_kind !== 'api') {
      throw conflict(
        'trigger_mismatch',
        `Journey "${journeyId}" starts on a ${version.trigger_kind} trigger, not an API call; publish it with trigger kind "api" to enroll through the API`,
      );
    }
    // Known outage: answer at once, before anything is recorded.
    this.temporalPolicy.refuseIfDown('nothing was recorded; retry after the seconds in Retry-After');
    // Like an ingested event, an API entry makes the customer known (their history becomes readable).
    await this.customers.ensureKnown(req.customerId);
    const versionId = version.id;
    const result = await this.temporalPolicy.bounded(() =>
      this.enrollments.enroll({
        versionId,
        customerId: req.customerId,
        entry: this.entryOf(req, requestedBy),
        ...(req.entryKey !== undefined ? { entryKey: req.entryKey } : {}),
        ...(req.idempotencyKey !== undefined ? { triggerKey: `api:${req.idempotencyKey}` } : {}),
      }),
    );
    // Temporal stopped answering mid-request: the enrollment is recorded and the recovery sweep starts it.
    if (result.enrolled && result.runStart === 'deferred') throw this.temporalPolicy.deferredStart(result.enrollmentId);
    return result;
  }

  /** The refusal of an API entry by a paused or stopped journey, in the customer's history (a draft or archived journey is no trigger). */
  private async recordClosed(journeyId: string, status: string, req: ApiEnrollmentRequest, requestedBy?: string): Promise<void> {
    const current = await this.versions.currentOf(journeyId);
    if ((status !== 'paused' && status !== 'stopped') || current?.triggerKind !== 'api') return;
    await this.customers.ensureKnown(req.customerId);
    await this.enrollments.refuseClosed({
      journeyId,
      versionId: current.versionId,
      journeyStatus: status,
      customerId: req.customerId,
      entry: this.entryOf(req, requestedBy),
      ...(req.idempotencyKey !== undefined ? { triggerKey: `api:${req.idempotencyKey}` } : {}),
    });
  }

  private entryOf(req: ApiEnrollmentRequest, requestedBy?: string): EnrollmentEntry {
    return { kind: 'api', payload: req.payload ?? {}, ...(requestedBy !== undefined ? { requestedBy } : {}) };
  }

  /**
   * Asks a live run to end now with `reason`; the run records the exit itself. A run whose workflow
   * has not started yet is started with the request, so it ends at once.
   */
  async requestExit(enrollmentId: string, reason: string, requestedBy = 'api'): Promise<void> {
    const status = await this.runs.statusOf(enrollmentId);
    if (status === null) throw notFound('enrollment_not_found', `No enrollment with id "${enrollmentId}"`);
    if (!LIVE.has(status)) throw ended(enrollmentId, status);
    this.temporalPolicy.refuseIfDown('the exit was not requested; retry after the seconds in Retry-After');
    // A Temporal that does not answer in time fails the request (the API answers 503).
    await this.temporalPolicy.bounded(async () => {
      try {
        await this.temporal.workflow.getHandle(enrollmentId).signal(exitEnrollmentSignal, { reason, requestedBy });
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
        if (status !== 'pending') throw ended(enrollmentId, 'ended');
        await this.enrollments.requestExit(enrollmentId, reason, requestedBy);
      }
    });
  }
}

function ended(enrollmentId: string, status: string): UseCaseError {
  return conflict('enrollment_ended', `Enrollment "${enrollmentId}" has already ended (${status})`, { status });
}
