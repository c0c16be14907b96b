/**
 * Requests about enrollments that arrive through the API: an API-triggered entry into a journey's
 * active version, and a request to end a live run now.
 */
import { Inject, Injectable } from '@nestjs/common';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { DataSource } from 'typeorm';
import { exitEnrollmentSignal } from '../../workflows/signals.js';
import { ApiError } from '../http/api-error.js';
import { DATA_SOURCE, TEMPORAL_CLIENT } from '../runtime.js';
import { EnrollmentService, type EnrollResult } from './enrollment.service.js';

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
  constructor(
    @Inject(DATA_SOURCE) private readonly db: DataSource,
    @Inject(TEMPORAL_CLIENT) private readonly temporal: Client,
    private readonly enrollments: EnrollmentService,
  ) {}

  /** Enrolls a customer into the journey's active version, which must have an `api` trigger. */
  async enroll(journeyId: string, req: ApiEnrollmentRequest): Promise<EnrollResult> {
    const versions: { id: string; trigger_kind: string }[] = await this.db.query(
      `SELECT id, trigger_kind FROM journey_versions WHERE journey_id = $1 AND active`,
      [journeyId],
    );
    const version = versions[0];
    if (!version) throw new ApiError(404, 'journey_not_active', `Journey "${journeyId}" has no published, active version`);
    if (version.trigger_kind !== 'api') {
      throw new ApiError(
        409,
        'trigger_mismatch',
        `Journey "${journeyId}" starts on a ${version.trigger_kind} trigger, not an API call; publish it with trigger kind "api" to enroll through the API`,
      );
    }
    // Like an ingested event, an API entry makes the customer known (their history becomes readable).
    await this.db.query(`INSERT INTO customers (id) VALUES ($1) ON CONFLICT (id) DO NOTHING`, [req.customerId]);
    return this.enrollments.enroll({
      versionId: version.id,
      customerId: req.customerId,
      entry: { kind: 'api', payload: req.payload ?? {} },
      ...(req.entryKey !== undefined ? { entryKey: req.entryKey } : {}),
      ...(req.idempotencyKey !== undefined ? { triggerKey: `api:${req.idempotencyKey}` } : {}),
    });
  }

  /** Asks a live run to end now with `reason`; the run records the exit itself. */
  async requestExit(enrollmentId: string, reason: string): Promise<void> {
    const rows: { status: string }[] = await this.db.query(`SELECT status FROM enrollments WHERE id = $1`, [enrollmentId]);
    const row = rows[0];
    if (!row) throw new ApiError(404, 'enrollment_not_found', `No enrollment with id "${enrollmentId}"`);
    if (!LIVE.has(row.status)) throw ended(enrollmentId, row.status);
    try {
      await this.temporal.workflow.getHandle(enrollmentId).signal(exitEnrollmentSignal, { reason, requestedBy: 'api' });
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      if (row.status === 'pending') {
        // Recorded but its workflow has not started yet (the recovery sweep starts it shortly).
        throw new ApiError(409, 'enrollment_not_started', `Enrollment "${enrollmentId}" has not started yet; retry in a minute`);
      }
      throw ended(enrollmentId, 'ended');
    }
  }
}

function ended(enrollmentId: string, status: string): ApiError {
  return new ApiError(409, 'enrollment_ended', `Enrollment "${enrollmentId}" has already ended (${status})`, { status });
}
