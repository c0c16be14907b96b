/** Access: API keys and the audit log (framework-free, core/access/), the guard every route passes; global, so every context records to the audit log. */
import { Global, Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import type { DataSource } from 'typeorm';
import { AuditLog } from '../../core/access/audit-log.js';
import { DATA_SOURCE } from '../runtime.js';
import { ApiKeyGuard } from './api-key.guard.js';
import { ApiKeysController, AuditLogController } from './api-keys.controller.js';
import { ApiKeysService } from '../../core/access/api-keys.js';

@Global()
@Module({})
export class AccessModule {
  static forRoot(): DynamicModule {
    return {
      module: AccessModule,
      controllers: [ApiKeysController, AuditLogController],
      providers: [
        { provide: ApiKeysService, useFactory: (db: DataSource) => new ApiKeysService(db), inject: [DATA_SOURCE] },
        { provide: AuditLog, useFactory: (db: DataSource) => new AuditLog(db), inject: [DATA_SOURCE] },
        { provide: APP_GUARD, useClass: ApiKeyGuard },
      ],
      exports: [ApiKeysService, AuditLog],
    };
  }
}
