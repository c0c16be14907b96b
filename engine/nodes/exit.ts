/** Ends the run with a reason. */
import { defineNodeKind, nodeBase } from './kind.js';

export interface ExitNode {
  id: string;
  label?: string;
  type: 'exit';
  reason?: string;
}

export const exitKind = defineNodeKind<ExitNode>({
  type: 'exit',
  purpose: 'Ends the run with a reason',
  portsText: 'none',
  branching: false,
  schema: {
    exit: {
      type: 'object',
      description: 'Ends the run with a reason. No ports.',
      required: ['id', 'type'],
      additionalProperties: false,
      properties: { ...nodeBase, type: { const: 'exit' }, reason: { type: 'string', minLength: 1 } },
    },
  },
  ports: () => [],
  compile: (node, _next, base) => ({ ...base, kind: 'exit', reason: node.reason ?? 'completed' }),
});
