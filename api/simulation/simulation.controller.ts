/** `POST /v1/journeys/:journeyId/simulate`: one customer through a draft or version on a virtual clock. Sends, enrolls and writes nothing but the audit entry. */
import { JOURNEY_ID_PARAM } from '../journeys/journeys.validation.js';
import { Body, Controller, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { sourceNotFoundMessage } from '../../core/simulation/journey-source.js';
import { SimulateJourney } from '../../core/simulation/simulate-journey.js';
import { AuditLog } from '../../core/access/audit-log.js';
import { Actor } from '../auth/actor.decorator.js';
import type { Principal } from '../../core/access/roles.js';
import { ApiError } from '../http/api-error.js';
import { Endpoint, type SchemaObject } from '../http/endpoint.js';
import { SIMULATION_RESULT_SCHEMA } from './simulation.schemas.js';
import { MAX_SCRIPTED_EVENTS } from '../../engine/simulation/script.js';
import { SIM_DURATION, SOURCE_SCHEMA, parseSimulateBody } from './simulation.validation.js';

const notFoundMessage = (reason: 'journey_not_found' | 'version_not_found' | 'no_draft' | 'customer_not_found', journeyId: string) =>
  reason === 'customer_not_found' ? 'No customer with that id' : sourceNotFoundMessage(reason, journeyId);


/** A scripted time: an ISO instant, or an ISO duration after the start. */
const SIM_TIME: SchemaObject = { anyOf: [{ type: 'string', format: 'date-time' }, { type: 'string', pattern: SIM_DURATION }] };

@Controller('v1/journeys')
export class SimulationController {
  constructor(
    @Inject(SimulateJourney) private readonly simulation: SimulateJourney,
    @Inject(AuditLog) private readonly audit: AuditLog,
  ) {}

  @Endpoint({
    summary: 'Simulate one customer through the journey (nothing is sent, enrolled or stored)',
    description:
      'Body: `{ source: "draft" | { version }, customer: { traits, consent?, segments? } | { customerId }, events: [{ name, at, eventTime?, properties? }], entry?, start?, horizon? }`. ' +
      '`at` and `eventTime` are ISO instants or ISO durations after `start` (default now); `horizon` defaults to P30D, at most P365D. ' +
      'The answer is the path in virtual time: nodes entered, waits with their deadlines, decisions with the values they read, each message with its rendered text and recipient or the reason it was held back, and the end (or `horizon`).',
    access: ['marketer', 'support'],
    params: { journeyId: JOURNEY_ID_PARAM },
    body: {
      type: 'object',
      required: ['source', 'customer'],
      properties: {
        source: SOURCE_SCHEMA,
        customer: {
          description: '{ traits, consent?, segments? } (inline) or { customerId } (a real customer, read only)',
          anyOf: [
            {
              type: 'object',
              required: ['traits'],
              additionalProperties: false,
              properties: {
                traits: { type: 'object' },
                consent: { type: 'object', additionalProperties: { type: 'boolean' }, description: 'channel: consented or not, e.g. { "sms": false }; merged over traits.consent' },
                segments: { type: 'object', additionalProperties: { type: 'boolean' }, description: 'segment key: member or not' },
                id: { type: 'string', minLength: 1, maxLength: 200, description: 'the id the simulated customer goes by (default simulated-customer)' },
              },
            },
            { type: 'object', required: ['customerId'], additionalProperties: false, properties: { customerId: { type: 'string', minLength: 1, maxLength: 200 } } },
          ],
        },
        events: {
          type: 'array',
          maxItems: MAX_SCRIPTED_EVENTS,
          items: {
            type: 'object',
            required: ['name', 'at'],
            properties: {
              name: { type: 'string', pattern: '^[A-Za-z0-9_.:-]{1,100}$' },
              at: { ...SIM_TIME, description: 'when the event arrives: an ISO instant, or an ISO duration after start' },
              eventTime: { ...SIM_TIME, description: 'the time the event carries (default `at`): an ISO instant, or an ISO duration after start' },
              properties: { type: 'object' },
            },
          },
        },
        entry: { type: 'object' },
        start: { type: 'string', format: 'date-time' },
        horizon: { type: 'string', pattern: SIM_DURATION, example: 'P30D', description: 'at most P365D' },
      },
    },
    ranges: ['each event\'s `at` is not before `start` (issue before_start)'],
    ok: { description: '{ journeyId, source, customerId, start, horizon, status, reason, path, position, timeline, messages, steps }', schema: SIMULATION_RESULT_SCHEMA },
    errors: [
      { status: 400, codes: ['invalid_body'], description: 'error.issues: every problem with its JSON path' },
      { status: 404, codes: ['journey_not_found', 'version_not_found', 'no_draft', 'customer_not_found'] },
      { status: 422, codes: ['invalid_canvas'], description: 'error.issues: every problem of the canvas with its JSON path' },
    ],
  })
  @Post(':journeyId/simulate')
  @HttpCode(200)
  async simulate(@Param('journeyId') journeyId: string, @Body() body: unknown, @Actor() actor: Principal) {
    const command = parseSimulateBody(journeyId, body, Date.now());
    const outcome = await this.simulation.execute(command);
    if (!outcome.ok && outcome.reason === 'invalid_canvas') {
      throw new ApiError(422, 'invalid_canvas', `The canvas has ${outcome.issues.length} problem(s); it cannot be simulated`, { issues: outcome.issues });
    }
    if (!outcome.ok) throw new ApiError(404, outcome.reason, notFoundMessage(outcome.reason, journeyId));
    const { result } = outcome;
    await this.audit.record(actor, {
      action: 'journey.simulated',
      entityType: 'journey',
      entityId: journeyId,
      detail: { source: result.source, customer: 'customerId' in command.customer ? command.customer.customerId : 'inline', events: command.script.events.length, status: result.status },
    });
    return result;
  }
}
