/**
 * The operations context: what on-call staff and Prometheus read (`GET /metrics`, stuck runs), durable
 * bulk operations and their progress (`GET /v1/operations/:id`). (The API's logger reaches every
 * module in RuntimeOptions.logger.)
 */
import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { OperationsViewService } from '../../core/operations-view.js';
import { DATA_SOURCE } from '../runtime.js';
import { MetricsController } from './metrics.controller.js';
import { OPERATIONS_OPTIONS, type OperationsOptions } from './operations.tokens.js';
import { OperationsController } from './operations.controller.js';
import { StuckRunsController } from './stuck-runs.controller.js';

@Global()
@Module({})
export class OperationsModule {
  static forRoot(options: OperationsOptions): DynamicModule {
    const providers = [
      { provide: OPERATIONS_OPTIONS, useValue: options },
      { provide: OperationsViewService, useFactory: (db: DataSource) => new OperationsViewService(db), inject: [DATA_SOURCE] },
    ];
    return { module: OperationsModule, controllers: [MetricsController, StuckRunsController, OperationsController] /* stuck-runs before :operationId */, providers };
  }
}
