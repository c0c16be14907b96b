/**
 * Four-eyes publishing: a publish request freezes one draft revision and its diff against the active
 * version; it takes effect only when a different API key approves it. Approval publishes exactly the
 * requested revision: if the draft has changed since, the request is stale and publishes nothing.
 */
import type { DataSource } from 'typeorm';
import { diffCanvases, type CanvasDiff } from '../../engine/diff.js';
import { AuditLog } from '../access/audit-log.js';
import { PublishRequestsRepository, type PublishRequestRow } from '../../store/publish-requests.repository.js';
import type { Queryable } from '../../store/queryable.js';
import type { Principal } from '../access/roles.js';
import { conflict, forbidden, notFound } from '../errors.js';
import { pageOf, type Page, type PageRequest } from '../page.js';
import { activeCanvas, recordJourneyChange, requireJourney, type JourneyRow } from './journey-store.js';
import { invalidCanvas, PublishingService } from './publishing.js';
import { templateIssues } from '../channels/provider-templates.js';

export const PUBLISH_REQUEST_STATUSES = ['pending', 'approved', 'rejected', 'stale'] as const;
export type PublishRequestStatus = (typeof PUBLISH_REQUEST_STATUSES)[number];

/** A publish request as the API shows it. */
export interface PublishRequest {
  requestId: string;
  journeyId: string;
  status: PublishRequestStatus;
  draftRevision: number;
  /** The active version when the request was made; `diff` goes from it to the requested draft. */
  baseVersion: number | null;
  diff: CanvasDiff;
  requestedBy: Principal;
  requestedAt: string;
  decidedBy: Principal | null;
  decidedAt: string | null;
  reason: string | null;
  /** The version the approval published. */
  version: number | null;
}

type RequestRow = PublishRequestRow<PublishRequestStatus, Principal, CanvasDiff>;

/** The publish requests table, with the API's statuses, principals and canvas diffs. */
const requestsIn = (db: Queryable) => new PublishRequestsRepository<PublishRequestStatus, Principal, CanvasDiff>(db);

const toRequest = (row: RequestRow): PublishRequest => ({
  requestId: String(row.id),
  journeyId: row.journey_id,
  status: row.status,
  draftRevision: row.draft_revision,
  baseVersion: row.base_version,
  diff: row.diff,
  requestedBy: row.requested_by,
  requestedAt: row.requested_at.toISOString(),
  decidedBy: row.decided_by,
  decidedAt: row.decided_at?.toISOString() ?? null,
  reason: row.reason,
  version: row.version,
});

/** A request id from the path: digits only (anything else cannot name a request). */
const REQUEST_ID = /^\d{1,18}$/;

export class PublishRequestsService {
  constructor(
    private readonly db: DataSource,
    private readonly publishing: PublishingService,
    private readonly audit: AuditLog,
  ) {}

  /** Opens a request for the locked journey's current draft; asking again for the same revision returns the open request. */
  async open(tx: Queryable, journey: JourneyRow, actor: Principal): Promise<PublishRequest> {
    const open = await requestsIn(tx).pendingFor(journey.id, journey.draft_revision, tx);
    if (open) return toRequest(open);
    const diff = diffCanvases(await activeCanvas(tx, journey), journey.draft);
    const row = await requestsIn(tx).insert(
      {
        journeyId: journey.id,
        draftRevision: journey.draft_revision,
        canvas: journey.draft,
        baseVersion: journey.active_version,
        diff,
        requestedBy: actor,
      },
      tx,
    );
    await recordJourneyChange(this.audit, tx, actor, 'journey.publish_request', journey.id, {
      requestId: String(row.id),
      draftRevision: journey.draft_revision,
      baseVersion: journey.active_version,
      diff,
    });
    return toRequest(row);
  }

  /** Requests of one journey, newest first, optionally of one status. */
  async list(journeyId: string, status: PublishRequestStatus | undefined, page: PageRequest<number>): Promise<Page<PublishRequest>> {
    const rows = await requestsIn(this.db).newestBefore(journeyId, status ?? null, page.after, page.limit + 1);
    return pageOf(rows.map(toRequest), page.limit, (r) => Number(r.requestId));
  }

