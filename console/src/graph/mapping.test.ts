import { describe, expect, it } from 'vitest';
import onboarding from '../../../examples/onboarding.json';
import { canvasToGraph, figuresByNode, portsOf, summaryOf } from './mapping';

describe('canvasToGraph', () => {
  const { nodes, edges } = canvasToGraph(onboarding);

  it('makes one node per canvas node, with kind, label and a settings summary', () => {
    expect(nodes.map((n) => n.id)).toEqual(onboarding.nodes.map((n) => n.id));
    const wait = nodes.find((n) => n.id === 'wait_opening_page')!;
    expect(wait.data).toMatchObject({ type: 'wait_for_event', label: 'Opened the account-opening page within 2 hours?', summary: 'opening_page_viewed within PT2H' });
    expect(nodes.find((n) => n.id === 'wait_day3')!.data.summary).toBe('wait P3D');
    expect(nodes.find((n) => n.id === 'done')!.data.summary).toBe('exit: onboarding_finished');
  });

  it("gives each node the exit ports its kind declares, in the kind's order", () => {
    const ports = Object.fromEntries(nodes.map((n) => [n.id, n.data.ports]));
    expect(ports.registered).toEqual(['next']);
    expect(ports.wait_opening_page).toEqual(['matched', 'timed_out']);
    expect(ports.day3_split).toEqual(['dropped_mid_opening', 'no_account', 'inactive', 'else']);
    expect(ports.day7_check).toEqual(['yes', 'no']);
    expect(ports.done).toEqual([]);
  });

  it('makes one edge per canvas edge, from the named port (next when the canvas leaves it out)', () => {
    expect(edges).toHaveLength(onboarding.edges.length);
    const timedOut = edges.find((e) => e.source === 'wait_opening_page' && e.target === 'sms_open_nudge')!;
    expect(timedOut).toMatchObject({ sourceHandle: 'timed_out', label: 'timed_out', data: { port: 'timed_out' } });
    expect(edges.find((e) => e.source === 'registered')!.sourceHandle).toBe('next');
  });

  it('lays figures over the nodes and gives each branch edge its share of the runs', () => {
    const figures = figuresByNode({
      nodes: [
        { nodeId: 'wait_opening_page', passed: 10, waiting: 4, inProgress: 0, branches: { matched: 5, timed_out: 1 } },
      ],
    });
    const withFigures = canvasToGraph(onboarding, { figures });
    expect(withFigures.nodes.find((n) => n.id === 'wait_opening_page')!.data.figures).toEqual({ passed: 10, waiting: 4, inProgress: 0, branches: { matched: 5, timed_out: 1 } });
    const matched = withFigures.edges.find((e) => e.source === 'wait_opening_page' && e.data!.port === 'matched')!;
    expect(matched.data).toMatchObject({ count: 5, share: 0.5 });
    expect(matched.label).toBe('matched · 50%');
    expect(withFigures.edges.find((e) => e.source === 'registered')).toMatchObject({ label: 'next' });
  });

  it("shows the entered count on the trigger, which the stats do not list as a node", () => {
    const g = canvasToGraph(onboarding, { figures: {}, entered: 7 });
    expect(g.nodes.find((n) => n.id === 'registered')!.data.figures).toEqual({ passed: 7, waiting: 0, inProgress: 0 });
    expect(g.edges.find((e) => e.source === 'registered')!.data).toMatchObject({ count: 7, share: 1 });
    expect(g.nodes.find((n) => n.id === 'wait_day3')!.data.figures).toBeUndefined();
  });

  it('skips edges whose ends do not exist, and tolerates a half-written node', () => {
    const g = canvasToGraph({ nodes: [{ id: 'a', type: 'wait' }, { id: 'b', type: 'no_such_type' }, 'junk'], edges: [{ from: 'a', to: 'ghost' }, { from: 'a', to: 'b' }] });
    expect(g.nodes.map((n) => n.id)).toEqual(['a', 'b']);
    expect(g.edges.map((e) => e.target)).toEqual(['b']);
    expect(g.nodes[1].data.summary).toBe('unknown type no_such_type');
  });
});

describe('portsOf and summaryOf', () => {
  it('reads random-split arms and trait-split cases', () => {
    expect(portsOf({ type: 'random_split', arms: [{ key: 'a', weight: 1 }, { key: 'holdout', weight: 1 }] }, 0)).toEqual(['a', 'holdout']);
    expect(summaryOf({ type: 'random_split', arms: [{ key: 'a', weight: 90 }, { key: 'holdout', weight: 10 }] })).toBe('a 90 / holdout 10');
    expect(portsOf({ type: 'trait_split', trait: 'tier', cases: [{ key: 'gold', values: ['g'] }] }, 0)).toEqual(['gold', 'else']);
  });
});
