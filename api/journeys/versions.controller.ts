/** Published versions of a journey and diffs between versions, the draft and the active version. */
import { Controller, Get, Param, Query } from '@nestjs/common';
import { Endpoint, PAGE_QUERY, answerWith, pageSchema } from '../http/endpoint.js';
import { isNumber, parsePageQuery } from '../http/pagination.js';
import { JOURNEY_ID_PARAM, assertJourneyId } from './journeys.validation.js';
import { parseCanvasRef, parseVersion } from './query.js';
import { VersionsService, type CanvasRef } from '../../core/journeys/versions.js';

const READERS = ['marketer', 'support', 'viewer'] as const;
const NOT_FOUND = { status: 404, codes: ['journey_not_found', 'version_not_found'] };
const DIFF = '{ journeyId, from: { ref, version }, to: { ref, version }, diff: { identical, nodes: { added, removed, changed: [{ id, type, fields }] }, edges: { added, removed }, settings: { changed } } }';

/** A version in a diff: a number, `draft` or `active`. */
const CANVAS_REF_PARAM = { description: 'a version number, "draft" or "active"', schema: { type: 'string' as const, pattern: '^([1-9][0-9]{0,8}|draft|active)$' }, code: 'invalid_version' };

@Controller('v1/journeys/:journeyId')
export class VersionsController {
  constructor(private readonly versions: VersionsService) {}

  @Endpoint({
    summary: 'The published versions of a journey, newest first',
    access: READERS,
    params: { journeyId: JOURNEY_ID_PARAM },
    query: PAGE_QUERY,
    ok: { schema: pageSchema(answerWith(['version', 'versionId'])), description: 'A page of { version, versionId, isActiveVersion, acceptingEntries, triggerKind, draftRevision, publishedAt, publishedBy, approvedBy, publishRequestId }' },
    errors: [{ status: 400, codes: ['invalid_journey_id', 'invalid_query'] }, { status: 404, codes: ['journey_not_found'] }],
  })
  @Get('versions')
  list(@Param('journeyId') journeyId: string, @Query() query: Record<string, unknown>) {
    assertJourneyId(journeyId);
    return this.versions.list(journeyId, parsePageQuery(query, isNumber));
  }

  @Endpoint({
    summary: 'One published version: canvas, compiled plan, published at and by',
    access: READERS,
    params: { journeyId: JOURNEY_ID_PARAM, version: { description: 'a version number (1, 2, ...)', schema: { type: 'string', pattern: '^[1-9][0-9]{0,8}$' }, code: 'invalid_version' } },
    ok: { description: 'The version summary plus canvas and plan', schema: answerWith(['version', 'versionId']) },
    errors: [{ status: 400, codes: ['invalid_journey_id', 'invalid_version'] }, NOT_FOUND],
  })
  @Get('versions/:version')
  get(@Param('journeyId') journeyId: string, @Param('version') version: string) {
    assertJourneyId(journeyId);
    return this.versions.get(journeyId, parseVersion(version));
  }

  @Endpoint({
    summary: 'What changes from version a to version b (each a number, "draft" or "active")',
    access: READERS,
    params: { journeyId: JOURNEY_ID_PARAM, from: CANVAS_REF_PARAM, to: CANVAS_REF_PARAM },
    ok: { description: DIFF, schema: { type: 'object' } },
    errors: [{ status: 400, codes: ['invalid_journey_id', 'invalid_version'] }, NOT_FOUND],
  })
  @Get('versions/:from/diff/:to')
  diffVersions(@Param('journeyId') journeyId: string, @Param('from') from: string, @Param('to') to: string) {
    return this.diff(journeyId, parseCanvasRef(from, 'active'), parseCanvasRef(to, 'draft'));
  }

  @Endpoint({
    summary: 'What changes from one version to another; by default from the active version to the draft (what a publish would change)',
    access: READERS,
    params: { journeyId: JOURNEY_ID_PARAM },
    query: {
      from: { ...CANVAS_REF_PARAM, description: 'a version number, "draft" or "active" (default active)' },
      to: { ...CANVAS_REF_PARAM, description: 'a version number, "draft" or "active" (default draft)' },
    },
    ok: { description: DIFF, schema: { type: 'object' } },
    errors: [{ status: 400, codes: ['invalid_journey_id', 'invalid_version'] }, NOT_FOUND],
  })
  @Get('diff')
  diffQuery(@Param('journeyId') journeyId: string, @Query() query: Record<string, unknown>) {
    return this.diff(journeyId, parseCanvasRef(query.from, 'active'), parseCanvasRef(query.to, 'draft'));
  }

  private diff(journeyId: string, from: CanvasRef, to: CanvasRef) {
    assertJourneyId(journeyId);
    return this.versions.diff(journeyId, from, to);
  }
}
