/** The OpenAPI schema of a simulation's answer (engine/simulation/simulate.ts SimulationResult, with the journey, source and customer). */
import type { SchemaObject } from '../http/endpoint.js';
import { anyObject, int, object, oneOfValues, text, time } from '../http/schemas.js';

const MESSAGE_FIELDS: Record<string, SchemaObject> = {
  at: { ...time(), description: 'virtual time of the touch' },
  nodeId: text(),
  action: { ...text(), description: 'the channel: sms, push, email, crm_task, webhook, ...' },
  category: oneOfValues(['marketing', 'transactional']),
  status: oneOfValues(['sent', 'done', 'failed', 'unknown', 'suppressed']),
  recipient: { ...text(true), description: 'who it would reach (phone, push tokens, CRM assignee, URL); null when the action has none' },
  rendered: anyObject('the params after template rendering: the text that would be sent'),
  reason: { ...object(['code', 'message'], { code: { ...text(), description: 'no_consent, frequency_cap, quiet hours, ...' }, message: text() }), description: 'why it was held back or failed' },
};

const TIMELINE_TYPES = ['enrolled', 'event', 'node', 'wait', 'wait_ended', 'decision', 'message', 'action', 'ended'];

/** One line of the path in virtual time; which fields it has depends on `type`. */
const TIMELINE_ENTRY: SchemaObject = {
  ...object(['at', 'type'], {
    ...MESSAGE_FIELDS,
    type: oneOfValues(TIMELINE_TYPES),
    at: time(),
    nodeId: text(true),
    entry: { ...text(), description: 'enrolled: how the run entered (event, segment, api)' },
    name: { ...text(), description: 'event: its name' },
    eventTime: time(),
    properties: anyObject(),
    kind: { ...text(), description: 'node: its kind' },
    label: text(true),
    until: { ...time(), description: 'wait: its deadline' },
    port: { ...text(true), description: 'decision: the port taken' },
    status: { ...text(), description: 'message/action: the outcome; ended: the run status' },
    reason: { description: 'ended: the end reason (a string); message: why it was held back ({ code, message })' },
    detail: anyObject('what the step decided and the values it used'),
  }),
  additionalProperties: true,
};

const RESULT_FIELDS: Record<string, SchemaObject> = {
  journeyId: text(),
  source: { ...text(), description: '`<journey>@<n>` or `<journey>@draft`' },
  customerId: text(),
  start: time(),
  horizon: time(),
  status: { ...oneOfValues(['completed', 'converted', 'exited', 'failed', 'horizon']), description: 'the run\'s end state, or horizon when it is still running then' },
  reason: text(),
  path: { type: 'array', items: text(), description: 'node ids entered, in order' },
  position: { ...object(['nodeId', 'waitingUntil'], { nodeId: text(), waitingUntil: time(true) }), nullable: true, description: 'where a run still running at the horizon stands' },
  timeline: { type: 'array', items: TIMELINE_ENTRY },
  messages: { type: 'array', items: object(['at', 'nodeId', 'action', 'category', 'status', 'recipient', 'rendered'], MESSAGE_FIELDS), description: 'every touch: sent, suppressed (with the reason) or failed' },
  steps: {
    type: 'array',
    description: 'step records as the real run would write them',
    items: object(['seq', 'at', 'nodeId', 'kind', 'detail'], { seq: int(), at: { ...int(), description: 'epoch milliseconds (virtual)' }, nodeId: text(true), kind: text(), detail: anyObject() }),
  },
};

/** POST /v1/journeys/:journeyId/simulate answers this. */
export const SIMULATION_RESULT_SCHEMA: SchemaObject = object(Object.keys(RESULT_FIELDS), RESULT_FIELDS);
