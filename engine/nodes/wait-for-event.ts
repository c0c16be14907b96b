/** Wait up to a timeout for an event, decided by event time. */
import type { EventFilter } from '../event-filter.js';
import { parseDuration } from '../duration.js';
import { whereIssues } from './checks.js';
import { defineNodeKind, nodeBase, ref } from './kind.js';

/** Wait for an event whose event time falls within `timeout` of the window start. Ports: matched, timed_out. */
export interface WaitForEventNode {
  id: string;
  label?: string;
  type: 'wait_for_event';
  event: string;
  where?: EventFilter[];
  timeout: string;
  /** Window start: when the customer reached this node (default) or the entry event's time. */
  since?: 'node' | 'entry';
}

export const waitForEventKind = defineNodeKind<WaitForEventNode>({
  type: 'wait_for_event',
  purpose: 'Wait up to a timeout for an event',
  portsText: '`matched`, `timed_out`',
  branching: true,
  schema: {
    wait_for_event: {
      type: 'object',
      description: 'Wait up to `timeout` for an event. Ports: matched, timed_out.',
      required: ['id', 'type', 'event', 'timeout'],
      additionalProperties: false,
      properties: {
        ...nodeBase,
        type: { const: 'wait_for_event' },
        event: ref('eventName'),
        where: ref('where'),
        timeout: ref('duration'),
        since: { enum: ['node', 'entry'], description: 'Window start: arrival at this node (default) or the entry event time.' },
      },
    },
  },
  ports: (_node, path) => [{ name: 'matched', path }, { name: 'timed_out', path }],
  issues: (node, path, { reported }) => whereIssues(node.where, `${path}.where`, reported),
  compile: (node, next, base) => ({
    ...base,
    kind: 'wait_for_event',
    event: node.event,
    where: node.where ?? [],
    timeoutMs: parseDuration(node.timeout),
    since: node.since ?? 'node',
    next: { matched: next.matched, timed_out: next.timed_out },
  }),
  watchedEvents: (node) => [node.event],
});
