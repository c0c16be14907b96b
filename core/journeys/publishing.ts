/**
 * Publishing: compiles a canvas into an immutable, numbered journey version and makes it the one
 * whose trigger enrolls new customers. Runs in flight keep the plan they started with.
 */
import type { DataSource } from 'typeorm';
import { BUILTIN_ACTIONS, type ActionSpec } from '../../engine/actions.js';
import { compileCanvas, type CompileResult } from '../../engine/compile.js';
import { diffCanvases, type CanvasDiff } from '../../engine/diff.js';
import type { DocumentIssue } from '../../engine/errors.js';
import type { ExecutionPlan } from '../../engine/plan.js';
import type { Queryable } from '../../store/queryable.js';
import type { Principal } from '../access/roles.js';
import { unprocessable, type UseCaseError } from '../errors.js';
import { transition } from './journey-states.js';
import { activeCanvas, insertJourney, journeysIn, lockJourney, updateDraft, type JourneyRow } from './journey-store.js';
import { VersionsRepository } from '../../store/versions.repository.js';

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
export function invalidCanvas(errors: DocumentIssue[]): UseCaseError {
  return unprocessable('invalid_canvas', `The canvas has ${errors.length} problem(s); nothing was published`, { issues: errors });
}

export class PublishingService {
  constructor(
    private readonly db: DataSource,
    private readonly actions?: Record<string, ActionSpec>,
  ) {}

  /** The action specs canvases are compiled against. */
  actionSpecs(): Record<string, ActionSpec> {
    return this.actions ?? BUILTIN_ACTIONS;
  }

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
    const versions = new VersionsRepository(tx);
    const next = await versions.nextNumber(journey.id, tx);
    const previous = await activeCanvas(tx, journey);
    const versionId = `${journey.id}@${next}`;
    await versions.deactivateActive(journey.id, tx);
    const trigger = plan.trigger;
    await versions.insertActive(
      {
        id: versionId,
        journeyId: journey.id,
        version: next,
        canvas,
        plan,
        triggerKind: trigger.kind,
        triggerEvent: trigger.kind === 'event' ? trigger.event : null,
        triggerSegment: trigger.kind === 'segment' ? trigger.segment : null,
        draftRevision: journey.draft_revision,
        publishedBy: by.publishedBy,
        approvedBy: by.approvedBy ?? null,
        publishRequestId: by.requestId ?? null,
      },
      tx,
    );
    await journeysIn(tx).activate(journey.id, next, plan.name, tx);
    return { versionId, version: next, plan, previousVersion: journey.active_version, diff: diffCanvases(previous, canvas) };
  }

  /** Stops new enrollments into a journey (runs in flight continue): the journey is paused. */
  async deactivate(journeyId: string): Promise<void> {
    await new VersionsRepository(this.db).deactivateAll(journeyId);
    await journeysIn(this.db).pauseIfActive(journeyId);
  }
}
