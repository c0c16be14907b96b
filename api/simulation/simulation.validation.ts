/** The body of `POST /v1/journeys/:journeyId/simulate`, checked: every problem with its JSON path in one 400 answer. */
import type { JourneySource } from '../../core/simulation/journey-source.js';
import type { SimulateCommand } from '../../core/simulation/simulate-journey.js';
import type { DocumentIssue } from '../../engine/errors.js';
import { checkInlineCustomer, checkScript } from '../../engine/simulation/script.js';
import type { SchemaObject } from '../http/endpoint.js';
import { invalidRange, invalidRequest, isPlainObject } from '../http/validation.js';

const MAX_CUSTOMER_ID_LENGTH = 200;

/** The durations of a simulation or backtest the document promises: all within the P365D horizon. */
export const SIM_DURATION = '^(P[1-9][0-9]?D|P[1-9]W|PT[1-9][0-9]?[HMS])$';

/** The script issues that are rules between fields (the operation's `ranges`). */
const RANGE_CODES = new Set(['before_start']);

/** The largest version number a request may name (versions are PostgreSQL integers). */
const MAX_VERSION = 999_999_999;

/** `source` of a simulation or backtest, as its body schema states it. */
export const SOURCE_SCHEMA: SchemaObject = {
  description: '"draft" or { version: N }',
  oneOf: [{ type: 'string', enum: ['draft'] }, { type: 'object', required: ['version'], properties: { version: { type: 'integer', minimum: 1, maximum: MAX_VERSION } } }],
};

/** `"draft"` or `{ version: N }`; a problem is added to `issues` (and null returned). */
export function parseSource(value: unknown, issues: DocumentIssue[]): JourneySource | null {
  if (value === 'draft') return 'draft';
  const version = isPlainObject(value) ? value.version : undefined;
  if (typeof version === 'number' && Number.isInteger(version) && version >= 1 && version <= MAX_VERSION) return { version };
  issues.push({ path: '$.source', code: 'invalid_value', message: '$.source must be "draft" or { "version": N } with N a published version number' });
  return null;
}

/** The use case's command, or throws the 400 `invalid_body` answer. */
export function parseSimulateBody(journeyId: string, body: unknown, now: number): SimulateCommand {
  const issues: DocumentIssue[] = [];
  if (!isPlainObject(body)) throw invalidRequest('invalid_body', [{ path: '$', code: 'invalid_type', message: 'the body must be a JSON object' }]);
  const source = parseSource(body.source, issues) ?? 'draft';
  let customer: SimulateCommand['customer'] | null = null;
  const raw = body.customer;
  if (isPlainObject(raw) && raw.customerId !== undefined) {
    if (typeof raw.customerId === 'string' && raw.customerId !== '' && raw.customerId.length <= MAX_CUSTOMER_ID_LENGTH) customer = { customerId: raw.customerId };
    else issues.push({ path: '$.customer.customerId', code: 'invalid_type', message: `$.customer.customerId must be a customer id of at most ${MAX_CUSTOMER_ID_LENGTH} characters` });
  } else {
    const inline = checkInlineCustomer(raw);
    if (inline.ok) customer = inline.value;
    else issues.push(...inline.issues);
  }
  if (body.entry !== undefined && !isPlainObject(body.entry)) issues.push({ path: '$.entry', code: 'invalid_type', message: '$.entry must be an object (the trigger event properties or API payload)' });
  const script = checkScript(body, now);
  if (!script.ok) issues.push(...script.issues);
  // An event before the start breaks a rule between fields: 422 invalid_range when nothing else is wrong.
  if (issues.length > 0 && issues.every((i) => RANGE_CODES.has(i.code))) throw invalidRange(issues);
  if (issues.length > 0 || !script.ok || !customer) throw invalidRequest('invalid_body', issues);
  return { journeyId, source, customer, script: script.value, entry: body.entry as Record<string, unknown> | undefined };
}
