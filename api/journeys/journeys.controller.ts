/** Authoring: journeys as drafts, validating and publishing canvases, and API-triggered enrollment. */
import { createHash } from 'node:crypto';
import { upgradeCanvas } from '../../engine/canvas-upgrade.js';
import { Body, Controller, Get, Headers, HttpCode, Param, Post, Put, Query, Res } from '@nestjs/common';
import { Actor } from '../auth/actor.decorator.js';
import type { Principal } from '../../core/access/roles.js';
import { Endpoint, PAGE_QUERY, pageSchema, type SchemaObject, answerWith } from '../http/endpoint.js';
import { CANVAS_REF } from '../http/openapi.js';
import { isString, parsePageQuery } from '../http/pagination.js';
import { ApiEntryService } from '../../core/journeys/api-entry.js';
import { DraftsService, type JourneyView } from '../../core/journeys/drafts.js';
import { isJourneyStatus, JOURNEY_STATUSES } from '../../core/journeys/journey-states.js';
import { JOURNEY_ID_PARAM, assertJourneyId, parseCreateJourney, parseDraftUpdate, parseEnrollmentRequest, parsePublishRequest } from './journeys.validation.js';
import { parseStatusQuery } from './query.js';
import { ReleaseService, type ReleaseOutcome } from '../../core/journeys/release.js';

/** The part of the response a handler needs to pick its status and set headers. */
interface HttpResponse {
  status(code: number): unknown;
  setHeader(name: string, value: string): unknown;
}

const CANVAS_NOTE = 'a canvas (docs/canvas.md, engine/canvas.schema.json); each action node is one of #/components/schemas/ActionNode';
/** A draft's canvas: the canvas schema, or any object while it is unfinished (the answer's `validation` lists its issues). */
const DRAFT_CANVAS: SchemaObject = { description: `${CANVAS_NOTE}; a draft may be unfinished: its issues are in the answer's validation`, anyOf: [CANVAS_REF, { type: 'object', additionalProperties: true }] };
const REVISION_NOTE = 'the draft revision the change is based on (or send it as If-Match); a stale one is refused with 409 draft_conflict';

const JOURNEY_SUMMARY: SchemaObject = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    status: { type: 'string', enum: [...JOURNEY_STATUSES] },
    activeVersion: { type: 'integer', nullable: true, description: 'the version new customers enter while the journey is active' },
    draftRevision: { type: 'integer' },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
};
const ISSUES: SchemaObject = {
  type: 'array',
  items: { type: 'object', required: ['code', 'message', 'path'], properties: { code: { type: 'string' }, message: { type: 'string' }, path: { type: 'string' } } },
};
const VALIDATION_RESULT: SchemaObject = {
  type: 'object',
  required: ['valid', 'issues', 'warnings'],
  properties: { valid: { type: 'boolean' }, issues: ISSUES, warnings: ISSUES, info: ISSUES },
};
const JOURNEY_VIEW_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['id', 'status', 'draft', 'validation'],
  properties: {
    ...JOURNEY_SUMMARY.properties,
    draft: { type: 'object', required: ['revision', 'canvas'], properties: { revision: { type: 'integer' }, canvas: { type: 'object' }, updatedAt: { type: 'string', format: 'date-time' }, unpublishedChanges: { type: 'boolean' } } },
    validation: VALIDATION_RESULT,
    allowedActions: { type: 'array', items: { type: 'string' } },
  },
};
const JOURNEY_VIEW = 'The journey: { id, name, status, activeVersion, draftRevision, draft: { revision, canvas, updatedAt, unpublishedChanges }, validation: { valid, issues, warnings }, allowedActions, createdAt, updatedAt }; ETag: `"<draft revision>-<digest>"`, changed by any change to the answer (send it as If-Match: its draft revision is compared)';
const PUBLISH_ERRORS = [
  { status: 404, codes: ['journey_not_found'] },
  { status: 409, codes: ['invalid_transition', 'draft_conflict'] },
  { status: 422, codes: ['invalid_canvas'], description: 'error.issues: every problem with its JSON path; nothing changed' },
];

/**
 * Answers a journey view with its ETag `"<draft revision>-<digest of the answer>"`: it changes
 * whenever any part of the answer does (a publish, a pause, not only a save), so a revalidating cache
 * never shows a stale status; If-Match on the next save compares the draft revision in it.
 */
function withEtag(res: HttpResponse, view: JourneyView): JourneyView {
  const digest = createHash('sha256').update(JSON.stringify(view)).digest('base64url').slice(0, 16);
  res.setHeader('ETag', `"${view.draft.revision}-${digest}"`);
  return view;
}

