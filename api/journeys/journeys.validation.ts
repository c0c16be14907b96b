/** Validation of the journeys context's path parameters and bodies. */
import { upgradeCanvas } from '../../engine/canvas-upgrade.js';
import { ApiError } from '../http/api-error.js';
import { Checker, isPlainObject } from '../http/validation.js';
import type { ApiEnrollmentRequest } from '../../core/journeys/api-entry.js';

/** Journey ids end up in version and workflow ids (`<id>@3`, `journey:<id>:customer:...`): keep them plain. */
export const JOURNEY_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;
export const MAX_KEY_LENGTH = 200;
export const MAX_PAYLOAD_BYTES = 16 * 1024;
export const MAX_EXIT_REASON_LENGTH = 200;

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
    throw check.error('invalid_body');
  }
  const req: ApiEnrollmentRequest = { customerId: body.customerId as string };
  check.string(body.customerId, '$.customerId', { max: MAX_KEY_LENGTH });
  if (check.object(body.payload, '$.payload', { maxBytes: MAX_PAYLOAD_BYTES, optional: true })) req.payload = body.payload;
  if (check.string(body.entryKey, '$.entryKey', { max: MAX_KEY_LENGTH, optional: true })) req.entryKey = body.entryKey;
  if (check.string(body.idempotencyKey, '$.idempotencyKey', { max: MAX_KEY_LENGTH, optional: true })) req.idempotencyKey = body.idempotencyKey;
  if (check.issues.length > 0) throw check.error('invalid_body');
  return req;
}

export function parseExitRequest(body: unknown): { reason: string } {
  const check = new Checker();
  const reason = isPlainObject(body) ? body.reason : undefined;
  if (check.string(reason, '$.reason', { max: MAX_EXIT_REASON_LENGTH })) return { reason };
  throw check.error('invalid_body');
}

/** Largest canvas accepted in a body (the whole body is limited to 1 MB). */
export const MAX_CANVAS_BYTES = 512 * 1024;
export const MAX_REASON_LENGTH = 500;

/**
 * A draft revision from `If-Match` (the journey's ETag `"3-<digest>"`, or `3`, `"3"`, `W/"3"`) or a
 * body's `revision`; undefined when neither is given. Only the draft revision in the tag is compared:
 * a publish or a pause changes the ETag but not the draft a save is based on.
 */
function expectedRevision(check: Checker, value: unknown, ifMatch: string | undefined): number | undefined {
  if (value !== undefined) {
    if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
    check.fail('$.revision', 'invalid_type', '$.revision must be a draft revision number (an integer from 0)');
    return undefined;
  }
  if (ifMatch === undefined) return undefined;
  const m = /^\s*(?:W\/)?"?(\d{1,9})(?:-[A-Za-z0-9_-]{1,64})?"?\s*$/.exec(ifMatch);
  if (m) return Number(m[1]);
  check.fail('header.If-Match', 'invalid_format', 'If-Match must be the journey\'s ETag or a draft revision number, e.g. "3"');
  return undefined;
}

function fields(body: unknown): Record<string, unknown> {
  return isPlainObject(body) ? body : {};
}

/** `POST /v1/journeys`: `{ id, canvas }`; the canvas may be an invalid draft, but must be a JSON object. */
export function parseCreateJourney(body: unknown): { id: string; canvas: Record<string, unknown> } {
  const check = new Checker();
  const { id, canvas } = fields(body);
  const validId = check.string(id, '$.id', { max: 100, pattern: JOURNEY_ID, patternHint: 'must be letters, digits, _ . or -, starting with a letter or digit' });
  const validCanvas = check.object(canvas, '$.canvas', { maxBytes: MAX_CANVAS_BYTES });
  // Format 1 is accepted and stored as its format-2 upgrade (docs/canvas.md#format-1).
  if (validId && validCanvas) return { id, canvas: upgradeCanvas(canvas) };
  throw check.error('invalid_body');
}

/** `PUT /v1/journeys/:id/draft`: `{ canvas, revision? }`, or the revision in `If-Match`. */
export function parseDraftUpdate(body: unknown, ifMatch: string | undefined): { canvas: Record<string, unknown>; revision?: number } {
  const check = new Checker();
  const { canvas, revision } = fields(body);
  const expected = expectedRevision(check, revision, ifMatch);
  if (check.object(canvas, '$.canvas', { maxBytes: MAX_CANVAS_BYTES }) && check.issues.length === 0) {
    const upgraded = upgradeCanvas(canvas);
    return expected === undefined ? { canvas: upgraded } : { canvas: upgraded, revision: expected };
  }
  throw check.error('invalid_body');
}

/** `POST /v1/journeys/:id/publish`: an optional `{ revision }` (or `If-Match`) the draft must still be at. */
export function parsePublishRequest(body: unknown, ifMatch: string | undefined): { revision?: number } {
  const check = new Checker();
  const expected = expectedRevision(check, fields(body).revision, ifMatch);
  if (check.issues.length > 0) throw check.error('invalid_body');
  return expected === undefined ? {} : { revision: expected };
}

/** An optional (or, with `required`, mandatory) `reason` of at most 500 characters. */
export function parseReason(body: unknown, required: boolean): { reason?: string } {
  const check = new Checker();
  const { reason } = fields(body);
  if (check.string(reason, '$.reason', { max: MAX_REASON_LENGTH, optional: !required })) return { reason };
  if (check.issues.length > 0) throw check.error('invalid_body');
  return {};
}

/** `POST /v1/journeys/:id/stop`: `{ mode: 'finish' | 'exit_now', reason }`. */
export function parseStopRequest(body: unknown): { mode: 'finish' | 'exit_now'; reason: string } {
  const check = new Checker();
  const { mode, reason } = fields(body);
  if (mode !== 'finish' && mode !== 'exit_now') check.fail('$.mode', mode === undefined ? 'required' : 'invalid_value', '$.mode must be "finish" or "exit_now"');
  const hasReason = check.string(reason, '$.reason', { max: MAX_EXIT_REASON_LENGTH });
  if (check.issues.length > 0 || !hasReason) throw check.error('invalid_body');
  return { mode: mode as 'finish' | 'exit_now', reason };
}

/** The `journeyId` path parameter of every journey route (400 invalid_journey_id when it is not one). */
export const JOURNEY_ID_PARAM = {
  description: 'a journey id: 1 to 100 letters, digits, _ . or -, starting with a letter or digit',
  schema: { type: 'string', pattern: JOURNEY_ID.source },
  code: 'invalid_journey_id',
} as const;
