/** `/v1/journeys/:journeyId/backtests`: a draft or version replayed over stored customers and their stored events for a past window, as a durable job. */
import { Body, Controller, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { Backtests } from '../../core/simulation/backtests.js';
import { AuditLog } from '../../core/access/audit-log.js';
import { Actor } from '../auth/actor.decorator.js';
import type { Principal } from '../../core/access/roles.js';
import { Endpoint, type SchemaObject } from '../http/endpoint.js';
import { COUNTS, NESTED_COUNTS, int, object } from '../http/schemas.js';
import { BACKTEST_RANGES, MAX_SAMPLE, SEGMENT_KEY_PATTERN, parseBacktestBody } from './backtests.validation.js';
import { SIM_DURATION, SOURCE_SCHEMA } from './simulation.validation.js';

/** The journey's real runs that entered in the backtest's window (core/simulation/backtest-runner.ts), beside the simulated figures. */
const LIVE_SCHEMA: SchemaObject = {
  ...object(['entered', 'ended', 'nodes'], {
    entered: { ...int(), description: 'real runs that entered in the window' },
    ended: { ...NESTED_COUNTS, description: 'status -> reason -> runs (reason "" when none was recorded)' },
    nodes: { ...COUNTS, description: 'times each node was entered by those runs' },
  }),
  nullable: true,
  description: 'the real runs that entered in the window, once the backtest has ended; null while running or when none entered',
};

const BACKTEST_SCHEMA: SchemaObject = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    journeyId: { type: 'string' },
    source: { type: 'string', description: '`<journey>@<n>` or `<journey>@draft`' },
    status: { type: 'string', enum: ['running', 'completed', 'failed', 'cancelled'] },
    window: { type: 'object', properties: { from: { type: 'string' }, to: { type: 'string' } } },
    runUntil: { type: 'string', description: 'nobody is followed past this instant' },
    horizonMs: { type: 'integer' },
    sample: { type: 'integer', nullable: true },
    segment: { type: 'string', nullable: true },
    progress: { type: 'object', properties: { processed: { type: 'integer' }, total: { type: 'integer', nullable: true } } },
    figures: {
      type: 'object',
      nullable: true,
      properties: {
        customers: { type: 'integer', description: 'customers taken (an event named like the trigger in the window)' },
        entered: { type: 'integer', description: 'runs entered: customers the trigger (with its filters) would have enrolled, and each re-entry the policy allowed' },
        reentered: { type: 'integer', description: 'of `entered`, the runs after a customer\'s first' },
        refused: { ...COUNTS, description: 'later triggers re-entry refused, by reason: already_enrolled, reentry_not_allowed, cooldown' },
        nodes: { ...COUNTS, description: 'times each node was entered' },
        edges: { ...COUNTS, description: 'times each edge was taken, keyed `from->to`' },
        branches: { ...NESTED_COUNTS, description: 'per decision node, customers out of each port' },
        goal: { type: 'object', properties: { reached: { type: 'integer' }, hoursToGoal: { ...COUNTS, description: 'histogram: whole hours after entry -> customers' } } },
        messages: { ...NESTED_COUNTS, description: 'per channel (action): sent, suppressed, failed' },
        suppressions: { ...COUNTS, description: 'touches held back by reason: no_consent, frequency_cap' },
        ended: { ...NESTED_COUNTS, description: 'status -> reason -> customers; `horizon` are still in the journey' },
        summary: { type: 'object', description: 'branchShares, conversionRate, hoursToGoal { p50, p90, max }' },
      },
    },
    live: LIVE_SCHEMA,
    error: { type: 'string', nullable: true },
    createdBy: { type: 'string' },
    createdAt: { type: 'string' },
    finishedAt: { type: 'string', nullable: true },
  },
};

@Controller('v1/journeys')
export class BacktestsController {
  constructor(
    @Inject(Backtests) private readonly backtests: Backtests,
    @Inject(AuditLog) private readonly audit: AuditLog,
  ) {}

  @Endpoint({
    summary: 'Backtest the draft or a version over stored customers and their stored events (nothing is sent or enrolled)',
    description:
      'Body: `{ source?: "draft" | { version }, from, to, horizon?, sample?, segment? }`. Takes every customer with a stored event named like the trigger in [from, to) ' +
      '(at most `sample`, in a stable pseudo-random order; only current members of `segment`), enters each at their first event the trigger accepts, and replays the events they had ' +
      'afterwards for `horizon` (default P30D, never past now). Answers 202 at once; poll the GET for progress and figures.',
    access: ['marketer'],
    body: {
      type: 'object',
      required: ['from', 'to'],
      properties: {
        source: SOURCE_SCHEMA,
        from: { type: 'string', format: 'date-time' },
        to: { type: 'string', format: 'date-time' },
        horizon: { type: 'string', pattern: SIM_DURATION, example: 'P30D' },
        sample: { type: 'integer', minimum: 1, maximum: MAX_SAMPLE },
        segment: { type: 'string', pattern: SEGMENT_KEY_PATTERN, description: 'a segment key' },
      },
      additionalProperties: false,
    },
    ranges: BACKTEST_RANGES,
    ok: { status: 202, description: 'the backtest, running', schema: BACKTEST_SCHEMA },
    errors: [
      { status: 400, codes: ['invalid_body'], description: 'error.issues: every problem with its JSON path' },
      { status: 404, codes: ['journey_not_found', 'version_not_found', 'no_draft', 'segment_not_found'] },
      { status: 422, codes: ['invalid_canvas', 'backtest_needs_event_trigger'] },
    ],
  })
  @Post(':journeyId/backtests')
  @HttpCode(202)
  async start(@Param('journeyId') journeyId: string, @Body() body: unknown, @Actor() actor: Principal) {
    const command = parseBacktestBody(journeyId, body, Date.now());
    const view = await this.backtests.request({ ...command, requestedBy: actor.name });
    await this.audit.record(actor, {
      action: 'journey.backtested',
      entityType: 'journey',
      entityId: journeyId,
      detail: { backtestId: view.id, source: view.source, window: view.window, sample: view.sample, segment: view.segment },
    });
    return view;
  }

  @Endpoint({
    summary: 'A backtest: progress (processed of total) and figures so far, with the live figures beside them when it has ended',
    access: ['marketer', 'support'],
    ok: { description: 'the backtest', schema: BACKTEST_SCHEMA },
    errors: [{ status: 404, codes: ['backtest_not_found'] }],
  })
  @Get(':journeyId/backtests/:backtestId')
  view(@Param('journeyId') journeyId: string, @Param('backtestId') backtestId: string) {
    return this.backtests.view(journeyId, backtestId);
  }

  @Endpoint({
    summary: 'Cancel a running backtest (it stops at its next page; the figures so far stay)',
    access: ['marketer'],
    ok: { description: 'the backtest', schema: BACKTEST_SCHEMA },
    errors: [{ status: 404, codes: ['backtest_not_found'] }],
  })
  @Post(':journeyId/backtests/:backtestId/cancel')
  @HttpCode(200)
  cancel(@Param('journeyId') journeyId: string, @Param('backtestId') backtestId: string) {
    return this.backtests.cancel(journeyId, backtestId);
  }
}
