/**
 * `journey_versions`: published, immutable snapshots of a journey (canvas + compiled plan) and the
 * `active` flag that says which one admits new customers. Methods that take part in a caller's
 * transaction take its manager as `tx`.
 */
import type { ExecutionPlan } from '../engine/plan.js';
import type { Queryable } from './queryable.js';

/** What an enrollment needs of a version. */
export interface VersionForEntry {
  /** The published version number. */
  version: number;
  id: string;
  journey_id: string;
  plan: ExecutionPlan;
  active: boolean;
}

/** A journey with its active version, if any (`id` null when none). */
export interface ActiveVersionOfJourney {
  id: string | null;
  trigger_kind: string;
  status: string;
}

/** A version to publish. `Actor` is whoever the caller records as publisher and approver (stored as JSON). */
export interface NewVersion<Actor = unknown> {
  id: string;
  journeyId: string;
  version: number;
  canvas: unknown;
  plan: ExecutionPlan;
  triggerKind: string;
  triggerEvent: string | null;
  triggerSegment: string | null;
  draftRevision: number;
  publishedBy: Actor | null;
  approvedBy: Actor | null;
  publishRequestId: string | null;
}

/** A published version as listed, with its journey's active version number. */
export interface PublishedVersionRow<Actor = unknown> {
  id: string;
  version: number;
  active: boolean;
  trigger_kind: string;
  draft_revision: number | null;
  published_at: Date;
  published_by: Actor | null;
  approved_by: Actor | null;
  publish_request_id: string | null;
  canvas: unknown;
  plan: ExecutionPlan;
  active_version: number | null;
}

const SELECT_PUBLISHED = `SELECT v.*, j.active_version FROM journey_versions v JOIN journeys j ON j.id = v.journey_id`;

export class VersionsRepository {
  constructor(private readonly db: Queryable) {}

  /** The version by id; null when there is none. */
  async forEntry(versionId: string): Promise<VersionForEntry | null> {
    const rows: VersionForEntry[] = await this.db.query(`SELECT id, journey_id, version, plan, active FROM journey_versions WHERE id = $1`, [versionId]);
    return rows[0] ?? null;
  }

  /**
   * Whether the version admits customers, share-locking its row until the transaction ends (a pause
   * or stop, which closes it with an UPDATE, waits for the transaction).
   */
  async isOpenLocked(versionId: string, tx: Queryable): Promise<boolean> {
    const rows: { active: boolean }[] = await tx.query(`SELECT active FROM journey_versions WHERE id = $1 FOR SHARE`, [versionId]);
    return rows[0]?.active ?? false;
  }

  /** The id of the journey's active version; null when none is. */
  async activeIdOf(journeyId: string): Promise<string | null> {
    const rows: { id: string }[] = await this.db.query(`SELECT id FROM journey_versions WHERE journey_id = $1 AND active`, [journeyId]);
    return rows[0]?.id ?? null;
  }

  /** The journey's status and its active version's id and trigger kind; null when there is no such journey. */
  async activeOfJourney(journeyId: string): Promise<ActiveVersionOfJourney | null> {
    const rows: ActiveVersionOfJourney[] = await this.db.query(
      `SELECT v.id, v.trigger_kind, j.status FROM journeys j LEFT JOIN journey_versions v ON v.journey_id = j.id AND v.active WHERE j.id = $1`,
      [journeyId],
    );
    return rows[0] ?? null;
  }

  /** Active versions triggered by event `eventName`. */
  async activeOnEvent(eventName: string): Promise<{ id: string; plan: ExecutionPlan }[]> {
    return this.db.query(`SELECT id, plan FROM journey_versions WHERE active AND trigger_kind = 'event' AND trigger_event = $1`, [eventName]);
  }

  /** Every version of the journey with its number of live (pending or active) runs, oldest first. */
  async liveRunsByVersion(journeyId: string): Promise<{ version: number; versionId: string; live: number }[]> {
    return this.db.query(
      `SELECT v.version, v.id AS "versionId", COALESCE(l.live, 0) AS live
         FROM journey_versions v
         LEFT JOIN (SELECT version_id, count(*)::int AS live FROM enrollments
                     WHERE journey_id = $1 AND status IN ('pending', 'active') GROUP BY 1) l ON l.version_id = v.id
        WHERE v.journey_id = $1 ORDER BY v.version`,
      [journeyId],
    );
  }

  /** Versions of paused or stopped journeys (their current version) that an event of `eventName` would trigger. */
  async closedOnEvent(eventName: string): Promise<{ id: string; journey_id: string; plan: ExecutionPlan; status: string }[]> {
    return this.db.query(
      `SELECT v.id, v.journey_id, v.plan, j.status FROM journeys j
         JOIN journey_versions v ON v.journey_id = j.id AND v.version = j.active_version
        WHERE j.status IN ('paused', 'stopped') AND v.trigger_kind = 'event' AND v.trigger_event = $1`,
      [eventName],
    );
  }

  /** The journey's current version (the one it admits customers by, or did before a pause or stop); null without one. */
  async currentOf(journeyId: string): Promise<{ versionId: string; triggerKind: string } | null> {
    const rows: { versionId: string; triggerKind: string }[] = await this.db.query(
      `SELECT v.id AS "versionId", v.trigger_kind AS "triggerKind" FROM journeys j
         JOIN journey_versions v ON v.journey_id = j.id AND v.version = j.active_version WHERE j.id = $1`,
      [journeyId],
    );
    return rows[0] ?? null;
  }

