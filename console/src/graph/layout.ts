/**
 * Left-to-right layout by ELK's layered algorithm, with each node's exit ports in the order its kind
 * declares them (so a condition's `yes` is above its `no`). ELK is loaded on first use: it is the
 * heaviest part of the canvas and stays out of the initial bundle.
 */
import type { ElkNode } from 'elkjs/lib/elk-api';
import type { JourneyFlowEdge, JourneyFlowNode } from './mapping';

export const NODE_WIDTH = 190;
export const NODE_HEIGHT = 84;

let elk: Promise<{ layout(graph: ElkNode): Promise<ElkNode> }> | undefined;
const loadElk = () => (elk ??= import('elkjs/lib/elk.bundled.js').then((m) => new m.default()));

/** The nodes with positions; the edges are unchanged. */
export async function layoutGraph(nodes: JourneyFlowNode[], edges: JourneyFlowEdge[]): Promise<JourneyFlowNode[]> {
  const engine = await loadElk();
  const graph: ElkNode = {
    id: 'journey',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.layered.spacing.nodeNodeBetweenLayers': '50',
      'elk.spacing.nodeNode': '28',
      'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
    },
    children: nodes.map((n) => ({
      id: n.id,
      width: NODE_WIDTH,
      height: NODE_HEIGHT,
      layoutOptions: { 'elk.portConstraints': 'FIXED_ORDER' },
      ports: [
        { id: `${n.id}::in`, layoutOptions: { 'elk.port.side': 'WEST' } },
        ...n.data.ports.map((p) => ({ id: `${n.id}::${p}`, layoutOptions: { 'elk.port.side': 'EAST' } })),
      ],
    })),
    edges: edges
      .filter((e) => nodes.some((n) => n.id === e.source && n.data.ports.includes(e.data?.port ?? 'next')))
      .map((e) => ({ id: e.id, sources: [`${e.source}::${e.data?.port ?? 'next'}`], targets: [`${e.target}::in`] })),
  };
  const laid = await engine.layout(graph);
  const at = new Map((laid.children ?? []).map((c) => [c.id, { x: c.x ?? 0, y: c.y ?? 0 }]));
  return nodes.map((n) => ({ ...n, position: at.get(n.id) ?? { x: 0, y: 0 } }));
}
