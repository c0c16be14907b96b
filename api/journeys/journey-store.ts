/**
 * The `journeys` row as the authoring services share it: reading it under a lock, saving a draft,
 * and recording a change in the audit log inside the same transaction.
 */
import type { AuditLog } from '../audit/audit-log.service.js';
import type { Queryable } from '../../store/queryable.js';
import type { Principal } from '../auth/roles.js';
import { ApiError } from '../http/api-error.js';
import { isPlainObject } from '../http/validation.js';
import type { JourneyStatus } from './journey-states.js';

/** One journey as stored. */
export interface JourneyRow {
  id: string;
  name: string;
  status: JourneyStatus;
  draft: unknown;
  draft_revision: number;
  draft_updated_at: Date | null;
  active_version: number | null;
  created_at: Date;
  updated_at: Date;
}

export function journeyNotFound(journeyId: string): ApiError {
  return new ApiError(404, 'journey_not_found', `No journey with id "${journeyId}"`);
}

/** The journey row, locked until the transaction ends (serializes drafts, publishes and transitions). */
export async function lockJourney(tx: Queryable, journeyId: string): Promise<JourneyRow | null> {
  const rows = (await tx.query(`SELECT * FROM journeys WHERE id = $1 FOR UPDATE`, [journeyId])) as JourneyRow[];
  return rows[0] ?? null;
}

export async function requireJourney(tx: Queryable, journeyId: string): Promise<JourneyRow> {
  const journey = await lockJourney(tx, journeyId);
  if (!journey) throw journeyNotFound(journeyId);
  return journey;
}

/** The canvas of the journey's active version; null before the first publish. */
export async function activeCanvas(tx: Queryable, journey: JourneyRow): Promise<unknown> {
  if (journey.active_version === null) return null;
  const rows = (await tx.query(`SELECT canvas FROM journey_versions WHERE journey_id = $1 AND version = $2`, [
    journey.id,
    journey.active_version,
  ])) as { canvas: unknown }[];
  return rows[0]?.canvas ?? null;
}

/** The journey's display name: the canvas's `name` when it has one (drafts may not). */
export function nameOf(canvas: unknown, fallback: string): string {
  return isPlainObject(canvas) && typeof canvas.name === 'string' && canvas.name.trim() !== '' ? canvas.name.slice(0, 200) : fallback;
}

/** Creates a journey in status `draft` holding `canvas` as revision 1; null when the id is taken. */
export async function insertJourney(tx: Queryable, journeyId: string, canvas: unknown): Promise<JourneyRow | null> {
  const rows = (await tx.query(
    `INSERT INTO journeys (id, name, status, draft, draft_revision, draft_updated_at)
     VALUES ($1, $2, 'draft', $3, 1, now()) ON CONFLICT (id) DO NOTHING RETURNING *`,
    [journeyId, nameOf(canvas, journeyId), JSON.stringify(canvas)],
  )) as JourneyRow[];
  return rows[0] ?? null;
}

/** Replaces the draft of a locked journey; its revision goes up by one. */
export async function updateDraft(tx: Queryable, journey: JourneyRow, canvas: unknown): Promise<JourneyRow> {
  await tx.query(
    `UPDATE journeys SET draft = $2, draft_revision = draft_revision + 1, draft_updated_at = now(), updated_at = now(),
            name = CASE WHEN status = 'draft' THEN $3 ELSE name END
      WHERE id = $1`,
    [journey.id, JSON.stringify(canvas), nameOf(canvas, journey.name)],
  );
  return (await lockJourney(tx, journey.id)) as JourneyRow;
}

/** Records a change to a journey (skipped for callers without a principal: tests and benchmarks using the services directly). */
export async function recordJourneyChange(
  audit: AuditLog | null,
  tx: Queryable,
  actor: Principal | null,
  action: string,
  journeyId: string,
  detail: Record<string, unknown> = {},
): Promise<void> {
  if (audit && actor) await audit.record(actor, { action, entityType: 'journey', entityId: journeyId, detail }, tx);
}
