import { describe, expect, it } from '@jest/globals';
import { traitComparisons, traitTypeWarnings, type TraitType } from './trait-types.js';

const canvas = {
  nodes: [
    { id: 'start', type: 'trigger', trigger: { kind: 'api' } },
    { id: 'adult', type: 'condition', condition: { and: [{ trait: 'age', op: 'gte', value: 18 }, { trait: 'city', op: 'in', value: ['Lyon', 7] }] } },
    { id: 'risk', type: 'trait_split', trait: 'risk', cases: [{ key: 'low', values: ['C1', 2] }] },
    { id: 'when', type: 'condition', condition: { trait: 'signed_up', op: 'gt', value: '2026-01-01' } },
    { id: 'ranked', type: 'condition', condition: { trait: 'tier', op: 'gt', value: 'silver', order: ['bronze', 'silver', 'gold'] } },
  ],
  exitCriteria: [{ id: 'x', condition: { not: { trait: 'vip', op: 'eq', value: 1 } }, reason: 'r' }],
};

describe('traitComparisons', () => {
  it('finds every literal compared with a trait, with its path; ordered text operands (times, orders) are left out', () => {
    expect(traitComparisons(canvas)).toEqual([
      { trait: 'age', value: 18, path: '$.nodes[1].condition.and[0].value' },
      { trait: 'city', value: 'Lyon', path: '$.nodes[1].condition.and[1].value[0]' },
      { trait: 'city', value: 7, path: '$.nodes[1].condition.and[1].value[1]' },
      { trait: 'risk', value: 'C1', path: '$.nodes[2].cases[0].values[0]' },
      { trait: 'risk', value: 2, path: '$.nodes[2].cases[0].values[1]' },
      { trait: 'vip', value: 1, path: '$.exitCriteria[0].condition.not.value' },
    ]);
  });
});

describe('traitTypeWarnings', () => {
  const types = new Map<string, TraitType>([
    ['age', { type: 'number', source: 'observed', profiles: 40 }],
    ['city', { type: 'string', source: 'observed', profiles: 12 }],
    ['risk', { type: 'string', source: 'observed', profiles: 3 }],
    ['vip', { type: 'boolean', source: 'observed', profiles: 9 }],
  ]);

  it.each([
    ['a number on a text trait', '$.nodes[1].condition.and[1].value[1]', '"city" is compared with the number 7, but "city" is text on all 12 stored profiles sampled that have it: this comparison never holds (write "7")'],
    ['a trait split value', '$.nodes[2].cases[0].values[1]', '"risk" is compared with the number 2, but "risk" is text on all 3 stored profiles sampled that have it: this comparison never holds (write "2")'],
    ['a number on a boolean trait', '$.exitCriteria[0].condition.not.value', '"vip" is compared with the number 1, but "vip" is a boolean on all 9 stored profiles sampled that have it: this comparison never holds (write the value as a boolean)'],
  ])('%s', (_name, path, message) => {
    expect(traitTypeWarnings(traitComparisons(canvas), types)).toContainEqual({ code: 'trait_type_mismatch', path, message });
  });

  it('says nothing of matching types, unknown traits and list traits', () => {
    const warned = traitTypeWarnings(traitComparisons(canvas), types).map((w) => w.path);
    expect(warned).toHaveLength(3);
    const list = new Map<string, TraitType>([['city', { type: 'array', source: 'documented' }]]);
    expect(traitTypeWarnings(traitComparisons(canvas), list)).toEqual([]);
  });

  it('names a documented type as documented', () => {
    const [w] = traitTypeWarnings([{ trait: 'phone', value: 13800001234, path: '$.p' }], new Map([['phone', { type: 'string', source: 'documented' } as const]]));
    expect(w.message).toBe('"phone" is compared with the number 13800001234, but "phone" is text as the engine documents it: this comparison never holds (write "13800001234")');
  });
});
