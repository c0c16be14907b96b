/**
 * The worker's tiny HTTP server: `GET /metrics` (its registry), `GET /health/live` (the process
 * serves) and `GET /health/ready` (the worker is RUNNING and reaches Temporal). The worker has no other HTTP surface.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { errorFields, noopLogger, type Logger } from './logger.js';
import { METRICS_CONTENT_TYPE } from './metrics.js';

/** Whether the process can do its work, and if not, why. */
export type Readiness = ({ ready: true } | { ready: false; reason: string }) & {
  /** Extra fields of the answer, e.g. `temporal: 'up' | 'down'`. */
  checks?: Record<string, string>;
};

export interface MetricsServerOptions {
  /** 0 picks a free port (tests). */
  port: number;
  host?: string;
  registry: Registry;
  ready: () => Readiness | Promise<Readiness>;
  logger?: Logger;
}

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

function send(res: http.ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
  res.end(body);
}

/** Listens on `port` (resolves once bound; rejects when the port is taken). */
export async function startMetricsServer(opts: MetricsServerOptions): Promise<MetricsServer> {
  const logger = opts.logger ?? noopLogger;
  const json = (res: http.ServerResponse, status: number, body: unknown) => send(res, status, 'application/json', JSON.stringify(body));
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(res, 405, { error: { code: 'method_not_allowed', message: 'GET only' } });
    if (path === '/metrics') {
      opts.registry.metrics().then(
        (text) => send(res, 200, METRICS_CONTENT_TYPE, text),
        (err) => {
          logger.error('metrics: rendering the worker registry failed', errorFields(err));
          json(res, 500, { error: { code: 'internal_error', message: 'metrics unavailable' } });
        },
      );
      return;
    }
    if (path === '/health/live') return json(res, 200, { status: 'ok' });
    if (path === '/health/ready') {
      Promise.resolve()
        .then(() => opts.ready())
        .then(
          (readiness) =>
            readiness.ready
              ? json(res, 200, { status: 'ok', ...readiness.checks })
              : json(res, 503, { status: 'error', ...readiness.checks, error: { code: 'not_ready', message: readiness.reason } }),
          (err) => json(res, 503, { status: 'error', error: { code: 'not_ready', message: errorFields(err).error } }),
        );
      return;
    }
    json(res, 404, { error: { code: 'not_found', message: `no route ${path}` } });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
