/**
 * Publishing: compiles a canvas into an immutable, numbered journey version and makes it the one
 * whose trigger enrolls new customers. Runs in flight keep the plan they started with.
 */
import type { DataSource } from 'typeorm';
import type { ActionSpec } from '../../engine/actions.js';
import { compileCanvas, type CompileResult } from '../../engine/compile.js';
import { diffCanvases, type CanvasDiff } from '../../engine/diff.js';
import type { DocumentIssue } from '../../engine/errors.js';
import type { ExecutionPlan } from '../../engine/plan.js';
import type { Queryable } from '../../store/queryable.js';
import type { Principal } from '../auth/roles.js';
import { ApiError } from '../http/api-error.js';
import { transition } from './journey-states.js';
import { activeCanvas, insertJourney, lockJourney, updateDraft, type JourneyRow } from './journey-store.js';

export type PublishResult =
  | { ok: true; versionId: string; version: number; plan: ExecutionPlan }
  | { ok: false; errors: DocumentIssue[] };

/** Who published a version: the publisher and, under four-eyes, the approver and their request. */
export interface PublishedBy {
  publishedBy: Principal | null;
  approvedBy?: Principal;
  requestId?: string;
}

/** A version just published, with what it changed against the version it replaced. */
export interface PublishedVersion {
  versionId: string;
  version: number;
  plan: ExecutionPlan;
  previousVersion: number | null;
  diff: CanvasDiff;
}

/** 422 `invalid_canvas` with every issue: publishing an invalid canvas changes nothing. */
export function invalidCanvas(errors: DocumentIssue[]): ApiError {
  return new ApiError(422, 'invalid_canvas', `The canvas has ${errors.length} problem(s); nothing was published`, { issues: errors });
}

export class PublishingService {
  constructor(
    private readonly db: DataSource,
    private readonly actions?: Record<string, ActionSpec>,
  ) {}

  compile(canvas: unknown): CompileResult {
    return compileCanvas(canvas, this.actions ? { actions: this.actions } : undefined);
  }

  /**
   * Saves `canvas` as the journey's draft (creating the journey) and publishes it at once, with no
   * principal and no audit entry: for tests and benchmarks that drive the services directly.
   */
  async publish(journeyId: string, canvas: unknown): Promise<PublishResult> {
    const compiled = this.compile(canvas);
    if (!compiled.ok) return { ok: false, errors: compiled.errors };
    return this.db.transaction(async (tx) => {
      const journey = (await insertJourney(tx, journeyId, canvas)) ?? (await updateDraft(tx, (await lockJourney(tx, journeyId))!, canvas));
      const published = await this.publishVersion(tx, journey, canvas, compiled.plan, { publishedBy: null });
      return { ok: true as const, versionId: published.versionId, version: published.version, plan: published.plan };
    });
  }

  /**
   * Stores `canvas` (the draft of the locked `journey`, compiled to `plan`) as the journey's next
   * version and makes it the one that accepts new customers; the journey becomes `active`.
   */
  async publishVersion(tx: Queryable, journey: JourneyRow, canvas: unknown, plan: ExecutionPlan, by: PublishedBy): Promise<PublishedVersion> {
    transition(journey.id, journey.status, 'publish');
    const [{ next }] = (await tx.query(
      `SELECT COALESCE(max(version), 0) + 1 AS next FROM journey_versions WHERE journey_id = $1`,
      [journey.id],
    )) as { next: number }[];
    const previous = await activeCanvas(tx, journey);
    const versionId = `${journey.id}@${next}`;
    await tx.query(`UPDATE journey_versions SET active = false WHERE journey_id = $1 AND active`, [journey.id]);
    const trigger = plan.trigger;
    await tx.query(
      `INSERT INTO journey_versions (id, journey_id, version, canvas, plan, trigger_kind, trigger_event, trigger_segment, active,
                                     draft_revision, published_by, approved_by, publish_request_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, true, $9, $10, $11, $12)`,
      [
        versionId,
        journey.id,
        next,
        JSON.stringify(canvas),
        JSON.stringify(plan),
        trigger.kind,
        trigger.kind === 'event' ? trigger.event : null,
        trigger.kind === 'segment' ? trigger.segment : null,
        journey.draft_revision,
        by.publishedBy ? JSON.stringify(by.publishedBy) : null,
        by.approvedBy ? JSON.stringify(by.approvedBy) : null,
        by.requestId ?? null,
      ],
    );
    await tx.query(
      `UPDATE journeys SET status = 'active', active_version = $2, name = $3, updated_at = now() WHERE id = $1`,
      [journey.id, next, plan.name],
    );
    return { versionId, version: next, plan, previousVersion: journey.active_version, diff: diffCanvases(previous, canvas) };
  }

  /** Stops new enrollments into a journey (runs in flight continue): the journey is paused. */
  async deactivate(journeyId: string): Promise<void> {
    await this.db.query(`UPDATE journey_versions SET active = false WHERE journey_id = $1`, [journeyId]);
    await this.db.query(`UPDATE journeys SET status = 'paused', updated_at = now() WHERE id = $1 AND status = 'active'`, [journeyId]);
  }
}
