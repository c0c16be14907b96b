/**
 * `journey_publish_requests`: four-eyes publishing: a request to publish one draft revision, decided
 * (approved, rejected, withdrawn...) by another key. The type parameters are the caller's status, actor
 * and diff types (stored as text and JSON). Methods in a caller's transaction take its manager as `tx`.
 */
import type { Queryable } from './queryable.js';

/** One request as stored. */
export interface PublishRequestRow<Status extends string = string, Actor = unknown, Diff = unknown> {
  id: string;
  journey_id: string;
  status: Status;
  draft_revision: number;
  canvas: unknown;
  base_version: number | null;
  diff: Diff;
  requested_by: Actor;
  requested_at: Date;
  decided_by: Actor | null;
  decided_at: Date | null;
  reason: string | null;
  version: number | null;
}

/** A request to open. */
export interface NewPublishRequest {
  journeyId: string;
  draftRevision: number;
  canvas: unknown;
  baseVersion: number | null;
  diff: unknown;
  requestedBy: unknown;
}

export class PublishRequestsRepository<Status extends string = string, Actor = unknown, Diff = unknown> {
  constructor(private readonly db: Queryable) {}

  /** The pending request for this draft revision of the journey, if any. */
  async pendingFor(journeyId: string, draftRevision: number, tx: Queryable = this.db): Promise<PublishRequestRow<Status, Actor, Diff> | null> {
    const rows = (await tx.query(
      `SELECT * FROM journey_publish_requests WHERE journey_id = $1 AND draft_revision = $2 AND status = 'pending'`,
      [journeyId, draftRevision],
    )) as PublishRequestRow<Status, Actor, Diff>[];
    return rows[0] ?? null;
  }

  async insert(r: NewPublishRequest, tx: Queryable = this.db): Promise<PublishRequestRow<Status, Actor, Diff>> {
    const [row] = (await tx.query(
      `INSERT INTO journey_publish_requests (journey_id, draft_revision, canvas, base_version, diff, requested_by)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
      [r.journeyId, r.draftRevision, JSON.stringify(r.canvas), r.baseVersion, JSON.stringify(r.diff), JSON.stringify(r.requestedBy)],
    )) as PublishRequestRow<Status, Actor, Diff>[];
    return row;
  }

  /** The journey's requests (of `status` when set) with id below `before`, newest first, at most `limit`. */
  async newestBefore(journeyId: string, status: Status | null, before: number | null, limit: number): Promise<PublishRequestRow<Status, Actor, Diff>[]> {
    return this.db.query(
      `SELECT * FROM journey_publish_requests
        WHERE journey_id = $1 AND ($2::text IS NULL OR status = $2) AND ($3::bigint IS NULL OR id < $3)
        ORDER BY id DESC LIMIT $4`,
      [journeyId, status, before, limit],
    );
  }

  /** The journey's request `requestId`, locked until the transaction ends; null when there is none. */
  async lock(journeyId: string, requestId: string, tx: Queryable): Promise<PublishRequestRow<Status, Actor, Diff> | null> {
    const rows = (await tx.query(`SELECT * FROM journey_publish_requests WHERE id = $1 AND journey_id = $2 FOR UPDATE`, [
      requestId,
      journeyId,
    ])) as PublishRequestRow<Status, Actor, Diff>[];
    return rows[0] ?? null;
  }

  /** Records the decision and returns the request as it now is. */
  async decide(
    id: string,
    status: Status,
    decidedBy: Actor,
    reason: string | null,
    version: number | null,
    tx: Queryable = this.db,
  ): Promise<PublishRequestRow<Status, Actor, Diff>> {
    await tx.query(`UPDATE journey_publish_requests SET status = $2, decided_by = $3, decided_at = now(), reason = $4, version = $5 WHERE id = $1`, [
      id,
      status,
      JSON.stringify(decidedBy),
      reason,
      version,
    ]);
    const [row] = (await tx.query(`SELECT * FROM journey_publish_requests WHERE id = $1`, [id])) as PublishRequestRow<Status, Actor, Diff>[];
    return row;
  }
}
