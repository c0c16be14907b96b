/** Validation of the journeys context's path parameters and bodies. */
import { ApiError } from '../http/api-error.js';
import { Checker, isPlainObject } from '../http/validation.js';
import type { ApiEnrollmentRequest } from './api-entry.service.js';

/** Journey ids end up in version and workflow ids (`<id>@3`, `journey:<id>:customer:...`): keep them plain. */
export const JOURNEY_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;
export const MAX_KEY_LENGTH = 200;
export const MAX_PAYLOAD_BYTES = 16 * 1024;
export const MAX_EXIT_REASON_LENGTH = 200;

function invalidBody(check: Checker): ApiError {
  return new ApiError(400, 'invalid_body', check.issues.map((i) => i.message).join('; '), { issues: check.issues });
}

export function assertJourneyId(journeyId: string): void {
  if (!JOURNEY_ID.test(journeyId)) {
    throw new ApiError(
      400,
      'invalid_journey_id',
      'A journey id is 1 to 100 letters, digits, _ . or -, starting with a letter or digit',
    );
  }
}

export function parseEnrollmentRequest(body: unknown): ApiEnrollmentRequest {
  const check = new Checker();
  if (!isPlainObject(body)) {
    check.fail('$', 'invalid_type', 'The body must be a JSON object with customerId');
    throw invalidBody(check);
  }
  const req: ApiEnrollmentRequest = { customerId: body.customerId as string };
  check.string(body.customerId, '$.customerId', { max: MAX_KEY_LENGTH });
  if (check.object(body.payload, '$.payload', { maxBytes: MAX_PAYLOAD_BYTES, optional: true })) req.payload = body.payload;
  if (check.string(body.entryKey, '$.entryKey', { max: MAX_KEY_LENGTH, optional: true })) req.entryKey = body.entryKey;
  if (check.string(body.idempotencyKey, '$.idempotencyKey', { max: MAX_KEY_LENGTH, optional: true })) req.idempotencyKey = body.idempotencyKey;
  if (check.issues.length > 0) throw invalidBody(check);
  return req;
}

export function parseExitRequest(body: unknown): { reason: string } {
  const check = new Checker();
  const reason = isPlainObject(body) ? body.reason : undefined;
  if (check.string(reason, '$.reason', { max: MAX_EXIT_REASON_LENGTH })) return { reason };
  throw invalidBody(check);
}
