/**
 * Publishing a journey's draft through the API: at once, or, under four-eyes publishing, as a
 * publish request another key must approve. An invalid draft is refused (422) and changes nothing.
 */
import type { DataSource } from 'typeorm';
import type { CanvasDiff } from '../../engine/diff.js';
import type { AuditLog } from '../access/audit-log.js';
import type { Queryable } from '../../store/queryable.js';
import type { Principal } from '../access/roles.js';
import { assertRevision } from './drafts.js';
import { transition } from './journey-states.js';
import { insertJourney, lockJourney, recordJourneyChange, requireJourney, updateDraft, type JourneyRow } from './journey-store.js';
import type { PublishRequest, PublishRequestsService } from './publish-requests.js';
import { invalidCanvas, type PublishingService } from './publishing.js';
import { unknownSegmentIssues } from './segment-check.js';
import { templateIssues } from '../channels/provider-templates.js';

/** How publishing goes: under four-eyes publishing a publish takes effect only once another key approves it. */
export interface ReleaseOptions {
  fourEyesPublishing: boolean;
}

export type ReleaseOutcome =
  | { published: true; journeyId: string; versionId: string; version: number; draftRevision: number; diff: CanvasDiff }
  | { published: false; request: PublishRequest };

export class ReleaseService {
  constructor(
    private readonly db: DataSource,
    private readonly publishing: PublishingService,
    private readonly requests: PublishRequestsService,
    private readonly audit: AuditLog,
    private readonly options: ReleaseOptions,
  ) {}

  /** Publishes (or requests a publish of) the current draft, if it is still at `expectedRevision`. */
  async publishDraft(actor: Principal, journeyId: string, expectedRevision?: number): Promise<ReleaseOutcome> {
    return this.db.transaction(async (tx) => {
      const journey = await requireJourney(tx, journeyId);
      assertRevision(journey, expectedRevision);
      return this.release(tx, journey, actor);
    });
  }

  /**
   * `PUT /v1/journeys/:id/publish`: saves `canvas` as the draft (creating the journey if needed) and
   * publishes it in one step. An invalid canvas is refused before anything is stored.
   */
  async saveAndPublish(actor: Principal, journeyId: string, canvas: unknown): Promise<ReleaseOutcome> {
    const compiled = this.publishing.compile(canvas);
    if (!compiled.ok) throw invalidCanvas(compiled.errors);
    return this.db.transaction(async (tx) => {
      let journey = await insertJourney(tx, journeyId, canvas);
      if (journey) {
        await recordJourneyChange(this.audit, tx, actor, 'journey.create', journeyId, { revision: 1, valid: true });
      } else {
        const existing = (await lockJourney(tx, journeyId)) as JourneyRow;
        transition(journeyId, existing.status, 'publish');
        journey = await updateDraft(tx, existing, canvas);
        await recordJourneyChange(this.audit, tx, actor, 'journey.draft.update', journeyId, { revision: journey.draft_revision, valid: true });
      }
      return this.release(tx, journey, actor);
    });
  }

  private async release(tx: Queryable, journey: JourneyRow, actor: Principal): Promise<ReleaseOutcome> {
    transition(journey.id, journey.status, 'publish');
    const compiled = this.publishing.compile(journey.draft);
    if (!compiled.ok) throw invalidCanvas(compiled.errors);
    const unknown = [...(await unknownSegmentIssues(tx, journey.draft, compiled.plan)), ...(await templateIssues(tx, journey.draft, this.publishing.actionSpecs()))];
    if (unknown.length > 0) throw invalidCanvas(unknown);
    if (this.options.fourEyesPublishing) return { published: false, request: await this.requests.open(tx, journey, actor) };
    const published = await this.publishing.publishVersion(tx, journey, journey.draft, compiled.plan, { publishedBy: actor });
    await recordJourneyChange(this.audit, tx, actor, 'journey.publish', journey.id, {
      version: published.version,
      versionId: published.versionId,
      previousVersion: published.previousVersion,
      draftRevision: journey.draft_revision,
      diff: published.diff,
    });
    return {
      published: true,
      journeyId: journey.id,
      versionId: published.versionId,
      version: published.version,
      draftRevision: journey.draft_revision,
      diff: published.diff,
    };
  }
}