  /** The current version of each paused or stopped journey triggered by entering a segment, with the journey's status. */
  async closedOnSegment(): Promise<{ id: string; journey_id: string; segment: string; status: string }[]> {
    return this.db.query(
      `SELECT v.id, v.journey_id, v.trigger_segment AS segment, j.status FROM journeys j
         JOIN journey_versions v ON v.journey_id = j.id AND v.version = j.active_version
        WHERE j.status IN ('paused', 'stopped') AND v.trigger_kind = 'segment'`,
    );
  }

  /** Active versions triggered by entering a segment. */
  async activeOnSegment(): Promise<{ id: string; segment: string }[]> {
    return this.db.query(`SELECT id, trigger_segment AS segment FROM journey_versions WHERE active AND trigger_kind = 'segment'`);
  }

  /** The trigger segments of the journey's active version (none when it has none). */
  async activeTriggerSegments(journeyId: string): Promise<{ trigger_segment: string | null }[]> {
    return this.db.query(`SELECT trigger_segment FROM journey_versions WHERE journey_id = $1 AND active`, [journeyId]);
  }

  /** Sets `active` on exactly version `version` of the journey when `admit`, on none otherwise. */
  async admitOnly(journeyId: string, admit: boolean, version: number, tx: Queryable = this.db): Promise<void> {
    await tx.query(`UPDATE journey_versions SET active = ($2::boolean AND version = $3) WHERE journey_id = $1 AND active <> ($2::boolean AND version = $3)`, [
      journeyId,
      admit,
      version,
    ]);
  }

  /** The canvas of version `version` of the journey; null when there is no such version. */
  async canvasOf(journeyId: string, version: number, tx: Queryable = this.db): Promise<unknown> {
    const rows = (await tx.query(`SELECT canvas FROM journey_versions WHERE journey_id = $1 AND version = $2`, [journeyId, version])) as {
      canvas: unknown;
    }[];
    return rows[0]?.canvas ?? null;
  }

  /** The draft revision version `version` was published from; undefined when there is no such version. */
  async draftRevisionOf(journeyId: string, version: number): Promise<number | null | undefined> {
    const rows: { draft_revision: number | null }[] = await this.db.query(
      `SELECT draft_revision FROM journey_versions WHERE journey_id = $1 AND version = $2`,
      [journeyId, version],
    );
    return rows[0]?.draft_revision;
  }

  /** The number the journey's next version gets. */
  async nextNumber(journeyId: string, tx: Queryable = this.db): Promise<number> {
    const [{ next }] = (await tx.query(`SELECT COALESCE(max(version), 0) + 1 AS next FROM journey_versions WHERE journey_id = $1`, [journeyId])) as {
      next: number;
    }[];
    return next;
  }

  /** Clears `active` on the journey's active version (the one that has it set). */
  async deactivateActive(journeyId: string, tx: Queryable = this.db): Promise<void> {
    await tx.query(`UPDATE journey_versions SET active = false WHERE journey_id = $1 AND active`, [journeyId]);
  }

  /** Clears `active` on every version of the journey. */
  async deactivateAll(journeyId: string): Promise<void> {
    await this.db.query(`UPDATE journey_versions SET active = false WHERE journey_id = $1`, [journeyId]);
  }

  /** Inserts a published version, active. */
  async insertActive(v: NewVersion, tx: Queryable = this.db): Promise<void> {
    await tx.query(
      `INSERT INTO journey_versions (id, journey_id, version, canvas, plan, trigger_kind, trigger_event, trigger_segment, active,
                                     draft_revision, published_by, approved_by, publish_request_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, true, $9, $10, $11, $12)`,
      [
        v.id,
        v.journeyId,
        v.version,
        JSON.stringify(v.canvas),
        JSON.stringify(v.plan),
        v.triggerKind,
        v.triggerEvent,
        v.triggerSegment,
        v.draftRevision,
        v.publishedBy ? JSON.stringify(v.publishedBy) : null,
        v.approvedBy ? JSON.stringify(v.approvedBy) : null,
        v.publishRequestId,
      ],
    );
  }

  /** The journey's versions below `before` (all when null), newest first, at most `limit`. */
  async pageOfJourney<Actor>(journeyId: string, before: number | null, limit: number): Promise<PublishedVersionRow<Actor>[]> {
    return this.db.query(`${SELECT_PUBLISHED} WHERE v.journey_id = $1 AND ($2::int IS NULL OR v.version < $2) ORDER BY v.version DESC LIMIT $3`, [
      journeyId,
      before,
      limit,
    ]);
  }

  /** Version `version` of the journey; null when there is none. */
  async byNumber<Actor>(journeyId: string, version: number): Promise<PublishedVersionRow<Actor> | null> {
    const rows: PublishedVersionRow<Actor>[] = await this.db.query(`${SELECT_PUBLISHED} WHERE v.journey_id = $1 AND v.version = $2`, [journeyId, version]);
    return rows[0] ?? null;
  }
}
