/**
 * Split by the value of one profile trait, e.g. the risk level a brokerage assessed: one port per
 * case (a list of values), plus `else` for a missing trait or any other value. Compiles to a
 * multi-way split on `trait in [values]`, so it runs, counts and reads in history like one.
 */
import type { DocumentIssue } from '../errors.js';
import { isRecord } from '../json.js';
import { issue, keyedPorts, portKeyChecker } from './checks.js';
import { defineNodeKind, nodeBase, ref } from './kind.js';

type TraitValue = string | number | boolean;

export interface TraitSplitNode {
  id: string;
  label?: string;
  type: 'trait_split';
  /** Trait name (dot paths allowed), e.g. `risk_level`. */
  trait: string;
  cases: { key: string; values: TraitValue[] }[];
}

export const traitSplitKind = defineNodeKind<TraitSplitNode>({
  type: 'trait_split',
  purpose: 'Split by the value of one profile trait',
  portsText: 'each case `key`, plus `else`',
  branching: true,
  schema: {
    trait_split: {
      type: 'object',
      description: 'Split by the value of one trait: the first case listing the value wins. Ports: each case key, plus else.',
      required: ['id', 'type', 'trait', 'cases'],
      additionalProperties: false,
      properties: {
        ...nodeBase,
        type: { const: 'trait_split' },
        trait: { type: 'string', minLength: 1, description: 'Profile trait; dot paths allowed, e.g. risk_level.' },
        cases: {
          type: 'array',
          minItems: 1,
          items: {
            type: 'object',
            required: ['key', 'values'],
            additionalProperties: false,
            properties: {
              key: ref('portKey'),
              values: { type: 'array', minItems: 1, items: { anyOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }] }, description: 'Trait values that take this port.' },
            },
          },
        },
      },
    },
  },
  ports: (node, path) => [...keyedPorts(node.cases, path, 'cases'), { name: 'else', path }],
  issues: (node, path, { name }) => {
    if (!Array.isArray(node.cases)) return [];
    const checkKey = portKeyChecker(name, 'case');
    return node.cases.flatMap((c, j) => (isRecord(c) ? checkKey(c, `${path}.cases[${j}]`) : []));
  },
  // A value listed by two cases always takes the first: legal, but the second listing is dead.
  warnings: (node, path) => {
    const warnings: DocumentIssue[] = [];
    const firstCase = new Map<TraitValue, string>();
    node.cases.forEach((c, j) =>
      c.values.forEach((value, k) => {
        const first = firstCase.get(value);
        if (first === undefined) firstCase.set(value, c.key);
        else warnings.push(issue('shadowed_case_value', `Node "${node.id}": ${JSON.stringify(value)} is already taken by case "${first}"; case "${c.key}" never gets it`, `${path}.cases[${j}].values[${k}]`));
      }),
    );
    return warnings;
  },
  compile: (node, next, base) => ({
    ...base,
    kind: 'multi_split',
    cases: node.cases.map((c) => ({ key: c.key, condition: { trait: node.trait, op: 'in', value: c.values } })),
    next: { ...next },
  }),
});
