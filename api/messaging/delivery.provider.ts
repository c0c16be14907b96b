/** Provides core's DeliveryService (core/messaging/delivery.ts) to Nest, built on the API's database. */
import type { Provider } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { DeliveryService } from '../../core/messaging/delivery.js';
import { DATA_SOURCE } from '../runtime.js';

export const deliveryProvider: Provider = {
  provide: DeliveryService,
  useFactory: (db: DataSource) => new DeliveryService(db),
  inject: [DATA_SOURCE],
};
