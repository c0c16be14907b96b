/** The journeys context: publishing versions, enrolling customers, steering enrollments. */
import { Module } from '@nestjs/common';
import type { Client } from '@temporalio/client';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE, RUNTIME_OPTIONS, TEMPORAL_CLIENT, type RuntimeOptions } from '../runtime.js';
import { ApiEntryService } from './api-entry.service.js';
import { EnrollmentService } from './enrollment.service.js';
import { EnrollmentsController } from './enrollments.controller.js';
import { JourneysController } from './journeys.controller.js';
import { PublishingService } from './publishing.service.js';

@Module({
  controllers: [JourneysController, EnrollmentsController],
  providers: [
    {
      provide: PublishingService,
      useFactory: (db: DataSource) => new PublishingService(db),
      inject: [DATA_SOURCE],
    },
    {
      provide: EnrollmentService,
      useFactory: (db: DataSource, temporal: Client, options: RuntimeOptions) =>
        new EnrollmentService({ db, temporal, taskQueue: options.taskQueue, defaults: options.defaults, log: options.log }),
      inject: [DATA_SOURCE, TEMPORAL_CLIENT, RUNTIME_OPTIONS],
    },
    ApiEntryService,
  ],
  exports: [EnrollmentService],
})
export class JourneysModule {}
