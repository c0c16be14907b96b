/**
 * The journeys context: authoring drafts, publishing versions (four-eyes optional), lifecycle, enrolling
 * customers, steering enrollments. The use cases are framework-free (core/journeys/); this module builds
 * them with the API's database, Temporal client and options, and the controllers inject them by class.
 */
import { Module } from '@nestjs/common';
import type { Client } from '@temporalio/client';
import type { DataSource } from 'typeorm';
import { DurableOperations } from '../../core/operations.js';
import { AuditLog } from '../../core/access/audit-log.js';
import { actionSpecsOf } from '../../core/channels/descriptor.js';
import { CHANNEL_REGISTRY, DATA_SOURCE, RUNTIME_OPTIONS, TEMPORAL_CLIENT, type ChannelRegistry, type RuntimeOptions } from '../runtime.js';
import { ApiEntryService } from '../../core/journeys/api-entry.js';
import { apiTemporalPolicy } from '../dependencies.js';
import { DEPENDENCY_STATUS } from '../dependencies.module.js';
import type { DependencyStatus } from '../dependency-monitor.js';
import { DraftsService } from '../../core/journeys/drafts.js';
import { EnrollmentService } from '../../core/enrollment.js';
import { EnrollmentsController } from './enrollments.controller.js';
import { JourneysController } from './journeys.controller.js';
import { DEFAULT_JOURNEYS_OPTIONS, JOURNEYS_OPTIONS, type JourneysOptions } from './journeys.options.js';
import { LifecycleController } from './lifecycle.controller.js';
import { LifecycleService } from '../../core/journeys/lifecycle.js';
import { PublishRequestsController } from './publish-requests.controller.js';
import { PublishRequestsService } from '../../core/journeys/publish-requests.js';
import { PublishingService } from '../../core/journeys/publishing.js';
import { ReleaseService } from '../../core/journeys/release.js';
import { VersionsController } from './versions.controller.js';
import { VersionsService } from '../../core/journeys/versions.js';

@Module({
  controllers: [JourneysController, LifecycleController, VersionsController, PublishRequestsController, EnrollmentsController],
  providers: [
    {
      provide: PublishingService,
      // Canvases are validated against the registered channels, the same list the worker runs.
      useFactory: (db: DataSource, channels: ChannelRegistry) => new PublishingService(db, actionSpecsOf(channels.descriptors, channels.settings)),
      inject: [DATA_SOURCE, CHANNEL_REGISTRY],
    },
    {
      provide: EnrollmentService,
      useFactory: (db: DataSource, temporal: Client, options: RuntimeOptions) =>
        new EnrollmentService({ db, temporal, taskQueue: options.taskQueue, defaults: options.defaults, logger: options.logger }),
      inject: [DATA_SOURCE, TEMPORAL_CLIENT, RUNTIME_OPTIONS],
    },
    {
      provide: DraftsService,
      useFactory: (db: DataSource, publishing: PublishingService, audit: AuditLog) => new DraftsService(db, publishing, audit),
      inject: [DATA_SOURCE, PublishingService, AuditLog],
    },
    {
      provide: PublishRequestsService,
      useFactory: (db: DataSource, publishing: PublishingService, audit: AuditLog) => new PublishRequestsService(db, publishing, audit),
      inject: [DATA_SOURCE, PublishingService, AuditLog],
    },
    {
      provide: ReleaseService,
      useFactory: (db: DataSource, publishing: PublishingService, requests: PublishRequestsService, audit: AuditLog, options?: JourneysOptions) =>
        new ReleaseService(db, publishing, requests, audit, options ?? DEFAULT_JOURNEYS_OPTIONS),
      inject: [DATA_SOURCE, PublishingService, PublishRequestsService, AuditLog, { token: JOURNEYS_OPTIONS, optional: true }],
    },
    {
      provide: LifecycleService,
      useFactory: (db: DataSource, operations: DurableOperations, audit: AuditLog, options: RuntimeOptions) =>
        new LifecycleService(db, operations, audit, options.logger),
      inject: [DATA_SOURCE, DurableOperations, AuditLog, RUNTIME_OPTIONS],
    },
    {
      provide: VersionsService,
      useFactory: (db: DataSource) => new VersionsService(db),
      inject: [DATA_SOURCE],
    },
    {
      provide: ApiEntryService,
      useFactory: (db: DataSource, temporal: Client, enrollments: EnrollmentService, status?: DependencyStatus) =>
        new ApiEntryService(db, temporal, enrollments, apiTemporalPolicy(temporal, status)),
      inject: [DATA_SOURCE, TEMPORAL_CLIENT, EnrollmentService, { token: DEPENDENCY_STATUS, optional: true }],
    },
  ],
  exports: [EnrollmentService],
})
export class JourneysModule {}
