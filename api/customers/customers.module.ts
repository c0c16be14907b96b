/** The customers context: profiles and their support history. */
import { Module } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { HistoryService } from '../../core/customers/history.js';
import { ConsentService } from '../../core/customers/consent.js';
import { CustomerProfileService } from '../../core/customers/profile.js';
import { CustomerDataRequests } from '../../core/customers/data-requests.js';
import { AuditLog } from '../../core/access/audit-log.js';
import { EventsModule } from '../events/events.module.js';
import { CustomersController } from './customers.controller.js';
import { IdentityController } from './identity.controller.js';
import { RetentionTimer } from './retention.timer.js';
import { IdentityService } from '../../core/identity/identify.js';
import { IngestionService } from '../events/ingestion.service.js';
import type { Client } from '@temporalio/client';
import { DATA_SOURCE, RUNTIME_OPTIONS, TEMPORAL_CLIENT, type RuntimeOptions } from '../runtime.js';

@Module({
  imports: [EventsModule],
  controllers: [CustomersController, IdentityController],
  providers: [
    RetentionTimer,
    { provide: HistoryService, useFactory: (db: DataSource) => new HistoryService(db), inject: [DATA_SOURCE] },
    {
      provide: IdentityService,
      useFactory: (db: DataSource, audit: AuditLog, ingestion: IngestionService) => new IdentityService(db, audit, (customerId) => ingestion.recheckSegments(customerId)),
      inject: [DATA_SOURCE, AuditLog, IngestionService],
    },
    {
      provide: CustomerDataRequests,
      useFactory: (db: DataSource, temporal: Client, audit: AuditLog, options: RuntimeOptions) => new CustomerDataRequests({ db, temporal, audit, logger: options.logger }),
      inject: [DATA_SOURCE, TEMPORAL_CLIENT, AuditLog, RUNTIME_OPTIONS],
    },
    { provide: CustomerProfileService, useFactory: (db: DataSource) => new CustomerProfileService(db), inject: [DATA_SOURCE] },
    { provide: ConsentService, useFactory: (db: DataSource, audit: AuditLog) => new ConsentService(db, audit), inject: [DATA_SOURCE, AuditLog] },
  ],
})
export class CustomersModule {}
