/**
 * `journey_versions`: published, immutable snapshots of a journey (canvas + compiled plan) and the
 * `active` flag that says which one admits new customers. Methods that take part in a caller's
 * transaction take its manager as `tx`.
 */
import type { ExecutionPlan } from '../engine/plan.js';
import type { Queryable } from './queryable.js';

/** What an enrollment needs of a version. */
export interface VersionForEntry {
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

export class VersionsRepository {
  constructor(private readonly db: Queryable) {}

  /** The version by id; null when there is none. */
  async forEntry(versionId: string): Promise<VersionForEntry | null> {
    const rows: VersionForEntry[] = await this.db.query(`SELECT id, journey_id, plan, active FROM journey_versions WHERE id = $1`, [versionId]);
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
}
