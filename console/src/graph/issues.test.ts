import { describe, expect, it } from 'vitest';
import { pinIssues } from './issues';

const canvas = {
  nodes: [{ id: 'start' }, { id: 'wait_1' }, { id: 'sms' }],
  edges: [{ from: 'start', to: 'wait_1' }, { from: 'wait_1', to: 'nowhere' }, { from: 'ghost', to: 'sms' }],
};

describe('pinIssues', () => {
  it('pins a node path on the node at that index, with the field below it', () => {
    const [pinned] = pinIssues(canvas, [{ code: 'invalid_duration', message: 'bad', path: '$.nodes[1].duration' }]);
    expect(pinned).toMatchObject({ nodeId: 'wait_1', field: 'duration' });
    expect(pinIssues(canvas, [{ code: 'x', message: 'm', path: '$.nodes[2].params.body' }])[0]).toMatchObject({ nodeId: 'sms', field: 'params.body' });
    expect(pinIssues(canvas, [{ code: 'x', message: 'm', path: '$.nodes[0]' }])[0]).toMatchObject({ nodeId: 'start' });
  });

  it('pins an edge problem on the end that exists', () => {
    const [dangling, orphan] = pinIssues(canvas, [
      { code: 'unknown_node', message: 'no node nowhere', path: '$.edges[1].to' },
      { code: 'unknown_node', message: 'no node ghost', path: '$.edges[2].from' },
    ]);
    expect(dangling).toMatchObject({ nodeId: 'wait_1', field: 'edge wait_1 → nowhere' });
    expect(orphan).toMatchObject({ nodeId: 'sms' });
  });

  it('leaves journey-level issues and unknown indexes unpinned', () => {
    const pinned = pinIssues(canvas, [
      { code: 'x', message: 'm', path: '$.settings.timeZone' },
      { code: 'x', message: 'm', path: '$.nodes[9].duration' },
    ]);
    expect(pinned.map((p) => p.nodeId)).toEqual([undefined, undefined]);
  });
});
