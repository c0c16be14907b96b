/**
 * `journeys`: one row per journey: its status, its draft canvas (with a revision for optimistic
 * concurrency) and which version is active. `Status` is the caller's status type (the column holds
 * the API's journey states). Methods that take part in a caller's transaction take its manager as `tx`.
 */
import type { Queryable } from './queryable.js';

/** One journey as stored. */
export interface JourneyRow<Status extends string = string> {
  id: string;
  name: string;
  status: Status;
  draft: unknown;
  draft_revision: number;
  draft_updated_at: Date | null;
  active_version: number | null;
  created_at: Date;
  updated_at: Date;
}

export class JourneysRepository<Status extends string = string> {
  constructor(private readonly db: Queryable) {}

  /** The journey; null when there is none. */
  async byId(journeyId: string): Promise<JourneyRow<Status> | null> {
    const rows: JourneyRow<Status>[] = await this.db.query(`SELECT * FROM journeys WHERE id = $1`, [journeyId]);
    return rows[0] ?? null;
  }

  /** The journey, locked until the transaction ends; null when there is none. */
  async lock(journeyId: string, tx: Queryable): Promise<JourneyRow<Status> | null> {
    const rows = (await tx.query(`SELECT * FROM journeys WHERE id = $1 FOR UPDATE`, [journeyId])) as JourneyRow<Status>[];
    return rows[0] ?? null;
  }

  /** Journeys in id order after `after` (of `status` when set), at most `limit`. */
  async pageAfter(status: Status | null, after: string | null, limit: number): Promise<JourneyRow<Status>[]> {
    return this.db.query(`SELECT * FROM journeys WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR id > $2) ORDER BY id LIMIT $3`, [
      status,
      after,
      limit,
    ]);
  }

  /** Creates the journey in status `draft` holding `canvas` as revision 1; null when the id is taken. */
  async insertDraft(journeyId: string, name: string, canvas: unknown, tx: Queryable = this.db): Promise<JourneyRow<Status> | null> {
    const rows = (await tx.query(
      `INSERT INTO journeys (id, name, status, draft, draft_revision, draft_updated_at)
       VALUES ($1, $2, 'draft', $3, 1, now()) ON CONFLICT (id) DO NOTHING RETURNING *`,
      [journeyId, name, JSON.stringify(canvas)],
    )) as JourneyRow<Status>[];
    return rows[0] ?? null;
  }

  /** Replaces the draft (revision + 1); `name` is taken only while the journey is a draft. */
  async replaceDraft(journeyId: string, canvas: unknown, name: string, tx: Queryable = this.db): Promise<void> {
    await tx.query(
      `UPDATE journeys SET draft = $2, draft_revision = draft_revision + 1, draft_updated_at = now(), updated_at = now(),
              name = CASE WHEN status = 'draft' THEN $3 ELSE name END
        WHERE id = $1`,
      [journeyId, JSON.stringify(canvas), name],
    );
  }

  async setStatus(journeyId: string, status: Status, tx: Queryable = this.db): Promise<void> {
    await tx.query(`UPDATE journeys SET status = $2, updated_at = now() WHERE id = $1`, [journeyId, status]);
  }

  /** Makes `version` the active one: status `active`, the published canvas's name. */
  async activate(journeyId: string, version: number, name: string, tx: Queryable = this.db): Promise<void> {
    await tx.query(`UPDATE journeys SET status = 'active', active_version = $2, name = $3, updated_at = now() WHERE id = $1`, [journeyId, version, name]);
  }

  /** Status `paused` when it was `active`. */
  async pauseIfActive(journeyId: string): Promise<void> {
    await this.db.query(`UPDATE journeys SET status = 'paused', updated_at = now() WHERE id = $1 AND status = 'active'`, [journeyId]);
  }
}
