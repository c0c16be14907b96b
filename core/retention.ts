/**
 * Retention (docs/operations.md#retention): raw events and message texts older than the configured
 * period are removed in batches, each its own short statement that skips rows others hold, so ingestion
 * never waits on it. Default: keep forever (brokers must keep communication records for years;
 * deleting is the operator's decision). Each round logs its progress.
 */
import { RetentionRepository } from '../store/retention.repository.js';
import type { Queryable } from '../store/queryable.js';
import type { Logger } from '../observability/logger.js';

/** How long each kind of data is kept (ms); null keeps it forever. */
export interface RetentionPolicy {
  eventsMs: number | null;
  messageTextsMs: number | null;
}

export interface RetentionRound {
  eventsDeleted: number;
  messageTextsRemoved: number;
}

const BATCH = 1_000;
/** A round stops after this many batches per kind; the next round goes on. */
const MAX_BATCHES = 50;

export class RetentionSweeper {
  private readonly rows: RetentionRepository;

  constructor(
    db: Queryable,
    private readonly policy: RetentionPolicy,
    private readonly logger?: Pick<Logger, 'info'>,
  ) {
    this.rows = new RetentionRepository(db);
  }

  /** Whether any kind has a retention period (otherwise a round does nothing). */
  get enabled(): boolean {
    return this.policy.eventsMs !== null || this.policy.messageTextsMs !== null;
  }

  /** One round at `now`: removes what is past retention, batch by batch. */
  async sweep(now = Date.now()): Promise<RetentionRound> {
    const round = {
      eventsDeleted: await this.drain(this.policy.eventsMs, now, (cutoff) => this.rows.deleteEventsBefore(cutoff, BATCH)),
      messageTextsRemoved: await this.drain(this.policy.messageTextsMs, now, (cutoff) => this.rows.blankMessageTextsBefore(cutoff, BATCH)),
    };
    if (round.eventsDeleted + round.messageTextsRemoved > 0) this.logger?.info('retention round', { ...round });
    return round;
  }

  private async drain(keepMs: number | null, now: number, batch: (cutoff: Date) => Promise<number>): Promise<number> {
    if (keepMs === null) return 0;
    const cutoff = new Date(now - keepMs);
    let total = 0;
    for (let i = 0; i < MAX_BATCHES; i++) {
      const n = await batch(cutoff);
      total += n;
      if (n < BATCH) break;
    }
    return total;
  }
}
