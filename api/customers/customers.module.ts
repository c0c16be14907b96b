/** The customers context: profiles and their support history. */
import { Module } from '@nestjs/common';
import { EventsModule } from '../events/events.module.js';
import { CustomersController } from './customers.controller.js';
import { HistoryService } from './history.service.js';

@Module({
  imports: [EventsModule],
  controllers: [CustomersController],
  providers: [HistoryService],
})
export class CustomersModule {}
