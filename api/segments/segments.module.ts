/** The segments context: stored segments (authoring, preview, "why not") and segment-triggered bulk entry; the use cases are in core/segments/. */
import { Module } from '@nestjs/common';
import type { Client } from '@temporalio/client';
import type { DataSource } from 'typeorm';
import { DurableOperations } from '../../core/operations.js';
import { AuditLog } from '../../core/access/audit-log.js';
import { DATA_SOURCE, RUNTIME_OPTIONS, TEMPORAL_CLIENT, type RuntimeOptions } from '../runtime.js';
import { SegmentRunsController } from './segment-runs.controller.js';
import { SegmentRunsService } from '../../core/segments/segment-runs.js';
import { SegmentsController } from './segments.controller.js';
import { SegmentsService } from '../../core/segments/segments.js';

@Module({
  controllers: [SegmentsController, SegmentRunsController],
  providers: [
    {
      provide: SegmentsService,
      useFactory: (db: DataSource, audit: AuditLog, options: RuntimeOptions) => new SegmentsService(db, audit, { previewTimeoutMs: options.segmentPreviewTimeoutMs }),
      inject: [DATA_SOURCE, AuditLog, RUNTIME_OPTIONS],
    },
    {
      provide: SegmentRunsService,
      useFactory: (db: DataSource, temporal: Client, options: RuntimeOptions, audit: AuditLog, operations: DurableOperations) =>
        new SegmentRunsService(db, temporal, options, audit, operations),
      inject: [DATA_SOURCE, TEMPORAL_CLIENT, RUNTIME_OPTIONS, AuditLog, DurableOperations],
    },
  ],
})
export class SegmentsModule {}
