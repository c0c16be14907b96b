/**
 * Provides this instance's {@link DependencyMonitor} and the outbox/outage metrics globally, under
 * {@link DEPENDENCY_STATUS} and {@link DEPENDENCY_METRICS} (both optional to their users).
 */
import { Global, Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import type { DependencyMetrics } from '../observability/metrics.js';
import type { DependencyStatus } from './dependency-monitor.js';

export const DEPENDENCY_STATUS = Symbol('DEPENDENCY_STATUS');
export const DEPENDENCY_METRICS = Symbol('DEPENDENCY_METRICS');

@Global()
@Module({})
export class DependenciesModule implements OnApplicationShutdown {
  constructor(@Inject(DEPENDENCY_STATUS) private readonly status: DependencyStatus & { close?: () => void }) {}

  /** The monitor probes during an outage: stop it with the app. */
  onApplicationShutdown(): void {
    this.status.close?.();
  }

  static forRoot(status: DependencyStatus, metrics: DependencyMetrics): DynamicModule {
    const providers = [
      { provide: DEPENDENCY_STATUS, useValue: status },
      { provide: DEPENDENCY_METRICS, useValue: metrics },
    ];
    return { module: DependenciesModule, providers, exports: providers.map((p) => p.provide) };
  }
}
