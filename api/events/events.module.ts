/** The events context: event intake and customer profiles' writes (traits). */
import { Module } from '@nestjs/common';
import type { Client } from '@temporalio/client';
import type { DataSource } from 'typeorm';
import type { DependencyMetrics } from '../../observability/metrics.js';
import { EVENT_DISPATCH_BUDGET_MS } from '../dependencies.js';
import { DEPENDENCY_METRICS, DEPENDENCY_STATUS } from '../dependencies.module.js';
import type { DependencyStatus } from '../dependency-monitor.js';
import { EnrollmentService } from '../../core/enrollment.js';
import { JourneysModule } from '../journeys/journeys.module.js';
import { DATA_SOURCE, RUNTIME_OPTIONS, TEMPORAL_CLIENT, type RuntimeOptions } from '../runtime.js';
import { EventsController } from './events.controller.js';
import { IngestionService } from './ingestion.service.js';

@Module({
  imports: [JourneysModule],
  controllers: [EventsController],
  providers: [
    {
      provide: IngestionService,
      useFactory: (db: DataSource, temporal: Client, enrollments: EnrollmentService, options: RuntimeOptions, status?: DependencyStatus, metrics?: DependencyMetrics) =>
        new IngestionService({
          db,
          temporal,
          enrollments,
          logger: options.logger,
          status,
          metrics,
          // The request answers within its budget only when an outbox loop (options.recovery) dispatches the rest.
          ...(options.recovery ? { dispatchBudgetMs: EVENT_DISPATCH_BUDGET_MS } : {}),
        }),
      inject: [
        DATA_SOURCE,
        TEMPORAL_CLIENT,
        EnrollmentService,
        RUNTIME_OPTIONS,
        { token: DEPENDENCY_STATUS, optional: true },
        { token: DEPENDENCY_METRICS, optional: true },
      ],
    },
  ],
  exports: [IngestionService],
})
export class EventsModule {}