/** 201 with the version, or 202 with the publish request under four-eyes publishing. */
function answerRelease(res: HttpResponse, outcome: ReleaseOutcome) {
  if (outcome.published) {
    res.status(201);
    return outcome;
  }
  res.status(202);
  const { request } = outcome;
  return { journeyId: request.journeyId, requestId: request.requestId, status: request.status, draftRevision: request.draftRevision, diff: request.diff };
}

@Controller('v1/journeys')
export class JourneysController {
  constructor(
    private readonly drafts: DraftsService,
    private readonly release: ReleaseService,
    private readonly entry: ApiEntryService,
  ) {}

  @Endpoint({
    summary: 'Create a journey as a draft',
    description: 'The canvas may be invalid (a draft in progress); the answer carries the validation result.',
    access: ['marketer'],
    body: { type: 'object', required: ['id', 'canvas'], properties: { id: JOURNEY_ID_PARAM.schema, canvas: DRAFT_CANVAS } },
    ok: { status: 201, description: JOURNEY_VIEW, schema: JOURNEY_VIEW_SCHEMA },
    errors: [{ status: 400, codes: ['invalid_body'] }, { status: 409, codes: ['journey_exists'] }],
  })
  @Post()
  @HttpCode(201)
  async create(@Body() body: unknown, @Actor() actor: Principal, @Res({ passthrough: true }) res: HttpResponse) {
    const { id, canvas } = parseCreateJourney(body);
    return withEtag(res, await this.drafts.create(actor, id, canvas));
  }

  @Endpoint({
    summary: 'List journeys by id',
    access: ['marketer', 'support', 'viewer'],
    query: { status: { description: `only journeys in this status: ${JOURNEY_STATUSES.join(', ')}`, schema: { type: 'string', enum: [...JOURNEY_STATUSES] } }, ...PAGE_QUERY },
    ok: { description: 'A page of journeys', schema: pageSchema(JOURNEY_SUMMARY) },
    errors: [{ status: 400, codes: ['invalid_query'] }],
  })
  @Get()
  list(@Query() query: Record<string, unknown>) {
    const status = parseStatusQuery(query, isJourneyStatus, JOURNEY_STATUSES);
    return this.drafts.list(status, parsePageQuery(query, isString));
  }

  @Endpoint({
    summary: "Validate a canvas: the compiler's full error list; saves nothing",
    access: ['marketer', 'engineer', 'viewer'],
    body: DRAFT_CANVAS,
    ok: { description: '{ valid, issues, warnings, info }: info lists facts that are not problems, e.g. the profile data each action needs (needs_profile_data) and each template SMS’s length and segments (sms_length)', schema: VALIDATION_RESULT },
  })
  @Post('validate')
  @HttpCode(200)
  validate(@Body() canvas: unknown) {
    return this.drafts.validate(canvas);
  }

  @Endpoint({
    summary: 'A journey: status, draft (with its validation), active version, timestamps',
    access: ['marketer', 'support', 'viewer'],
    params: { journeyId: JOURNEY_ID_PARAM },
    ok: { description: JOURNEY_VIEW, schema: JOURNEY_VIEW_SCHEMA },
    errors: [{ status: 400, codes: ['invalid_journey_id'] }, { status: 404, codes: ['journey_not_found'] }],
  })
  @Get(':journeyId')
  async get(@Param('journeyId') journeyId: string, @Res({ passthrough: true }) res: HttpResponse) {
    assertJourneyId(journeyId);
    return withEtag(res, await this.drafts.get(journeyId));
  }

  @Endpoint({
    summary: "Replace a journey's draft canvas",
    description: `Optimistic concurrency: give ${REVISION_NOTE}. Without one the save is unconditional. An invalid canvas is saved; the answer carries the validation result.`,
    access: ['marketer'],
    params: { journeyId: JOURNEY_ID_PARAM },
    body: {
      type: 'object',
      required: ['canvas'],
      properties: { canvas: DRAFT_CANVAS, revision: { type: 'integer', minimum: 0, maximum: 999_999_999, description: REVISION_NOTE } },
    },
    ok: { description: JOURNEY_VIEW, schema: JOURNEY_VIEW_SCHEMA },
    errors: [
      { status: 400, codes: ['invalid_body', 'invalid_journey_id'] },
      { status: 404, codes: ['journey_not_found'] },
      { status: 409, codes: ['draft_conflict', 'invalid_transition'], description: 'draft_conflict: error.currentRevision; invalid_transition: a stopped or archived journey' },
    ],
  })
  @Put(':journeyId/draft')
  async saveDraft(
    @Param('journeyId') journeyId: string,
    @Body() body: unknown,
    @Headers('if-match') ifMatch: string | undefined,
    @Actor() actor: Principal,
    @Res({ passthrough: true }) res: HttpResponse,
  ) {
    assertJourneyId(journeyId);
    const { canvas, revision } = parseDraftUpdate(body, ifMatch);
    return withEtag(res, await this.drafts.save(actor, journeyId, canvas, revision));
  }

