/**
 * All activities of the journey worker, built from their dependencies (no module-level state), as in
 * Temporal's dependency-injection sample: tests pass their own channels and database.
 */
import type { DataSource } from 'typeorm';
import { createActionActivities } from './actions.js';
import type { ActionChannel } from './channels/channel.js';
import { defaultChannels } from './channels/registry.js';
import { createJournalActivities } from './journal.js';
import { createLookupActivities } from './lookups.js';

export interface ActivityDeps {
  db: DataSource;
  /** Channels that carry out action nodes; defaults to the recording channels plus profile updates. */
  channels?: ActionChannel[];
}

export function createActivities({ db, channels }: ActivityDeps) {
  return {
    ...createJournalActivities(db),
    ...createLookupActivities(db),
    ...createActionActivities(db, channels ?? defaultChannels({ db })),
  };
}

/** The activity interface the workflow proxies (type-only import from workflows/). */
export type JourneyActivities = ReturnType<typeof createActivities>;
