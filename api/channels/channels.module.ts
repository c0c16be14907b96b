/** The channels context: provider templates of the template channels (use cases in core/channels/). */
import { Module } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { AuditLog } from '../../core/access/audit-log.js';
import { actionSpecsOf } from '../../core/channels/descriptor.js';
import { ProviderTemplatesService } from '../../core/channels/provider-templates.js';
import { CHANNEL_REGISTRY, DATA_SOURCE, type ChannelRegistry } from '../runtime.js';
import { ChannelTemplatesController } from './channel-templates.controller.js';

@Module({
  controllers: [ChannelTemplatesController],
  providers: [
    {
      provide: ProviderTemplatesService,
      useFactory: (db: DataSource, channels: ChannelRegistry, audit: AuditLog) => new ProviderTemplatesService(db, actionSpecsOf(channels.descriptors, channels.settings), audit),
      inject: [DATA_SOURCE, CHANNEL_REGISTRY, AuditLog],
    },
  ],
})
export class ChannelsModule {}
