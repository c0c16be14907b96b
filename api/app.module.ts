/** The API's root module: the caller's dependencies, one module per bounded context, and health. */
import { Module, type DynamicModule } from '@nestjs/common';
import type { Client } from '@temporalio/client';
import type { DataSource } from 'typeorm';
import { CustomersModule } from './customers/customers.module.js';
import { EventsModule } from './events/events.module.js';
import { HealthController } from './health/health.controller.js';
import { JourneysModule } from './journeys/journeys.module.js';
import { RecoverySweeper } from './recovery.sweeper.js';
import { RuntimeModule } from './runtime.module.js';
import type { RuntimeOptions } from './runtime.js';

@Module({})
export class AppModule {
  static forRoot(db: DataSource, temporal: Client, options: RuntimeOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [RuntimeModule.forRoot(db, temporal, options), JourneysModule, EventsModule, CustomersModule],
      controllers: [HealthController],
      providers: [RecoverySweeper],
    };
  }
}
