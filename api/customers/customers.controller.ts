/** Customer profiles: traits in, the support history out. */
import { Body, Controller, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { IngestionService } from '../events/ingestion.service.js';
import { ApiError } from '../http/api-error.js';
import { Checker, invalidRequest, isPlainObject, parseInstant, type FieldIssue } from '../http/validation.js';
import { Actor } from '../auth/actor.decorator.js';
import type { Principal } from '../../core/access/roles.js';
import { HistoryService, type CustomerEventsFilter } from '../../core/customers/history.js';
import { ConsentService, type ConsentChangeRequest } from '../../core/customers/consent.js';
import { Endpoint, INSTANT_QUERY, NON_EMPTY, PAGE_QUERY, answerWith, pageSchema, type SchemaObject } from '../http/endpoint.js';
import { isTimeIdCursor, parsePageQuery } from '../http/pagination.js';

export const MAX_CUSTOMER_ID_LENGTH = 200;

const time = (nullable = false): SchemaObject => ({ type: 'string', format: 'date-time', ...(nullable ? { nullable: true } : {}) });
const text = (nullable = false): SchemaObject => ({ type: 'string', ...(nullable ? { nullable: true } : {}) });

/** The support history (core/customers/history.ts); the console's timeline is typed from it. */
const HISTORY_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['customerId', 'traits', 'enrollments', 'nextCursor'],
  properties: {
    customerId: text(),
    traits: { type: 'object', additionalProperties: true },
    nextCursor: text(true),
    enrollments: {
      type: 'array',
      items: {
        type: 'object',
        required: ['enrollmentId', 'journeyId', 'versionId', 'status', 'enrolledAt', 'endedAt', 'exitReason', 'currentNode', 'waitingUntil', 'steps', 'messages'],
        properties: {
          enrollmentId: text(),
          journeyId: text(),
          versionId: text(),
          status: text(),
          enrolledAt: time(),
          endedAt: time(true),
          exitReason: text(true),
          currentNode: text(true),
          waitingUntil: time(true),
          steps: {
            type: 'array',
            items: {
              type: 'object',
              required: ['seq', 'at', 'nodeId', 'kind', 'detail'],
              properties: { seq: { type: 'integer' }, at: time(), nodeId: text(true), kind: text(), detail: { type: 'object', additionalProperties: true, description: 'what the step decided and the values it used' } },
            },
          },
          messages: {
            type: 'array',
            items: {
              type: 'object',
              required: ['nodeId', 'action', 'status', 'provider', 'providerMessageId', 'errorCode', 'errorMessage', 'deliveryStatus', 'deliveryErrorCode', 'createdAt'],
              properties: {
                nodeId: text(),
                action: text(),
                status: { type: 'string', description: 'pending, sent, failed or suppressed' },
                provider: text(true),
                providerMessageId: text(true),
                errorCode: { type: 'string', nullable: true, description: 'why it failed or was suppressed: no_consent, frequency_cap, ...' },
                errorMessage: text(true),
                deliveryStatus: text(true),
                deliveryErrorCode: text(true),
                createdAt: time(),
              },
            },
          },
        },
      },
    },
  },
};
export const MAX_TRAITS_BYTES = 64 * 1024;
/** Channels a customer can opt out of: the actions that reach them (the send policy reads `consent.<action>`). */
const CONSENT_CHANNELS = ['sms', 'push', 'crm_task'];

@Controller('v1/customers')
export class CustomersController {
  constructor(
    private readonly ingestion: IngestionService,
    private readonly history: HistoryService,
    private readonly consent: ConsentService,
  ) {}

  @Endpoint({
    summary: "Record a customer's opt-out or opt-in for a channel (support, when the customer asks by phone)",
    description:
      'Sets `consent.<channel>` in the traits (false holds back marketing touches of that channel; true lets them through again) ' +
      'and stamps `<channel>_opted_out_at` on an opt-out. Audited as customer.consent with the reason.',
    access: ['support'],
    body: {
      type: 'object',
      required: ['channel', 'consented', 'reason'],
      properties: {
        channel: { type: 'string', enum: CONSENT_CHANNELS },
        consented: { type: 'boolean' },
        reason: { type: 'string', minLength: 1, maxLength: 500, description: 'what the customer asked, recorded in the audit log' },
      },
    },
    ok: { description: '{ customerId, consent, traits }: the merged traits', schema: answerWith(['customerId', 'consent', 'traits'], { traits: { type: 'object', additionalProperties: true } }) },
    errors: [{ status: 400, codes: ['invalid_body'] }, { status: 404, codes: ['customer_not_found'] }],
  })
  @Post(':customerId/consent')
  @HttpCode(200)
  async recordConsent(@Param('customerId') customerId: string, @Body() body: unknown, @Actor() actor: Principal) {
    const change = parseConsentChange(body);
    const traits = await this.consent.record(actor, customerId, change);
    return { customerId, consent: traits.consent, traits };
  }

  /** Creates the customer or merges `traits` into theirs; answers with the merged traits. */
  @Endpoint({
    summary: "Create a customer or merge traits into theirs",
    description: 'Traits: phone, pushTokens, timeZone, accountManager, consent flags, business fields (accountStatus, assets, riskLevel...).',
    access: ['engineer'],
    maxBodyBytes: 128 * 1024,
    body: { type: 'object', required: ['traits'], properties: { traits: { type: 'object', description: 'at most 64 KB as JSON' } } },
    ok: { description: '{ customerId, traits }: the merged traits', schema: answerWith(['customerId', 'traits']) },
    errors: [{ status: 400, codes: ['invalid_body'] }],
  })
  @Put(':customerId')
  @HttpCode(200)
  async upsert(@Param('customerId') customerId: string, @Body() body: unknown) {
    const check = new Checker();
    check.string(customerId, 'customerId', { max: MAX_CUSTOMER_ID_LENGTH });
    check.object(isPlainObject(body) ? body.traits : undefined, '$.traits', { maxBytes: MAX_TRAITS_BYTES });
    if (check.issues.length > 0) throw check.error('invalid_body');
    await this.ingestion.upsertCustomer(customerId, (body as { traits: Record<string, unknown> }).traits);
    return { customerId, traits: await this.history.traits(customerId) };
  }

