/** The CRM context: the work list behind the `crm_task` action, and the events its completions emit (use cases in core/crm/). */
import { Module } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { CrmTasksService } from '../../core/crm/crm-tasks.js';
import { EventsModule } from '../events/events.module.js';
import { IngestionService } from '../events/ingestion.service.js';
import { DATA_SOURCE } from '../runtime.js';
import { CrmTasksController } from './crm-tasks.controller.js';

@Module({
  imports: [EventsModule],
  controllers: [CrmTasksController],
  providers: [
    {
      provide: CrmTasksService,
      useFactory: (db: DataSource, ingestion: IngestionService) => new CrmTasksService(db, ingestion),
      inject: [DATA_SOURCE, IngestionService],
    },
  ],
})
export class CrmModule {}
