/** Runs the retention sweeper (core/retention.ts) every hour in the API when a retention period is configured. */
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { loadConfig } from '../../config/index.js';
import { RetentionSweeper } from '../../core/retention.js';
import { DATA_SOURCE, RUNTIME_OPTIONS, type RuntimeOptions } from '../runtime.js';

const ROUND_EVERY_MS = 60 * 60_000;

@Injectable()
export class RetentionTimer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly sweeper: RetentionSweeper;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;

  constructor(@Inject(DATA_SOURCE) db: DataSource, @Inject(RUNTIME_OPTIONS) private readonly options: RuntimeOptions) {
    const config = loadConfig();
    this.sweeper = new RetentionSweeper(db, { eventsMs: config.eventRetentionMs, messageTextsMs: config.messageTextRetentionMs }, options.logger);
  }

  onApplicationBootstrap(): void {
    if (!this.sweeper.enabled) return;
    this.timer = setInterval(() => {
      // One round at a time; a failed round is logged and the next one tries again.
      this.running ??= this.sweeper
        .sweep()
        .catch((err: unknown) => this.options.logger.warn('retention round failed', { error: (err as Error).message }))
        .finally(() => (this.running = null));
    }, ROUND_EVERY_MS);
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }
}
