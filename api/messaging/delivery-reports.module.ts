/** The delivery-report routes of the registered channels (always mounted; a route answers 404 until its provider is configured). */
import { Module } from '@nestjs/common';
import { DeliveryReportsController } from './delivery-reports.controller.js';
import { deliveryProvider } from './delivery.provider.js';

@Module({ controllers: [DeliveryReportsController], providers: [deliveryProvider] })
export class DeliveryReportsModule {}
