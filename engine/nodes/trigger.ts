/** The entry point: how customers enter. Not a step of the run; its `next` is the first step. */
import type { EventFilter } from '../event-filter.js';
import { isRecord } from '../json.js';
import { whereIssues } from './checks.js';
import { defineNodeKind, nextPort, nodeBase, ref } from './kind.js';

export type Trigger =
  | { kind: 'event'; event: string; where?: EventFilter[] }
  | { kind: 'segment'; segment: string }
  | { kind: 'api' };

export interface TriggerNode {
  id: string;
  label?: string;
  type: 'trigger';
  trigger: Trigger;
}

export const triggerKind = defineNodeKind<TriggerNode>({
  type: 'trigger',
  purpose: 'How customers enter',
  portsText: '`next`',
  branching: false,
  schema: {
    trigger: {
      type: 'object',
      description: 'Entry point; exactly one per canvas. Port: next.',
      required: ['id', 'type', 'trigger'],
      additionalProperties: false,
      properties: { ...nodeBase, type: { const: 'trigger' }, trigger: ref('triggerSpec') },
    },
    triggerSpec: {
      type: 'object',
      required: ['kind'],
      properties: { kind: { enum: ['event', 'segment', 'api'] } },
      allOf: [
        {
          if: { properties: { kind: { const: 'event' } }, required: ['kind'] },
          then: {
            required: ['event'],
            additionalProperties: false,
            properties: { kind: {}, event: ref('eventName'), where: ref('where') },
          },
        },
        {
          if: { properties: { kind: { const: 'segment' } }, required: ['kind'] },
          then: {
            required: ['segment'],
            additionalProperties: false,
            properties: { kind: {}, segment: { type: 'string', minLength: 1 } },
          },
        },
        {
          if: { properties: { kind: { const: 'api' } }, required: ['kind'] },
          then: { additionalProperties: false, properties: { kind: {} } },
        },
      ],
    },
  },
  ports: nextPort,
  issues: (node, path, { reported }) => (isRecord(node.trigger) ? whereIssues(node.trigger.where, `${path}.trigger.where`, reported) : []),
});
