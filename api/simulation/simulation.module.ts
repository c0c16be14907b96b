/** The simulation context: what a journey would do to one customer, on a virtual clock, with production's rules. */
import { Module } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { actionSpecsOf } from '../../core/channels/descriptor.js';
import { SimulateJourney } from '../../core/simulation/simulate-journey.js';
import { simulatedChannels } from '../../engine/simulation/world.js';
import { CHANNEL_REGISTRY, DATA_SOURCE, RUNTIME_OPTIONS, type ChannelRegistry, type RuntimeOptions } from '../runtime.js';
import { SimulationController } from './simulation.controller.js';

@Module({
  controllers: [SimulationController],
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
  ],
})
export class SimulationModule {}
