/** The API's root module: the caller's dependencies, one module per bounded context (operations: metrics and stuck runs), and health. */
import { Module, type DynamicModule } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import type { Client } from '@temporalio/client';
import type { DataSource } from 'typeorm';
import { AccessModule } from './auth/access.module.js';
import { ChannelsModule } from './channels/channels.module.js';
import { CrmModule } from './crm/crm.module.js';
import { CustomersModule } from './customers/customers.module.js';
import { EventsModule } from './events/events.module.js';
import { HealthController } from './health/health.controller.js';
import { JourneysModule } from './journeys/journeys.module.js';
import { MonitoringModule } from './monitoring/monitoring.module.js';
import { DeliveryReportsModule } from './messaging/delivery-reports.module.js';
import { MessagingModule } from './messaging/messaging.module.js';
import type { MessagingOptions } from './messaging/messaging.options.js';
import { OperationsModule } from './operations/operations.module.js';
import type { OperationsOptions } from './operations/operations.tokens.js';
import { RecoverySweeper } from './recovery.sweeper.js';
import { RuntimeModule } from './runtime.module.js';
import { SegmentsModule } from './segments/segments.module.js';
import { SimulationModule } from './simulation/simulation.module.js';
import type { ChannelRegistry, RuntimeOptions } from './runtime.js';
import { UseCaseErrorInterceptor } from './use-case-errors.js';

@Module({})
export class AppModule {
  static forRoot(
    db: DataSource,
    temporal: Client,
    options: RuntimeOptions,
    operations: OperationsOptions,
    channels: ChannelRegistry,
    messaging: MessagingOptions | null = null,
  ): DynamicModule {
    return {
      module: AppModule,
      imports: [
        RuntimeModule.forRoot(db, temporal, options, channels),
        AccessModule.forRoot(),
        OperationsModule.forRoot(operations),
        JourneysModule,
        EventsModule,
        CustomersModule,
        CrmModule,
        SegmentsModule,
        SimulationModule,
        MonitoringModule,
        DeliveryReportsModule,
        ChannelsModule,
        ...(messaging ? [MessagingModule.register(messaging)] : []),
      ],
      controllers: [HealthController],
      // A use case's refusal answers with its HTTP status (api/use-case-errors.ts).
      providers: [RecoverySweeper, { provide: APP_INTERCEPTOR, useClass: UseCaseErrorInterceptor }],
    };
  }
}
