/** The delivery-report routes of the registered channels (always mounted; a route answers 404 until its provider is configured). */
import { Module } from '@nestjs/common';
import { DeliveryReportsController } from './delivery-reports.controller.js';
import { DeliveryService } from './delivery.service.js';

@Module({ controllers: [DeliveryReportsController], providers: [DeliveryService] })
export class DeliveryReportsModule {}
