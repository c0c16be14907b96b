/**
 * Proves the layering rules in eslint.config.js: activities/, core/, store/ and engine/ never import
 * the NestJS API (../api/), core/ imports no @nestjs/*, the api/ contexts whose use cases moved to
 * core/ (journeys, customers, monitoring, segments, crm, audit, auth, messaging, operations, events) import no ../store/, and store/ imports nothing of ours but ../engine/ and ../migrations/.
 */
import { describe, expect, it } from '@jest/globals';
import { importErrors } from './lint-text.js';

const FROM_API = "import { ApiError } from '../api/http/api-error.js';\nexport const a = ApiError;";
const FROM_NESTED_API = "import { ApiError } from '../../api/http/api-error.js';\nexport const a = ApiError;";

describe('layering import rules', () => {
  it.each([
    ['activities/', 'activities/x.ts', FROM_API],
    ['a channel folder of activities/', 'activities/channels/sms/x.ts', "import { ApiError } from '../../../api/http/api-error.js';\nexport const a = ApiError;"],
    ['core/', 'core/x.ts', FROM_API],
    ['engine/', 'engine/x.ts', FROM_API],
    ['engine/segments/', 'engine/segments/x.ts', FROM_NESTED_API],
    ['store/', 'store/x.ts', FROM_API],
    ['a type-only import in store/', 'store/x.ts', "import type { Principal } from '../api/auth/roles.js';\nexport type A = Principal;"],
  ])('rejects an import of ../api/ from %s', async (_name, filePath, code) => {
    expect(await importErrors(code, filePath)).not.toEqual([]);
  });

  it.each([
    ['@nestjs/common', 'core/x.ts', "import { Injectable } from '@nestjs/common';\nexport const a = Injectable;"],
    ['@nestjs/core', 'core/journeys/x.ts', "import { NestFactory } from '@nestjs/core';\nexport const a = NestFactory;"],
    ['a type from @nestjs/common', 'core/journeys/x.ts', "import type { INestApplication } from '@nestjs/common';\nexport type A = INestApplication;"],
  ])('rejects an import of %s from core/', async (_name, filePath, code) => {
    expect(await importErrors(code, filePath)).not.toEqual([]);
  });

  it('still rejects ../api/ from core/ next to the NestJS rule', async () => {
    expect(await importErrors(FROM_NESTED_API, 'core/journeys/x.ts')).not.toEqual([]);
  });

  it.each([
    ['api/journeys/', 'api/journeys/x.controller.ts'],
    ['api/customers/', 'api/customers/x.controller.ts'],
    ['api/monitoring/', 'api/monitoring/x.controller.ts'],
    ['api/audit/', 'api/audit/x.ts'],
    ['api/auth/', 'api/auth/x.guard.ts'],
    ['api/segments/', 'api/segments/x.controller.ts'],
    ['api/crm/', 'api/crm/x.controller.ts'],
    ['api/messaging/', 'api/messaging/x.controller.ts'],
    ['api/operations/', 'api/operations/x.controller.ts'],
    ['api/events/', 'api/events/x.service.ts'],
  ])('rejects an import of ../store/ from %s, whose use cases are in core/', async (_name, filePath) => {
    const code = "import { JourneysRepository } from '../../store/journeys.repository.js';\nexport const a = JourneysRepository;";
    expect(await importErrors(code, filePath)).not.toEqual([]);
  });

  it('allows a moved api/ context to import core/', async () => {
    const code = "import { DraftsService } from '../../core/journeys/drafts.js';\nexport const a = DraftsService;";
    expect(await importErrors(code, 'api/journeys/x.controller.ts')).toEqual([]);
  });

  it.each([
    ['activities/', "import { createActivities } from '../activities/index.js';\nexport const a = createActivities;"],
    ['core/', "import { EnrollmentService } from '../core/enrollment.js';\nexport const a = EnrollmentService;"],
    ['observability/', "import { listStuckRuns } from '../observability/stuck-runs.js';\nexport const a = listStuckRuns;"],
    ['workflows/', "import { journeyRun } from '../workflows/journey-run.js';\nexport const a = journeyRun;"],
    ['config/', "import { loadConfig } from '../config/index.js';\nexport const a = loadConfig;"],
  ])('rejects an import of %s from store/', async (_name, code) => {
    expect(await importErrors(code, 'store/x.repository.ts')).not.toEqual([]);
  });

  it.each([
    ['the engine', "import type { ExecutionPlan } from '../engine/plan.js';\nexport type A = ExecutionPlan;"],
    ['a nested engine path', "import { compileSegment } from '../engine/segments/index.js';\nexport const a = compileSegment;"],
    ['the migrations', "import { MIGRATIONS } from '../migrations/index.js';\nexport const a = MIGRATIONS;"],
    ['a file of store/', "import type { Queryable } from './queryable.js';\nexport type A = Queryable;"],
    ['an npm package', "import { DataSource } from 'typeorm';\nexport const a = DataSource;"],
  ])('allows store/ to import %s', async (_name, code) => {
    expect(await importErrors(code, 'store/x.repository.ts')).toEqual([]);
  });

  it.each([
    ['activities/ importing store/ and core/', 'activities/x.ts', "import { EnrollmentService } from '../core/enrollment.js';\nimport { EventsRepository } from '../store/events.repository.js';\nexport const a = [EnrollmentService, EventsRepository];"],
    ['core/ importing store/ and the workflow contract', 'core/x.ts', "import { EnrollmentsRepository } from '../store/enrollments.repository.js';\nimport { exitEnrollmentSignal } from '../engine/workflow-contract.js';\nexport const a = [EnrollmentsRepository, exitEnrollmentSignal];"],
    ['api/ importing core/', 'api/x.ts', "import { EnrollmentService } from '../core/enrollment.js';\nexport const a = [EnrollmentService];"],
  ])('allows %s', async (_name, filePath, code) => {
    expect(await importErrors(code, filePath)).toEqual([]);
  });
});