  @Endpoint({
    summary: "Publish the journey's current draft as its next version",
    description:
      'Compiles the draft into an immutable, numbered version that new customers enter; the journey becomes active. ' +
      'Under four-eyes publishing the answer is 202 with a publish request another key must approve.',
    access: ['marketer'],
    params: { journeyId: JOURNEY_ID_PARAM },
    body: { type: 'object', properties: { revision: { type: 'integer', minimum: 0, maximum: 999_999_999, description: REVISION_NOTE } } },
    bodyRequired: false,
    ok: { status: 201, description: '{ published: true, journeyId, versionId, version, draftRevision, diff }; 202 { journeyId, requestId, status: "pending", draftRevision, diff } under four-eyes', schema: answerWith(['journeyId']) },
    errors: [{ status: 400, codes: ['invalid_body', 'invalid_journey_id'] }, ...PUBLISH_ERRORS],
  })
  @Post(':journeyId/publish')
  async publishDraft(
    @Param('journeyId') journeyId: string,
    @Body() body: unknown,
    @Headers('if-match') ifMatch: string | undefined,
    @Actor() actor: Principal,
    @Res({ passthrough: true }) res: HttpResponse,
  ) {
    assertJourneyId(journeyId);
    const { revision } = parsePublishRequest(body, ifMatch);
    return answerRelease(res, await this.release.publishDraft(actor, journeyId, revision));
  }

  @Endpoint({
    summary: 'Save a canvas as the draft and publish it in one step',
    description: 'Creates the journey if needed. An invalid canvas is refused and nothing is stored. Under four-eyes publishing: saves the draft and answers 202 with a publish request.',
    access: ['marketer'],
    params: { journeyId: JOURNEY_ID_PARAM },
    body: { ...CANVAS_REF, description: CANVAS_NOTE },
    ok: { status: 201, description: '{ journeyId, versionId, version }; 202 { journeyId, requestId, status: "pending", draftRevision, diff } under four-eyes', schema: answerWith(['journeyId']) },
    errors: [{ status: 400, codes: ['invalid_journey_id'] }, ...PUBLISH_ERRORS.filter((e) => e.status !== 404)],
  })
  @Put(':journeyId/publish')
  async publish(@Param('journeyId') journeyId: string, @Body() canvas: unknown, @Actor() actor: Principal, @Res({ passthrough: true }) res: HttpResponse) {
    assertJourneyId(journeyId);
    const outcome = await this.release.saveAndPublish(actor, journeyId, upgradeCanvas(canvas));
    const answer = answerRelease(res, outcome);
    return outcome.published ? { journeyId, versionId: outcome.versionId, version: outcome.version } : answer;
  }

  @Endpoint({
    summary: 'Enroll a customer through the API (idempotent by idempotencyKey)',
    access: ['engineer'],
    params: { journeyId: JOURNEY_ID_PARAM },
    body: {
      type: 'object',
      required: ['customerId'],
      properties: {
        customerId: { type: 'string', minLength: 1, maxLength: 200 },
        payload: { type: 'object', description: 'at most 16 KB as JSON' },
        entryKey: { type: 'string', minLength: 1, maxLength: 200 },
        idempotencyKey: { type: 'string', minLength: 1, maxLength: 200 },
      },
    },
    ok: { status: 201, description: 'Enrolled (200 when the idempotency key was seen before or a run is live)', schema: answerWith(['enrolled']) },
    errors: [
      { status: 400, codes: ['invalid_body', 'invalid_journey_id'] },
      { status: 404, codes: ['journey_not_active'], description: 'No such journey' },
      { status: 409, codes: ['journey_not_active', 'trigger_mismatch'], description: 'journey_not_active: the journey is a draft, paused, stopped or archived (error.status)' },
    ],
  })
  @Post(':journeyId/enrollments')
  async enroll(@Param('journeyId') journeyId: string, @Body() body: unknown, @Actor() actor: Principal, @Res({ passthrough: true }) res: HttpResponse) {
    assertJourneyId(journeyId);
    const result = await this.entry.enroll(journeyId, parseEnrollmentRequest(body), `${actor.role}:${actor.name}`);
    res.status(result.enrolled ? 201 : 200);
    return result;
  }
}
