/**
 * The `journeys` row as the authoring services share it: reading it under a lock, saving a draft,
 * and recording a change in the audit log inside the same transaction.
 */
import type { AuditLog } from '../access/audit-log.js';
import { JourneysRepository, type JourneyRow as StoredJourney } from '../../store/journeys.repository.js';
import type { Queryable } from '../../store/queryable.js';
import { VersionsRepository } from '../../store/versions.repository.js';
import type { Principal } from '../access/roles.js';
import { notFound, type UseCaseError } from '../errors.js';
import type { JourneyStatus } from './journey-states.js';

/** One journey as stored. */
export type JourneyRow = StoredJourney<JourneyStatus>;

/** The journeys table, with the API's journey states. */
export const journeysIn = (db: Queryable) => new JourneysRepository<JourneyStatus>(db);

export function journeyNotFound(journeyId: string): UseCaseError {
  return notFound('journey_not_found', `No journey with id "${journeyId}"`);
}

/** The journey row, locked until the transaction ends (serializes drafts, publishes and transitions). */
export async function lockJourney(tx: Queryable, journeyId: string): Promise<JourneyRow | null> {
  return journeysIn(tx).lock(journeyId, tx);
}

export async function requireJourney(tx: Queryable, journeyId: string): Promise<JourneyRow> {
  const journey = await lockJourney(tx, journeyId);
  if (!journey) throw journeyNotFound(journeyId);
  return journey;
}

/** The canvas of the journey's active version; null before the first publish. */
export async function activeCanvas(tx: Queryable, journey: JourneyRow): Promise<unknown> {
  if (journey.active_version === null) return null;
  return new VersionsRepository(tx).canvasOf(journey.id, journey.active_version, tx);
}

/** The journey's display name: the canvas's `name` when it has one (drafts may not). */
export function nameOf(canvas: unknown, fallback: string): string {
  const name = typeof canvas === 'object' && canvas !== null && !Array.isArray(canvas) ? (canvas as { name?: unknown }).name : undefined;
  return typeof name === 'string' && name.trim() !== '' ? name.slice(0, 200) : fallback;
}

/** Creates a journey in status `draft` holding `canvas` as revision 1; null when the id is taken. */
export async function insertJourney(tx: Queryable, journeyId: string, canvas: unknown): Promise<JourneyRow | null> {
  return journeysIn(tx).insertDraft(journeyId, nameOf(canvas, journeyId), canvas, tx);
}

/** Replaces the draft of a locked journey; its revision goes up by one. */
export async function updateDraft(tx: Queryable, journey: JourneyRow, canvas: unknown): Promise<JourneyRow> {
  await journeysIn(tx).replaceDraft(journey.id, canvas, nameOf(canvas, journey.name), tx);
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
