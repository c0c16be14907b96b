/** Makes the caller-built dependencies injectable everywhere, as plain values under tokens. */
import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { Client } from '@temporalio/client';
import type { DataSource } from 'typeorm';
import { CHANNEL_REGISTRY, DATA_SOURCE, RUNTIME_OPTIONS, TEMPORAL_CLIENT, type ChannelRegistry, type RuntimeOptions } from './runtime.js';

@Global()
@Module({})
export class RuntimeModule {
  static forRoot(db: DataSource, temporal: Client, options: RuntimeOptions, channels: ChannelRegistry): DynamicModule {
    const providers = [
      { provide: DATA_SOURCE, useValue: db },
      { provide: TEMPORAL_CLIENT, useValue: temporal },
      { provide: RUNTIME_OPTIONS, useValue: options },
      { provide: CHANNEL_REGISTRY, useValue: channels },
    ];
    return { module: RuntimeModule, providers, exports: providers.map((p) => p.provide) };
  }
}
