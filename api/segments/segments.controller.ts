/** `/v1/segments`: author, list, preview and delete segments; "is customer X in it, and why not". */
import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { Actor } from '../auth/actor.decorator.js';
import type { Principal } from '../../core/access/roles.js';
import { Endpoint, PAGE_QUERY, pageSchema, type SchemaObject } from '../http/endpoint.js';
import { anyObject, object, oneOfValues, text } from '../http/schemas.js';
import { isString, parsePageQuery } from '../http/pagination.js';
import { SegmentsService } from '../../core/segments/segments.js';
import { assertSegmentKey, MAX_SAMPLE, parsePreviewBody, parseSampleQuery, parseSegmentBody } from './segments.validation.js';
import { MAX_NAME_LENGTH, SEGMENT_KEY_PATTERN } from '../../engine/segments/schema.js';

/** Who may read segments and segment runs besides admins; writes are for marketers. */
export const READERS = ['marketer', 'support', 'viewer'] as const;

const SEGMENT_SCHEMA: SchemaObject = {
  type: 'object',
  properties: {
    key: { type: 'string' },
    name: { type: 'string' },
    rule: { type: 'object', additionalProperties: true, description: 'a segment rule (docs/segments.md)' },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
};

const PREVIEW_SCHEMA: SchemaObject = {
  type: 'object',
  properties: {
    count: { type: 'integer' },
    sample: { type: 'array', items: { type: 'object', properties: { customerId: { type: 'string' }, traits: { type: 'object', additionalProperties: true } } } },
  },
};

/** core/segments/segments.ts MembershipAnswer: member or not, and the conditions that kept the customer out. */
const MEMBERSHIP_SCHEMA: SchemaObject = object(['segment', 'customerId', 'member', 'failed'], {
  segment: text(),
  customerId: text(),
  member: { type: 'boolean' },
  failed: {
    type: 'array',
    description: 'empty when member',
    items: object(['path', 'kind', 'rule', 'result', 'expected', 'found', 'reason', 'howClose'], {
      path: { ...text(), description: 'JSON path of the condition in the rule', example: '$.all[1]' },
      kind: oneOfValues(['and', 'or', 'not', 'trait', 'event', 'segment']),
      rule: anyObject('the condition as written'),
      result: { type: 'boolean', description: 'its outcome for the customer' },
      expected: { type: 'boolean', description: 'the outcome membership needed' },
      found: { description: "what the customer holds against it: the trait's value, the number of matching events, a time; null when none" },
      reason: text(),
      howClose: text(),
    }),
  },
});

/** The `key` path parameter (400 invalid_segment_key when it is not one). */
const SEGMENT_KEY_PARAM = { description: 'a segment key', schema: { type: 'string' as const, pattern: SEGMENT_KEY_PATTERN, maxLength: MAX_NAME_LENGTH }, code: 'invalid_segment_key' };
const SEGMENT_NAME = { type: 'string' as const, minLength: 1, maxLength: MAX_NAME_LENGTH };
const RULE_ERRORS = { status: 422, codes: ['invalid_segment'], description: 'error.issues: every problem with its JSON path (under $.rule)' };
const NOT_FOUND = { status: 404, codes: ['segment_not_found'] };
const BAD_KEY = { status: 400, codes: ['invalid_segment_key'] };
const PREVIEW_TIMEOUT = { status: 503, codes: ['segment_preview_timeout'], description: 'counting took longer than JE_SEGMENT_PREVIEW_TIMEOUT (default 30 s) and was cancelled' };
const SAMPLE_QUERY = { sample: { description: `customers in the sample, 0-${MAX_SAMPLE} (default 10), first by id`, schema: { type: 'integer' as const, minimum: 0, maximum: MAX_SAMPLE } } };

@Controller('v1/segments')
export class SegmentsController {
  constructor(private readonly segments: SegmentsService) {}

  @Post()
  @Endpoint({
    summary: 'Create a segment',
    access: ['marketer'],
    body: { type: 'object', required: ['key', 'name', 'rule'], properties: { key: SEGMENT_KEY_PARAM.schema, name: SEGMENT_NAME, rule: { type: 'object', additionalProperties: true } } },
    ok: { status: 201, description: 'The segment', schema: SEGMENT_SCHEMA },
    errors: [{ status: 400, codes: ['invalid_body'] }, { status: 409, codes: ['segment_exists'] }, RULE_ERRORS],
  })
  async create(@Body() body: unknown, @Actor() actor: Principal) {
    const { key, ...input } = parseSegmentBody(body, true);
    return this.segments.create(actor, key as string, input);
  }

  @Get()
  @Endpoint({
    summary: 'List segments by key',
    access: READERS,
    query: PAGE_QUERY,
    ok: { description: 'A page of segments', schema: pageSchema(SEGMENT_SCHEMA) },
    errors: [{ status: 400, codes: ['invalid_query'] }],
  })
  list(@Query() query: Record<string, unknown>) {
    return this.segments.list(parsePageQuery(query, isString));
  }

  @Post('preview')
  @HttpCode(200)
  @Endpoint({
    summary: 'Preview an unsaved rule: how many customers are in it now, and a sample',
    access: READERS,
    body: { type: 'object', required: ['rule'], properties: { rule: { type: 'object', additionalProperties: true }, sample: { type: 'integer', minimum: 0, maximum: MAX_SAMPLE } } },
    ok: { description: '{ count, sample }', schema: PREVIEW_SCHEMA },
    errors: [{ status: 400, codes: ['invalid_body'] }, RULE_ERRORS, PREVIEW_TIMEOUT],
  })
  previewDraft(@Body() body: unknown) {
    const { rule, sample } = parsePreviewBody(body);
    return this.segments.preview({ rule }, sample);
  }

  @Get(':key')
  @Endpoint({ summary: 'One segment', access: READERS, params: { key: SEGMENT_KEY_PARAM }, ok: { description: 'The segment', schema: SEGMENT_SCHEMA }, errors: [BAD_KEY, NOT_FOUND] })
  get(@Param('key') key: string) {
    assertSegmentKey(key);
    return this.segments.get(key);
  }

  @Put(':key')
  @Endpoint({
    summary: "Replace a segment's name and rule",
    description: 'Journeys that use the segment see the new rule at their next evaluation.',
    access: ['marketer'],
    params: { key: SEGMENT_KEY_PARAM },
    body: { type: 'object', required: ['name', 'rule'], properties: { name: SEGMENT_NAME, rule: { type: 'object', additionalProperties: true } } },
    ok: { description: 'The segment', schema: SEGMENT_SCHEMA },
    errors: [{ status: 400, codes: ['invalid_body', 'invalid_segment_key'] }, NOT_FOUND, RULE_ERRORS],
  })
  update(@Param('key') key: string, @Body() body: unknown, @Actor() actor: Principal) {
    assertSegmentKey(key);
    return this.segments.update(actor, key, parseSegmentBody(body, false));
  }

  @Delete(':key')
  @HttpCode(204)
  @Endpoint({
    summary: 'Delete a segment nothing uses',
    access: ['marketer'],
    params: { key: SEGMENT_KEY_PARAM },
    ok: { status: 204, description: 'Deleted' },
    errors: [
      BAD_KEY,
      NOT_FOUND,
      { status: 409, codes: ['segment_in_use'], description: 'error.journeys, error.segments, error.schedules: what uses it' },
    ],
  })
  async remove(@Param('key') key: string, @Actor() actor: Principal) {
    assertSegmentKey(key);
    await this.segments.remove(actor, key);
  }

  @Get(':key/preview')
  @Endpoint({
    summary: 'How many customers are in the segment now, and a sample',
    access: READERS,
    params: { key: SEGMENT_KEY_PARAM },
    query: SAMPLE_QUERY,
    ok: { description: '{ count, sample }', schema: PREVIEW_SCHEMA },
    errors: [{ status: 400, codes: ['invalid_query', 'invalid_segment_key'] }, NOT_FOUND, PREVIEW_TIMEOUT],
  })
  preview(@Param('key') key: string, @Query() query: Record<string, unknown>) {
    assertSegmentKey(key);
    return this.segments.preview({ key }, parseSampleQuery(query));
  }

  @Get(':key/members/:customerId')
  @Endpoint({
    summary: 'Is the customer in the segment now, and if not, why not',
    description: '`failed` lists the conditions (JSON path in the rule, the condition, its outcome) that kept the customer out.',
    access: READERS,
    params: { key: SEGMENT_KEY_PARAM },
    ok: { description: '{ segment, customerId, member, failed: [{ path, kind, rule, result, expected, reason }] }', schema: MEMBERSHIP_SCHEMA },
    errors: [BAD_KEY, { status: 404, codes: ['segment_not_found', 'customer_not_found'] }],
  })
  membership(@Param('key') key: string, @Param('customerId') customerId: string) {
    assertSegmentKey(key);
    return this.segments.membership(key, customerId);
  }
}
