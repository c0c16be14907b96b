/** The CRM context: the work list behind the `crm_task` action, and the events its completions emit. */
import { Module } from '@nestjs/common';
import { EventsModule } from '../events/events.module.js';
import { CrmTasksController } from './crm-tasks.controller.js';
import { CrmTasksService } from './crm-tasks.service.js';

@Module({
  imports: [EventsModule],
  controllers: [CrmTasksController],
  providers: [CrmTasksService],
})
export class CrmModule {}
