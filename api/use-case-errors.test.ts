import { describe, expect, it } from '@jest/globals';
import { UseCaseError, type UseCaseErrorKind } from '../core/errors.js';
import { ApiError } from './http/api-error.js';
import { httpErrorOf } from './use-case-errors.js';

describe('a use case refusal as an HTTP answer', () => {
  it.each<[UseCaseErrorKind, number]>([
    ['invalid', 400],
    ['forbidden', 403],
    ['not_found', 404],
    ['conflict', 409],
    ['unprocessable', 422],
    ['unavailable', 503],
  ])('%s answers %d with the code, message and details', (kind, status) => {
    const mapped = httpErrorOf(new UseCaseError(kind, 'some_code', 'Some message', { issues: [1] }));
    expect(mapped).toBeInstanceOf(ApiError);
    expect(mapped).toMatchObject({ status, code: 'some_code', message: 'Some message', details: { issues: [1] } });
  });

  it('leaves any other error alone', () => {
    const other = new Error('boom');
    expect(httpErrorOf(other)).toBe(other);
  });
});
