/** The events context: event intake and customer profiles' writes (traits). */
import { Module } from '@nestjs/common';
import type { Client } from '@temporalio/client';
import type { DataSource } from 'typeorm';
import { EnrollmentService } from '../journeys/enrollment.service.js';
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
      useFactory: (db: DataSource, temporal: Client, enrollments: EnrollmentService, options: RuntimeOptions) =>
        new IngestionService({ db, temporal, enrollments, log: options.log }),
      inject: [DATA_SOURCE, TEMPORAL_CLIENT, EnrollmentService, RUNTIME_OPTIONS],
    },
  ],
  exports: [IngestionService],
})
export class EventsModule {}
