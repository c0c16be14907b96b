/**
 * Publishing: compiles a canvas into an immutable, numbered journey version and makes it the one
 * whose trigger enrolls new customers. Runs in flight keep the plan they started with.
 */
import type { DataSource } from 'typeorm';
import type { ActionSpec } from '../../engine/actions.js';
import { compileCanvas } from '../../engine/compile.js';
import type { DocumentIssue } from '../../engine/errors.js';
import type { ExecutionPlan } from '../../engine/plan.js';

export type PublishResult =
  | { ok: true; versionId: string; version: number; plan: ExecutionPlan }
  | { ok: false; errors: DocumentIssue[] };

export class PublishingService {
  constructor(
    private readonly db: DataSource,
    private readonly actions?: Record<string, ActionSpec>,
  ) {}

  /** Validates and compiles `canvas`; when valid, stores it as the journey's next version and activates it. */
  async publish(journeyId: string, canvas: unknown): Promise<PublishResult> {
    const compiled = compileCanvas(canvas, this.actions ? { actions: this.actions } : undefined);
    if (!compiled.ok) return { ok: false, errors: compiled.errors };
    const plan = compiled.plan;
    return this.db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO journeys (id, name, status) VALUES ($1, $2, 'active')
         ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, status = 'active', updated_at = now()`,
        [journeyId, plan.name],
      );
      // Serialize publishes of one journey so version numbers never collide.
      await tx.query(`SELECT id FROM journeys WHERE id = $1 FOR UPDATE`, [journeyId]);
      const [{ next }]: { next: number }[] = await tx.query(
        `SELECT COALESCE(max(version), 0) + 1 AS next FROM journey_versions WHERE journey_id = $1`,
        [journeyId],
      );
      const versionId = `${journeyId}@${next}`;
      await tx.query(`UPDATE journey_versions SET active = false WHERE journey_id = $1 AND active`, [journeyId]);
      const trigger = plan.trigger;
      await tx.query(
        `INSERT INTO journey_versions (id, journey_id, version, canvas, plan, trigger_kind, trigger_event, trigger_segment, active)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, true)`,
        [
          versionId,
          journeyId,
          next,
          JSON.stringify(canvas),
          JSON.stringify(plan),
          trigger.kind,
          trigger.kind === 'event' ? trigger.event : null,
          trigger.kind === 'segment' ? trigger.segment : null,
        ],
      );
      return { ok: true as const, versionId, version: next, plan };
    });
  }

  /** Stops new enrollments into a journey (runs in flight continue). */
  async deactivate(journeyId: string): Promise<void> {
    await this.db.query(`UPDATE journey_versions SET active = false WHERE journey_id = $1`, [journeyId]);
    await this.db.query(`UPDATE journeys SET status = 'paused', updated_at = now() WHERE id = $1`, [journeyId]);
  }
}
