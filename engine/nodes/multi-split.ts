/** Ordered cases, first match wins; customers matching none leave through `else`. */
import type { JourneyCondition } from '../segments/types.js';
import { isRecord } from '../json.js';
import { conditionIssues, keyedPorts, portKeyChecker } from './checks.js';
import { defineNodeKind, nodeBase, ref } from './kind.js';

/** Ordered cases, first match wins. Ports: each case key, plus else. */
export interface MultiSplitNode {
  id: string;
  label?: string;
  type: 'multi_split';
  cases: { key: string; condition: JourneyCondition }[];
}

export const multiSplitKind = defineNodeKind<MultiSplitNode>({
  type: 'multi_split',
  purpose: 'Ordered cases, first match wins',
  portsText: 'each case `key`, plus `else`',
  branching: true,
  schema: {
    multi_split: {
      type: 'object',
      description: 'Ordered cases, first match wins. Ports: each case key, plus else.',
      required: ['id', 'type', 'cases'],
      additionalProperties: false,
      properties: {
        ...nodeBase,
        type: { const: 'multi_split' },
        cases: {
          type: 'array',
          minItems: 1,
          items: {
            type: 'object',
            required: ['key', 'condition'],
            additionalProperties: false,
            properties: { key: ref('portKey'), condition: ref('conditionExpr') },
          },
        },
      },
    },
  },
  ports: (node, path) => [...keyedPorts(node.cases, path, 'cases'), { name: 'else', path }],
  issues: (node, path, { name }) => {
    if (!Array.isArray(node.cases)) return [];
    const checkKey = portKeyChecker(name, 'case');
    return node.cases.flatMap((c, j) => {
      if (!isRecord(c)) return [];
      const at = `${path}.cases[${j}]`;
      return [...checkKey(c, at), ...conditionIssues(c.condition, `${at}.condition`)];
    });
  },
  compile: (node, next, base) => ({
    ...base,
    kind: 'multi_split',
    cases: node.cases.map((c) => ({ key: c.key, condition: c.condition })),
    next: { ...next },
  }),
});
