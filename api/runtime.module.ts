/** Makes the caller-built dependencies (and the durable operations built on them) injectable everywhere, as plain values. */
import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { Client } from '@temporalio/client';
import type { DataSource } from 'typeorm';
import { DurableOperations } from '../core/operations.js';
import { CHANNEL_REGISTRY, DATA_SOURCE, RUNTIME_OPTIONS, TEMPORAL_CLIENT, type ChannelRegistry, type RuntimeOptions } from './runtime.js';

@Global()
@Module({})
export class RuntimeModule {
  static forRoot(db: DataSource, temporal: Client, options: RuntimeOptions, channels: ChannelRegistry): DynamicModule {
    const providers = [
      { provide: DATA_SOURCE, useValue: db },
      { provide: TEMPORAL_CLIENT, useValue: temporal },
      { provide: RUNTIME_OPTIONS, useValue: options },
      // Bulk work done by workflows (core/operations.ts): journeys, segments and the recovery sweep share it.
      { provide: DurableOperations, useValue: new DurableOperations({ db, temporal, taskQueue: options.taskQueue, defaults: options.defaults }) },
      { provide: CHANNEL_REGISTRY, useValue: channels },
    ];
    return { module: RuntimeModule, providers, exports: providers.map((p) => p.provide) };
  }
}
