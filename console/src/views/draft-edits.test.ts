import { describe, expect, it } from 'vitest';
import { addEdge, addNode, removeEdges, removeNodes, replaceNode } from './draft-edits';

const base = { schemaVersion: 2, name: 'j', nodes: [{ id: 'a', type: 'trigger' }, { id: 'b', type: 'condition' }, { id: 'c', type: 'exit' }], edges: [{ from: 'a', to: 'b' }] };

describe('draft edits', () => {
  it('adds a node with a fresh id and its template settings', () => {
    const once = addNode(base, 'wait');
    const twice = addNode(once, 'wait');
    expect(twice.nodes!.slice(-2)).toEqual([expect.objectContaining({ id: 'wait_1', type: 'wait', duration: 'P1D' }), expect.objectContaining({ id: 'wait_2' })]);
    expect(base.nodes).toHaveLength(3);
  });

  it('connects a port, replacing what the port led to; next is left implicit', () => {
    const yes = addEdge(base, 'b', 'yes', 'c');
    expect(yes.edges).toContainEqual({ from: 'b', port: 'yes', to: 'c' });
    const moved = addEdge(addEdge(yes, 'b', 'yes', 'a'), 'c', 'next', 'a');
    expect(moved.edges!.filter((e) => (e as { from: string }).from === 'b')).toEqual([{ from: 'b', port: 'yes', to: 'a' }]);
    expect(moved.edges).toContainEqual({ from: 'c', to: 'a' });
  });

  it('removes edges by port and nodes with their edges', () => {
    expect(removeEdges(base, [{ from: 'a', port: 'next', to: 'b' }]).edges).toEqual([]);
    const gone = removeNodes(addEdge(base, 'b', 'no', 'c'), ['b']);
    expect(gone.nodes!.map((n) => (n as { id: string }).id)).toEqual(['a', 'c']);
    expect(gone.edges).toEqual([]);
  });

  it("carries a renamed node's id over to its edges", () => {
    const renamed = replaceNode(base, 'b', { id: 'check', type: 'condition' });
    expect(renamed.edges).toEqual([{ from: 'a', to: 'check' }]);
  });
});
