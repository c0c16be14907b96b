/**
 * The one place where a use case's refusal (core/errors.ts) becomes an HTTP answer: its kind picks
 * the status, its code, message and details become the error body the ErrorFilter writes.
 */
import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { catchError, throwError, type Observable } from 'rxjs';
import { UseCaseError, type UseCaseErrorKind } from '../core/errors.js';
import { ApiError } from './http/api-error.js';

const STATUS_OF: Record<UseCaseErrorKind, number> = {
  invalid: 400,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  unprocessable: 422,
  unavailable: 503,
};

/** The API error answering `err`, when it is a use case's refusal; anything else unchanged. */
export function httpErrorOf(err: unknown): unknown {
  if (!(err instanceof UseCaseError)) return err;
  return new ApiError(STATUS_OF[err.kind], err.code, err.message, err.details);
}

/** Rethrows a use case's refusal as the ApiError it answers with (registered app-wide in app.module.ts). */
@Injectable()
export class UseCaseErrorInterceptor implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(catchError((err: unknown) => throwError(() => httpErrorOf(err))));
  }
}
