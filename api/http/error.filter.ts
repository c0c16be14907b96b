/**
 * The one exception filter: every error leaves the API as `{ error: { code, message, ... } }`,
 * including body-parser failures (too large, malformed JSON) and Nest's own HTTP exceptions.
 */
import { Catch, HttpException, HttpStatus, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { createLogger, errorFields, type Logger } from '../../observability/logger.js';
import type { DependencyMetrics } from '../../observability/metrics.js';
import { DependencyUnavailableError, RETRY_AFTER_SECONDS, unavailableDependencyOf } from '../dependencies.js';
import type { DependencyStatus } from '../dependency-monitor.js';
import { ApiError, type ErrorBody } from './api-error.js';

/** What body-parser (through express.json) attaches to the errors it raises. */
interface BodyParserError {
  type?: string;
  status?: number;
  limit?: number;
}

const STATUS_CODES: Record<number, string> = {
  400: 'bad_request',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
};

/** The part of Express's response the filter uses (the express types are not a dependency). */
interface JsonResponse {
  headersSent: boolean;
  setHeader(name: string, value: string): void;
  status(code: number): { json(body: unknown): void };
}

/** Where outages are reported (both optional: unit tests build the filter bare). */
export interface ErrorFilterOutages {
  monitor?: DependencyStatus;
  metrics?: DependencyMetrics;
}

@Catch()
export class ErrorFilter implements ExceptionFilter {
  constructor(
    private readonly logger: Logger = createLogger({ service: 'api' }),
    private readonly outages: ErrorFilterOutages = {},
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<JsonResponse>();
    const unavailable = this.unavailable(exception);
    const [status, body] = this.toResponse(unavailable ?? exception);
    if (res.headersSent) return;
    if (unavailable) res.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
    res.status(status).json(body);
  }

  /**
   * A dependency that cannot be reached is the server's condition, not a bug: 503 naming it, reported
   * to the monitor (which logs the outage once), never a stack per request.
   */
  private unavailable(exception: unknown): DependencyUnavailableError | null {
    const dependency = unavailableDependencyOf(exception);
    if (!dependency) return null;
    this.outages.monitor?.reportFailure(dependency, exception);
    this.outages.metrics?.unavailableResponses.inc({ dependency });
    return exception instanceof DependencyUnavailableError ? exception : new DependencyUnavailableError(dependency, 'try again after the seconds in Retry-After');
  }

  private toResponse(exception: unknown): [number, ErrorBody] {
    if (exception instanceof ApiError) {
      return [exception.status, { error: { code: exception.code, message: exception.message, ...exception.details } }];
    }
    // Nest's Express adapter wraps body-parser errors in an HttpException; the original is its cause.
    const parser = (exception instanceof HttpException && exception.cause ? exception.cause : exception) as BodyParserError;
    if (parser?.type === 'entity.too.large') {
      return [413, { error: { code: 'payload_too_large', message: `The request body exceeds the limit of ${parser.limit ?? 'the configured'} bytes` } }];
    }
    if (parser?.type === 'entity.parse.failed') {
      return [400, { error: { code: 'malformed_json', message: `The request body is not valid JSON: ${(exception as Error).message}` } }];
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      return [status, { error: { code: STATUS_CODES[status] ?? `http_${status}`, message: exception.message } }];
    }
    if (typeof parser?.status === 'number' && parser.status >= 400 && parser.status < 500) {
      // Other body-parser rejections (unsupported charset, encoding...): the client's fault, say so.
      return [parser.status, { error: { code: STATUS_CODES[parser.status] ?? 'bad_request', message: (exception as Error).message } }];
    }
    this.logger.error('api: unhandled error', { ...errorFields(exception), stack: exception instanceof Error ? exception.stack : undefined });
    return [HttpStatus.INTERNAL_SERVER_ERROR, { error: { code: 'internal_error', message: 'Something went wrong on our side; try again later' } }];
  }
}
