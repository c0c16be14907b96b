/** The canvas a simulation or backtest runs: the journey's draft or one of its versions, with the version id random splits hash. */
import { JourneysRepository } from '../../store/journeys.repository.js';
import type { Queryable } from '../../store/queryable.js';
import { VersionsRepository } from '../../store/versions.repository.js';

/** Which canvas: the draft or a published version. */
export type JourneySource = 'draft' | { version: number };

export type SourceCanvas = { document: unknown; versionId: string } | { reason: 'journey_not_found' | 'version_not_found' | 'no_draft' };

/** The canvas of `source`; a draft's version id is `<journey>@draft`, a version's `<journey>@<n>` (as production's). */
export async function canvasOfSource(db: Queryable, journeyId: string, source: JourneySource): Promise<SourceCanvas> {
  const journey = await new JourneysRepository(db).byId(journeyId);
  if (!journey) return { reason: 'journey_not_found' };
  if (source === 'draft') return journey.draft == null ? { reason: 'no_draft' } : { document: journey.draft, versionId: `${journeyId}@draft` };
  const document = await new VersionsRepository(db).canvasOf(journeyId, source.version);
  return document == null ? { reason: 'version_not_found' } : { document, versionId: `${journeyId}@${source.version}` };
}

/** What a marketer reads when the source is missing. */
export function sourceNotFoundMessage(reason: 'journey_not_found' | 'version_not_found' | 'no_draft', journeyId: string): string {
  if (reason === 'journey_not_found') return `No journey with id "${journeyId}"`;
  return reason === 'no_draft' ? `Journey "${journeyId}" has no draft` : `Journey "${journeyId}" has no such version`;
}