  /** Approves a pending request made by another key: publishes the requested draft revision. */
  async approve(journeyId: string, requestId: string, actor: Principal): Promise<PublishRequest> {
    const outcome = await this.db.transaction(async (tx) => {
      const { journey, request } = await this.pending(tx, journeyId, requestId);
      if (request.requested_by.keyId === actor.keyId) {
        throw forbidden('self_approval', 'A publish request must be approved by a different API key than the one that made it');
      }
      if (journey.draft_revision !== request.draft_revision) {
        // Commit the stale mark, then answer 409: the request can never be approved.
        const reason = `the draft changed since the request (revision ${request.draft_revision} -> ${journey.draft_revision})`;
        await this.decide(tx, request.id, 'stale', actor, reason, null);
        return { stale: true as const, currentRevision: journey.draft_revision };
      }
      const compiled = this.publishing.compile(request.canvas);
      if (!compiled.ok) throw invalidCanvas(compiled.errors);
      // A template may have been re-registered with other parameters since the request.
      const templates = await templateIssues(tx, request.canvas, this.publishing.actionSpecs());
      if (templates.length > 0) throw invalidCanvas(templates);
      const published = await this.publishing.publishVersion(tx, journey, request.canvas, compiled.plan, {
        publishedBy: request.requested_by,
        approvedBy: actor,
        requestId: String(request.id),
      });
      const decided = await this.decide(tx, request.id, 'approved', actor, null, published.version);
      const detail = { requestId: String(request.id), draftRevision: request.draft_revision, version: published.version, diff: published.diff };
      await recordJourneyChange(this.audit, tx, actor, 'journey.publish_request.approve', journeyId, { ...detail, requestedBy: request.requested_by });
      await recordJourneyChange(this.audit, tx, actor, 'journey.publish', journeyId, {
        ...detail,
        versionId: published.versionId,
        previousVersion: published.previousVersion,
        publishedBy: request.requested_by,
        approvedBy: actor,
      });
      return { stale: false as const, request: decided };
    });
    if (outcome.stale) {
      throw conflict(
        'stale_request',
        `The draft of "${journeyId}" has changed since this request (now revision ${outcome.currentRevision}); request a publish of the current draft`,
        { currentRevision: outcome.currentRevision },
      );
    }
    return outcome.request;
  }

  /** Rejects a pending request with a reason (the requester may withdraw their own this way). */
  async reject(journeyId: string, requestId: string, actor: Principal, reason: string): Promise<PublishRequest> {
    return this.db.transaction(async (tx) => {
      const { request } = await this.pending(tx, journeyId, requestId);
      const decided = await this.decide(tx, request.id, 'rejected', actor, reason, null);
      await recordJourneyChange(this.audit, tx, actor, 'journey.publish_request.reject', journeyId, {
        requestId: String(request.id),
        draftRevision: request.draft_revision,
        requestedBy: request.requested_by,
        reason,
      });
      return decided;
    });
  }

  /** The locked journey and its pending request `requestId`: 404 when either is unknown, 409 when decided. */
  private async pending(tx: Queryable, journeyId: string, requestId: string): Promise<{ journey: JourneyRow; request: RequestRow }> {
    const journey = await requireJourney(tx, journeyId);
    const request = REQUEST_ID.test(requestId) ? await requestsIn(tx).lock(journeyId, requestId, tx) : null;
    if (!request) throw notFound('publish_request_not_found', `Journey "${journeyId}" has no publish request "${requestId}"`);
    if (request.status !== 'pending') {
      throw conflict('request_not_pending', `Publish request ${requestId} is ${request.status} already`, { status: request.status });
    }
    return { journey, request };
  }

  private async decide(tx: Queryable, id: string, status: PublishRequestStatus, actor: Principal, reason: string | null, version: number | null) {
    return toRequest(await requestsIn(tx).decide(id, status, actor, reason, version, tx));
  }
}
