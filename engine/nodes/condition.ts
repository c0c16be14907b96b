/** Yes/no split on a condition evaluated when the customer reaches the node. */
import type { JourneyCondition } from '../segments/types.js';
import { conditionIssues } from './checks.js';
import { defineNodeKind, nodeBase, ref } from './kind.js';

/** Yes/no split. Ports: yes, no. */
export interface ConditionNode {
  id: string;
  label?: string;
  type: 'condition';
  condition: JourneyCondition;
}

export const conditionKind = defineNodeKind<ConditionNode>({
  type: 'condition',
  purpose: 'Yes/no split',
  portsText: '`yes`, `no`',
  branching: true,
  schema: {
    condition: {
      type: 'object',
      description: 'Yes/no split. Ports: yes, no.',
      required: ['id', 'type', 'condition'],
      additionalProperties: false,
      properties: { ...nodeBase, type: { const: 'condition' }, condition: ref('conditionExpr') },
    },
  },
  ports: (_node, path) => [{ name: 'yes', path }, { name: 'no', path }],
  issues: (node, path) => conditionIssues(node.condition, `${path}.condition`),
  compile: (node, next, base) => ({ ...base, kind: 'condition', condition: node.condition, next: { yes: next.yes, no: next.no } }),
});
