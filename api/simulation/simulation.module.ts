/** The simulation context: what a journey would do to one customer, or to its stored population over a past window, with production's rules. */
import { Module } from '@nestjs/common';
import type { Client } from '@temporalio/client';
import type { DataSource } from 'typeorm';
import { actionSpecsOf } from '../../core/channels/descriptor.js';
import { Backtests } from '../../core/simulation/backtests.js';
import { SimulateJourney } from '../../core/simulation/simulate-journey.js';
import { simulatedChannels } from '../../engine/simulation/world.js';
import { CHANNEL_REGISTRY, DATA_SOURCE, RUNTIME_OPTIONS, TEMPORAL_CLIENT, type ChannelRegistry, type RuntimeOptions } from '../runtime.js';
import { BacktestsController } from './backtests.controller.js';
import { SimulationController } from './simulation.controller.js';

@Module({
  controllers: [SimulationController, BacktestsController],
  providers: [
    {
      provide: SimulateJourney,
      // Caps are the worker's (JE_FREQUENCY_CAPS, in the channel settings the app is given): the same numbers decide.
      useFactory: (db: DataSource, channels: ChannelRegistry, options: RuntimeOptions) =>
        new SimulateJourney({
          db,
          actions: actionSpecsOf(channels.descriptors, channels.settings),
          channels: simulatedChannels(channels.descriptors),
          caps: channels.settings.frequencyCaps ?? {},
          defaults: options.defaults,
        }),
      inject: [DATA_SOURCE, CHANNEL_REGISTRY, RUNTIME_OPTIONS],
    },
    {
      provide: Backtests,
      useFactory: (db: DataSource, temporal: Client, channels: ChannelRegistry, options: RuntimeOptions) =>
        new Backtests({
          db,
          temporal,
          taskQueue: options.taskQueue,
          actions: actionSpecsOf(channels.descriptors),
          channels: simulatedChannels(channels.descriptors),
          caps: channels.settings.frequencyCaps ?? {},
          defaults: options.defaults,
          logger: options.logger,
        }),
      inject: [DATA_SOURCE, TEMPORAL_CLIENT, CHANNEL_REGISTRY, RUNTIME_OPTIONS],
    },
  ],
})
export class SimulationModule {}