  @Endpoint({
    summary: "One customer's journeys: every enrollment, step, decision, message and current wait, and the journeys that did not enrol them",
    description:
      'Enrollments come newest first, a page at a time (`limit`, `cursor`; `nextCursor` in the answer). Each names what enrolled the customer (`entry`); ' +
      'each message carries its channel, recipient (masked unless the key is admin or engineer), rendered content, template version and every delivery report. ' +
      '`notEnrolled` (first page) lists the journeys whose trigger matched but refused the customer, with the rule.',
    access: ['support', 'viewer'],
    query: PAGE_QUERY,
    ok: { description: 'The customer, their traits and a page of enrollments with their steps and messages', schema: HISTORY_SCHEMA },
    errors: [{ status: 404, codes: ['customer_not_found'] }, { status: 400, codes: ['invalid_query'] }],
  })
  @Get(':customerId/history')
  async getHistory(@Param('customerId') customerId: string, @Query() query: Record<string, unknown>, @Actor() actor: Principal) {
    const history = await this.history.history(customerId, parsePageQuery(query, isTimeIdCursor), actor.role);
    if (!history) throw notFound(customerId);
    return history;
  }

  @Endpoint({
    summary: "One customer's events, newest first",
    description: 'Filter by `name` and by event time (`from` inclusive, `to` exclusive: ISO 8601 with an offset, or epoch ms); a page at a time (`limit`, `cursor`).',
    access: ['support', 'viewer', 'marketer', 'engineer'],
    query: {
      ...PAGE_QUERY,
      name: { description: 'only events with this name', schema: NON_EMPTY },
      from: { description: 'event time from (inclusive)', schema: INSTANT_QUERY },
      to: { description: 'event time before (exclusive); a `to` not after `from` finds nothing', schema: INSTANT_QUERY },
    },
    ok: {
      description: '{ items: [{ eventId, name, eventTime, receivedAt, properties }], nextCursor }',
      schema: pageSchema({
        type: 'object',
        required: ['eventId', 'name', 'eventTime', 'receivedAt', 'properties'],
        properties: {
          eventId: { type: 'string' },
          name: { type: 'string' },
          eventTime: { type: 'string', format: 'date-time' },
          receivedAt: { type: 'string', format: 'date-time' },
          properties: { type: 'object', additionalProperties: true },
        },
      }),
    },
    errors: [{ status: 404, codes: ['customer_not_found'] }, { status: 400, codes: ['invalid_query'] }],
  })
  @Get(':customerId/events')
  async getEvents(@Param('customerId') customerId: string, @Query() query: Record<string, unknown>) {
    const issues: FieldIssue[] = [];
    const filter = parseEventsFilter(query, issues);
    let page: ReturnType<typeof parsePageQuery<[string, string]>> | null = null;
    try {
      page = parsePageQuery(query, isEventCursor);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      issues.push(...(err.details.issues as FieldIssue[]));
    }
    if (issues.length > 0 || !page) throw invalidRequest('invalid_query', issues);
    const events = await this.history.events(customerId, filter, page);
    if (!events) throw notFound(customerId);
    return events;
  }
}

function parseConsentChange(body: unknown): ConsentChangeRequest {
  const check = new Checker();
  const b = isPlainObject(body) ? body : {};
  if (check.string(b.channel, '$.channel', { max: 40 }) && !CONSENT_CHANNELS.includes(b.channel)) {
    check.fail('$.channel', 'invalid_value', `$.channel must be one of ${CONSENT_CHANNELS.join(', ')}`);
  }
  if (typeof b.consented !== 'boolean') check.fail('$.consented', b.consented === undefined ? 'required' : 'invalid_type', '$.consented must be true or false');
  check.string(b.reason, '$.reason', { max: 500 });
  if (check.issues.length > 0) throw check.error('invalid_body');
  return { channel: b.channel as string, consented: b.consented as boolean, reason: b.reason as string };
}

function notFound(customerId: string): ApiError {
  return new ApiError(404, 'customer_not_found', `No customer with id "${customerId}"`);
}

/** An events page cursor: the event time and the row id (digits). */
const isEventCursor = (value: unknown): value is [string, string] => isTimeIdCursor(value) && /^\d{1,18}$/.test(value[1]);

/** `name`, `from` and `to` of the events query; what is wrong with them goes to `issues`. */
function parseEventsFilter(query: Record<string, unknown>, issues: FieldIssue[]): CustomerEventsFilter {
  const instant = (key: 'from' | 'to'): number | null => {
    const raw = query[key];
    if (raw === undefined) return null;
    const ms = parseInstant(typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : raw);
    if (ms === null) issues.push({ path: `query.${key}`, code: 'invalid_format', message: `query.${key} must be an ISO 8601 date-time with an offset or epoch milliseconds` });
    return ms;
  };
  const name = query.name;
  if (name !== undefined && (typeof name !== 'string' || name.length === 0 || name.length > 200)) {
    issues.push({ path: 'query.name', code: 'invalid_format', message: 'query.name must be an event name of 1 to 200 characters' });
  }
  return { name: typeof name === 'string' ? name : null, fromMs: instant('from'), toMs: instant('to') };
}
