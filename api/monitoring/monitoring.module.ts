/** The monitoring context: a journey's figures and its enrollment list. */
import { Module } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { MonitoringService } from '../../core/monitoring/monitoring.js';
import { DATA_SOURCE, RUNTIME_OPTIONS, type RuntimeOptions } from '../runtime.js';
import { MonitoringController } from './monitoring.controller.js';

@Module({
  controllers: [MonitoringController],
  providers: [
    {
      provide: MonitoringService,
      useFactory: (db: DataSource, options: RuntimeOptions) => new MonitoringService(db, options.defaults.timeZone),
      inject: [DATA_SOURCE, RUNTIME_OPTIONS],
    },
  ],
})
export class MonitoringModule {}
