/** Weighted random split (A/B tests, holdouts), sticky per customer and journey version. */
import { isRecord } from '../json.js';
import { issue, keyedPorts, portKeyChecker } from './checks.js';
import { defineNodeKind, nodeBase, ref } from './kind.js';
import type { DocumentIssue } from '../errors.js';

/** Weighted random split, sticky per customer and journey version. Ports: each arm key. */
export interface RandomSplitNode {
  id: string;
  label?: string;
  type: 'random_split';
  arms: { key: string; weight: number; control?: boolean }[];
}

export const randomSplitKind = defineNodeKind<RandomSplitNode>({
  type: 'random_split',
  purpose: 'Weighted random split (A/B, holdout)',
  portsText: 'each arm `key`',
  branching: true,
  schema: {
    random_split: {
      type: 'object',
      description: 'Weighted random split, sticky per customer and journey version. Ports: each arm key.',
      required: ['id', 'type', 'arms'],
      additionalProperties: false,
      properties: {
        ...nodeBase,
        type: { const: 'random_split' },
        arms: {
          type: 'array',
          minItems: 1,
          items: {
            type: 'object',
            required: ['key', 'weight'],
            additionalProperties: false,
            properties: {
              key: ref('portKey'),
              weight: { type: 'number', description: 'Relative weight, 0 or more.' },
              control: { type: 'boolean', description: 'A control arm takes no action but is recorded.' },
            },
          },
        },
      },
    },
  },
  ports: (node, path) => keyedPorts(node.arms, path, 'arms'),
  issues: (node, path, { name }) => {
    const arms = node.arms;
    if (!Array.isArray(arms)) return [];
    const at = `${path}.arms`;
    const issues: DocumentIssue[] = [];
    const checkKey = portKeyChecker(name, 'arm');
    let total = 0;
    let allNumbers = true;
    arms.forEach((arm, j) => {
      if (!isRecord(arm)) return;
      issues.push(...checkKey(arm, `${at}[${j}]`));
      if (typeof arm.weight !== 'number') {
        allNumbers = false;
      } else if (arm.weight < 0 || !Number.isFinite(arm.weight)) {
        issues.push(issue('invalid_weights', `${name}arm "${String(arm.key)}" has weight ${arm.weight}; weights must be 0 or more`, `${at}[${j}].weight`));
        allNumbers = false;
      } else {
        total += arm.weight;
      }
    });
    if (allNumbers && arms.length > 0 && total === 0) {
      issues.push(issue('invalid_weights', `${name}all arm weights are 0; give at least one arm a positive weight`, at));
    }
    return issues;
  },
  warnings: (node, path) => {
    const warnings: DocumentIssue[] = [];
    if (node.arms.length === 1) {
      warnings.push(issue('single_arm_split', `Node "${node.id}": a random split with one arm sends everyone the same way`, `${path}.arms`));
    }
    node.arms.forEach((arm, j) => {
      if (arm.weight === 0) warnings.push(issue('zero_weight_arm', `Node "${node.id}": arm "${arm.key}" has weight 0 and gets nobody`, `${path}.arms[${j}].weight`));
    });
    return warnings;
  },
  compile: (node, next, base) => ({
    ...base,
    kind: 'random_split',
    arms: node.arms.map((a) => ({ key: a.key, weight: a.weight, control: a.control ?? false })),
    next: { ...next },
  }),
});
