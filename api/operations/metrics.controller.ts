/** `GET /metrics`: the Prometheus text exposition, gauges read from PostgreSQL at scrape time. */
import { Controller, Get, Header, Inject } from '@nestjs/common';
import { METRICS_CONTENT_TYPE } from '../../observability/metrics.js';
import { OPERATIONS_OPTIONS, type OperationsOptions } from './operations.tokens.js';
import { Endpoint } from '../http/endpoint.js';

@Controller('metrics')
export class MetricsController {
  constructor(@Inject(OPERATIONS_OPTIONS) private readonly options: OperationsOptions) {}

  @Endpoint({
    summary: 'Prometheus metrics (text exposition)',
    description:
      'Needs an API key (a `viewer` key is enough; Prometheus sends it as `authorization: { type: Bearer, credentials_file: ... }`): ' +
      'the labels carry journey and node ids. See "Metrics and scraping" in docs/operations.md.',
    access: ['engineer', 'viewer'],
    ok: { description: 'Prometheus text format' },
  })
  @Get()
  @Header('Content-Type', METRICS_CONTENT_TYPE)
  @Header('Cache-Control', 'no-store')
  scrape(): Promise<string> {
    return this.options.metrics.collect();
  }
}
