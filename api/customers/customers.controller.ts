/** Customer profiles: traits in, the support history out. */
import { Body, Controller, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { IngestionService } from '../events/ingestion.service.js';
import { ApiError } from '../http/api-error.js';
import { Checker, invalidRequest, isPlainObject, parseInstant, type FieldIssue } from '../http/validation.js';
import { Actor } from '../auth/actor.decorator.js';
import type { Principal } from '../../core/access/roles.js';
import { HistoryService, type CustomerEventsFilter } from '../../core/customers/history.js';
import { ConsentService, type ConsentChangeRequest } from '../../core/customers/consent.js';
import { CONSENT_CHANNELS, CustomerProfileService } from '../../core/customers/profile.js';
import { EXPORT_SCHEMA, PROFILE_SCHEMA } from './customers.schemas.js';
import { CustomerDataRequests } from '../../core/customers/data-requests.js';
import { IdentityService } from '../../core/identity/identify.js';
import { checkCustomerId, MAX_ANONYMOUS_ID_LENGTH } from '../events/event-batch.validation.js';
import { Endpoint, INSTANT_QUERY, NON_EMPTY, PAGE_QUERY, answerWith, pageSchema, type SchemaObject } from '../http/endpoint.js';
import { isTimeIdCursor, parsePageQuery } from '../http/pagination.js';
import { text, time } from '../http/schemas.js';

export const MAX_CUSTOMER_ID_LENGTH = 200;


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

@Controller('v1/customers')
export class CustomersController {
  constructor(
    private readonly ingestion: IngestionService,
    private readonly history: HistoryService,
    private readonly consent: ConsentService,
    private readonly profiles: CustomerProfileService,
    private readonly identities: IdentityService,
    private readonly dataRequests: CustomerDataRequests,
  ) {}

  @Endpoint({
    summary: 'Everything the engine holds about a customer, as one JSON document (a data-subject access request)',
    description:
      'Profile (traits unmasked), identities, events, segment memberships, enrollments with their steps, refusals, messages with their delivery reports, ' +
      'recorded sends, CRM tasks and the audit entries about the customer (consent changes, identity moves, erasure). Admin only; audited as customer.export.',
    access: [],
    ok: { description: 'The export document', schema: EXPORT_SCHEMA },
    errors: [{ status: 404, codes: ['customer_not_found'] }],
  })
  @Get(':customerId/export')
  async exportData(@Param('customerId') customerId: string, @Actor() actor: Principal) {
    return this.dataRequests.export(actor, customerId);
  }

  @Endpoint({
    summary: "Erase a customer's personal data everywhere the engine keeps it, and end their runs",
    description:
      'Ends every live run of the customer (workflow terminated; status exited, exit reason erased), then deletes the profile, identities and segment memberships ' +
      'and blanks event properties, run entry payloads, step details (the branch port stays), message texts and recipients, recorded sends and CRM task texts. ' +
      'Run, message and event rows stay (keyed by the customer id) so stats, funnels and per-node counts stay right. Admin only; audited as customer.erasure ' +
      'with the counts; idempotent: a repeat answers erased: false. A later event for the id starts a new, empty customer (docs/operations.md#erasure).',
    access: [],
    maxBodyBytes: 8 * 1024,
    body: { type: 'object', required: ['reason'], properties: { reason: { type: 'string', minLength: 1, maxLength: 500, description: 'the request it answers (ticket number), kept in the audit log' } } },
    ok: {
      description: '{ customerId, erased, runsEnded, rows }',
      schema: answerWith(['customerId', 'erased', 'runsEnded', 'rows'], {
        erased: { type: 'boolean' },
        runsEnded: { type: 'integer' },
        rows: { type: 'object', additionalProperties: { type: 'integer' }, description: 'rows changed by table' },
      }),
    },
    errors: [{ status: 400, codes: ['invalid_body'] }],
  })
  @Post(':customerId/erasure')
  @HttpCode(200)
  async erase(@Param('customerId') customerId: string, @Body() body: unknown, @Actor() actor: Principal) {
    const check = new Checker();
    const reason = isPlainObject(body) ? body.reason : undefined;
    check.string(reason, '$.reason', { max: 500 });
    if (check.issues.length > 0) throw check.error('invalid_body');
    return this.dataRequests.erase(actor, customerId, reason as string);
  }

  @Endpoint({
    summary: 'One customer as support reads it: traits, consent, identities, live journeys, last events, message counts',
    description:
      'Personal traits (phone, email, push tokens, names) are masked by the history\'s rule unless the key is admin or engineer (`maskedTraits` names them). ' +
      '`consent` has every channel with its recorded value (null: never recorded, touches allowed), the opt-out time and the newest change support recorded. ' +
      '`journeys` are the runs the customer is in now with their node and next deadline (`movesOnAt`); `lastEvents` the newest 10 events (stitched ones included).',
    access: ['support', 'viewer', 'marketer', 'engineer'],
    ok: { description: 'The profile', schema: PROFILE_SCHEMA },
    errors: [{ status: 404, codes: ['customer_not_found'] }],
  })
  @Get(':customerId')
  async getProfile(@Param('customerId') customerId: string, @Actor() actor: Principal) {
    const profile = await this.profiles.profile(customerId, actor.role);
    if (!profile) throw notFound(customerId);
    return profile;
  }

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
        channel: { type: 'string', enum: [...CONSENT_CHANNELS] },
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
    body: {
      type: 'object',
      required: ['traits'],
      properties: {
        traits: { type: 'object', description: 'at most 64 KB as JSON' },
        anonymousId: { type: 'string', minLength: 1, maxLength: MAX_ANONYMOUS_ID_LENGTH, description: 'links this anonymous id to the customer first, as POST /v1/identify does (no move)' },
      },
    },
    ok: { description: '{ customerId, traits }: the merged traits', schema: answerWith(['customerId', 'traits']) },
    errors: [{ status: 400, codes: ['invalid_body'] }, { status: 409, codes: ['anonymous_id_linked'], description: 'the anonymous id is linked to another customer; nothing changed' }],
  })
  @Put(':customerId')
  @HttpCode(200)
  async upsert(@Param('customerId') customerId: string, @Body() body: unknown, @Actor() actor: Principal) {
    const check = new Checker();
    checkCustomerId(check, customerId, 'customerId');
    check.object(isPlainObject(body) ? body.traits : undefined, '$.traits', { maxBytes: MAX_TRAITS_BYTES });
    const anonymousId = isPlainObject(body) ? body.anonymousId : undefined;
    check.string(anonymousId, '$.anonymousId', { max: MAX_ANONYMOUS_ID_LENGTH, optional: true });
    if (check.issues.length > 0) throw check.error('invalid_body');
    if (typeof anonymousId === 'string') await this.identities.identify(actor, { anonymousId, customerId });
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
  if (check.string(b.channel, '$.channel', { max: 40 }) && !(CONSENT_CHANNELS as readonly string[]).includes(b.channel)) {
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
    if (ms === null) issues.push({ path: `$query.${key}`, code: 'invalid_format', message: `$query.${key} must be an ISO 8601 date-time with an offset or epoch milliseconds` });
    return ms;
  };
  const name = query.name;
  if (name !== undefined && (typeof name !== 'string' || name.length === 0 || name.length > 200)) {
    issues.push({ path: '$query.name', code: 'invalid_format', message: '$query.name must be an event name of 1 to 200 characters' });
  }
  return { name: typeof name === 'string' ? name : null, fromMs: instant('from'), toMs: instant('to') };
}
