import { describe, expect, test } from '@jest/globals';
import { changedPaths, diffCanvases, jsonEqual } from './diff.js';

const base = {
  schemaVersion: 2,
  name: 'Onboarding',
  settings: { timeZone: 'Asia/Shanghai', reentry: { policy: 'once' } },
  nodes: [
    { id: 'start', type: 'trigger', trigger: { kind: 'event', event: 'registered' } },
    { id: 'wait', type: 'wait', duration: 'P1D' },
    { id: 'sms', type: 'action', action: 'sms', params: { body: 'Hi', to: 'phone' } },
    { id: 'done', type: 'exit' },
  ],
  edges: [
    { from: 'start', to: 'wait' },
    { from: 'wait', to: 'sms' },
    { from: 'sms', to: 'done' },
  ],
};

/** `base` with some of its parts replaced. */
const variant = (over: Record<string, unknown>) => ({ ...base, ...over });

describe('diffCanvases', () => {
  test('a canvas against itself (keys in another order) is identical', () => {
    const reordered = { edges: base.edges, nodes: base.nodes, settings: { reentry: { policy: 'once' }, timeZone: 'Asia/Shanghai' }, name: 'Onboarding', schemaVersion: 2 };
    expect(diffCanvases(base, reordered)).toEqual({
      identical: true,
      nodes: { added: [], removed: [], changed: [] },
      edges: { added: [], removed: [] },
      settings: { changed: [], values: [] },
    });
  });

  test.each([
    [
      'a node added and wired in',
      variant({
        nodes: [...base.nodes, { id: 'push', type: 'action', action: 'push', params: {} }],
        edges: [base.edges[0], base.edges[1], { from: 'sms', to: 'push' }, { from: 'push', to: 'done' }],
      }),
      {
        nodes: { added: [{ id: 'push', type: 'action' }], removed: [], changed: [] },
        edges: { added: [{ from: 'sms', port: 'next', to: 'push' }, { from: 'push', port: 'next', to: 'done' }], removed: [{ from: 'sms', port: 'next', to: 'done' }] },
      },
    ],
    [
      'a node removed',
      variant({ nodes: base.nodes.filter((n) => n.id !== 'wait'), edges: [{ from: 'start', to: 'sms' }, base.edges[2]] }),
      {
        nodes: { added: [], removed: [{ id: 'wait', type: 'wait' }], changed: [] },
        edges: { added: [{ from: 'start', port: 'next', to: 'sms' }], removed: [{ from: 'start', port: 'next', to: 'wait' }, { from: 'wait', port: 'next', to: 'sms' }] },
      },
    ],
    [
      'fields changed inside nodes, named by path',
      variant({
        nodes: [
          { id: 'start', type: 'trigger', trigger: { kind: 'event', event: 'signed_up' } },
          { id: 'wait', type: 'wait', duration: 'P3D', label: 'three days' },
          { id: 'sms', type: 'action', action: 'sms', params: { body: 'Hello', to: 'phone' } },
          { id: 'done', type: 'exit' },
        ],
      }),
      {
        nodes: {
          added: [],
          removed: [],
          changed: [
            { id: 'start', type: 'trigger', fields: ['trigger.event'], values: [{ field: 'trigger.event', old: 'registered', new: 'signed_up' }] },
            {
              id: 'wait',
              type: 'wait',
              fields: ['duration', 'label'],
              values: [
                { field: 'duration', old: 'P1D', new: 'P3D' },
                { field: 'label', old: null, new: 'three days' },
              ],
            },
            { id: 'sms', type: 'action', fields: ['params.body'], values: [{ field: 'params.body', old: 'Hi', new: 'Hello' }] },
          ],
        },
        edges: { added: [], removed: [] },
      },
    ],
  ])('%s', (_name, to, expected) => {
    expect(diffCanvases(base, to)).toEqual({ identical: false, settings: { changed: [], values: [] }, ...expected });
  });

  test('an explicit next port equals an omitted one; another port is another edge', () => {
    const explicit = variant({ edges: [{ from: 'start', port: 'next', to: 'wait' }, base.edges[1], base.edges[2]] });
    expect(diffCanvases(base, explicit).identical).toBe(true);
    const other = variant({ edges: [{ from: 'start', port: 'yes', to: 'wait' }, base.edges[1], base.edges[2]] });
    expect(diffCanvases(base, other).edges).toEqual({ added: [{ from: 'start', port: 'yes', to: 'wait' }], removed: [{ from: 'start', port: 'next', to: 'wait' }] });
  });

  test('journey-level changes are settings changes', () => {
    const to = variant({ name: 'Onboarding v2', settings: { timeZone: 'Asia/Hong_Kong', reentry: { policy: 'once' } }, goal: { event: 'first_deposit' } });
    expect(diffCanvases(base, to).settings).toEqual({
      changed: ['goal', 'name', 'settings.timeZone'],
      values: [
        { field: 'goal', old: null, new: { event: 'first_deposit' } },
        { field: 'name', old: 'Onboarding', new: 'Onboarding v2' },
        { field: 'settings.timeZone', old: 'Asia/Shanghai', new: 'Asia/Hong_Kong' },
      ],
    });
  });

  test('from nothing, everything is added', () => {
    const diff = diffCanvases(null, base);
    expect(diff.nodes.added.map((n) => n.id)).toEqual(['start', 'wait', 'sms', 'done']);
    expect(diff.edges.added).toHaveLength(3);
    expect(diff.settings.changed).toEqual(['name', 'schemaVersion', 'settings']);
  });

  test('tolerates invalid drafts: junk nodes and edges are skipped, a node without a type has type null', () => {
    const junk = { nodes: [42, { type: 'exit' }, { id: 'x' }, { id: 'x', type: 'wait' }], edges: ['a', { from: 'x' }] };
    expect(diffCanvases('not a canvas', junk)).toEqual({
      identical: false,
      nodes: { added: [{ id: 'x', type: null }], removed: [], changed: [] },
      edges: { added: [], removed: [] },
      settings: { changed: [], values: [] },
    });
  });
});

describe('changedPaths and jsonEqual', () => {
  test.each([
    [{ a: 1 }, { a: 1 }, []],
    [{ a: { b: 1, c: 2 } }, { a: { b: 1, c: 3 } }, ['a.c']],
    [{ a: [1, 2] }, { a: [1, 3] }, ['a']],
    [{ a: 1 }, {}, ['a']],
    [{ a: null }, { a: {} }, ['a']],
    [1, 2, ['']],
  ])('%j -> %j', (a, b, paths) => {
    expect(changedPaths(a, b)).toEqual(paths);
    expect(jsonEqual(a, b)).toBe(paths.length === 0);
  });
});
