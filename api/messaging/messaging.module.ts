/** The messaging context: Twilio's inbound STOP/START replies (delivery reports: DeliveryReportsModule). */
import { Module, type DynamicModule } from '@nestjs/common';
import { deliveryProvider } from './delivery.provider.js';
import { MESSAGING_OPTIONS, type MessagingOptions } from './messaging.options.js';
import { TwilioSignatureGuard } from './twilio-signature.guard.js';
import { TwilioWebhooksController } from './twilio-webhooks.controller.js';

@Module({})
export class MessagingModule {
  static register(options: MessagingOptions): DynamicModule {
    return {
      module: MessagingModule,
      controllers: [TwilioWebhooksController],
      providers: [{ provide: MESSAGING_OPTIONS, useValue: options }, deliveryProvider, TwilioSignatureGuard],
    };
  }
}
