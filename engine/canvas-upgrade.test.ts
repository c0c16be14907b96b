/** Canvas format 1 -> 2: every condition form maps as docs/canvas.md#format-1 says, and nothing else changes. */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { upgradeCanvas, upgradeCondition } from './canvas-upgrade.js';
import { compileCanvas } from './compile.js';

describe('upgradeCondition', () => {
  it.each<[string, unknown, unknown]>([
    ['all', { all: [{ trait: 'a', op: 'exists' }] }, { and: [{ trait: 'a', op: 'exists' }] }],
    ['any', { any: [{ trait: 'a', op: 'exists' }] }, { or: [{ trait: 'a', op: 'exists' }] }],
    ['not, recursively', { not: { all: [{ entry: 'x', op: 'eq', value: 1 }] } }, { not: { and: [{ entry: 'x', op: 'eq', value: 1 }] } }],
    ['a segment', { segment: 'vip' }, { segment: 'vip' }],
    ['a segment member: true', { segment: 'vip', member: true }, { segment: 'vip' }],
    ['a segment member: false', { segment: 'vip', member: false }, { not: { segment: 'vip' } }],
    ['an event condition', { event: 'x', where: [{ property: 'p', op: 'eq', value: 1 }], count: { gte: 2 }, within: 'P3D' }, { event: 'x', where: [{ property: 'p', op: 'eq', value: 1 }], count: { gte: 2 }, within: 'P3D' }],
    ['an unknown shape, kept for validation', { all: 'x' }, { all: 'x' }],
    ['a non-object, kept', 'yes', 'yes'],
  ])('%s', (_name, v1, v2) => {
    expect(upgradeCondition(v1)).toEqual(v2);
  });
});

describe('upgradeCanvas', () => {
  const v1 = {
    schemaVersion: 1,
    name: 'n',
    goal: { event: 'g', where: [{ property: 'p', op: 'gt', value: 'C2' }] },
    exitCriteria: [{ id: 'a', event: 'closed', reason: 'closed' }, { id: 'b', condition: { any: [{ segment: 's', member: false }] }, reason: 'r' }],
    nodes: [
      { id: 'c', type: 'condition', condition: { all: [{ trait: 't', op: 'exists' }] } },
      { id: 'm', type: 'multi_split', cases: [{ key: 'k', condition: { any: [{ trait: 't', op: 'exists' }] } }] },
      { id: 'w', type: 'wait', duration: 'P1D' },
    ],
    edges: [],
  };

  it('upgrades every condition and the version, and leaves everything else (filters included) as it was', () => {
    expect(upgradeCanvas(v1)).toEqual({
      ...v1,
      schemaVersion: 2,
      exitCriteria: [v1.exitCriteria[0], { id: 'b', condition: { or: [{ not: { segment: 's' } }] }, reason: 'r' }],
      nodes: [
        { id: 'c', type: 'condition', condition: { and: [{ trait: 't', op: 'exists' }] } },
        { id: 'm', type: 'multi_split', cases: [{ key: 'k', condition: { or: [{ trait: 't', op: 'exists' }] } }] },
        v1.nodes[2],
      ],
    });
    expect(v1.schemaVersion).toBe(1); // the input is not modified
  });

  it('returns format-2 documents and non-canvases unchanged', () => {
    const v2 = { schemaVersion: 2, nodes: [{ id: 'c', type: 'condition', condition: { all: [] } }] };
    expect(upgradeCanvas(v2)).toBe(v2);
    expect(upgradeCanvas(null)).toBeNull();
    expect(upgradeCanvas([1])).toEqual([1]);
  });

  it('turns the format-1 onboarding journey into a plan identical to the format-2 example', () => {
    const v2doc = JSON.parse(readFileSync(new URL('../examples/onboarding.json', import.meta.url), 'utf8'));
    const v1doc = JSON.parse(JSON.stringify(v2doc).replaceAll('"and":', '"all":').replace('"schemaVersion":2', '"schemaVersion":1'));
    const [a, b] = [compileCanvas(v1doc), compileCanvas(v2doc)];
    expect(a.ok && b.ok).toBe(true);
    expect(a.ok && a.plan).toEqual(b.ok && b.plan);
  });
});
