/**
 * All activities of the journey worker, built from their dependencies (no module-level state), as in
 * Temporal's dependency-injection sample: tests pass their own channels and database.
 */
import type { DataSource } from 'typeorm';
import { noopLogger, type Logger } from '../observability/logger.js';
import { instrumentActivities, type WorkerMetrics } from '../observability/metrics.js';
import { createActionActivities, type SendPolicy } from './actions.js';
import type { ActionChannel } from '../core/channels/channel.js';
import { defaultChannels } from './channels/registry.js';
import { createJournalActivities } from './journal.js';
import { createLookupActivities } from './lookups.js';
import { createBacktestActivities, type BacktestActivities } from './backtest.js';
import { createJourneyExitActivities, type JourneyExitActivities } from './journey-exit.js';
import { createSegmentEntryActivities, type SegmentEntryActivities } from './segment-entry.js';

export interface ActivityDeps {
  db: DataSource;
  /** Channels that carry out action nodes; defaults to the recording channels plus profile updates. */
  channels?: ActionChannel[];
  /** Where lines about runs go (action outcomes, failed step writes); default: nowhere. */
  logger?: Logger;
  /** The worker's metrics: every activity timed and its failures counted, provider calls timed; default: none. */
  metrics?: WorkerMetrics;
  /** Consent is always checked for marketing touches; caps and rate limits apply when given. */
  policy?: SendPolicy;
}

export function createActivities({ db, channels, logger = noopLogger, metrics, policy }: ActivityDeps) {
  const activities = {
    ...createJournalActivities(db, logger),
    ...createLookupActivities(db),
    ...createSegmentEntryActivities(db),
    ...createJourneyExitActivities(db),
    ...createBacktestActivities(db),
    ...createActionActivities(db, channels ?? defaultChannels({ db }), { logger, metrics, policy }),
  };
  return metrics ? instrumentActivities(activities, metrics) : activities;
}

/** The activity interface the journeyRun workflow proxies (type-only import from workflows/). */
export type JourneyActivities = Omit<ReturnType<typeof createActivities>, keyof SegmentEntryActivities | keyof JourneyExitActivities | keyof BacktestActivities>;
