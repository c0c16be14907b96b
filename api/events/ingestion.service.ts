/**
 * Event ingestion as the API sees it: the framework-free core (core/events/ingestion.ts) with the
 * API's dispatch policy (api/dependencies.ts): deadline-bounded Temporal calls, and failures told
 * apart as database or Temporal outages. Its dependency monitor comes in as `status`.
 */
import { IngestionService as CoreIngestionService, type IngestionServiceDeps as CoreIngestionServiceDeps } from '../../core/events/ingestion.js';
import { apiDispatchPolicy } from '../dependencies.js';

export type { IncomingEvent, IngestOutcome } from '../../core/events/ingestion.js';

export type IngestionServiceDeps = Omit<CoreIngestionServiceDeps, 'policy'>;

export class IngestionService extends CoreIngestionService {
  constructor(deps: IngestionServiceDeps) {
    super({ ...deps, policy: apiDispatchPolicy });
  }
}
