/** The journey as a React Flow graph, laid out by ELK; editable (connect, delete) in the draft editor. */
import { Background, Controls, MarkerType, ReactFlow, type Edge, type NodeTypes } from '@xyflow/react';
import { useEffect, useMemo, useState } from 'react';
import { JourneyNode } from './JourneyNode';
import { layoutGraph } from './layout';
import { canvasToGraph, type JourneyEdgeData, type Overlay } from './mapping';

const NODE_TYPES: NodeTypes = { journey: JourneyNode };

export interface GraphEditing {
  onConnect(from: string, port: string, to: string): void;
  onDeleteEdges(ids: { from: string; port: string; to: string }[]): void;
  onDeleteNodes(ids: string[]): void;
}

interface Props {
  canvas: Record<string, unknown>;
  overlay?: Overlay;
  selected?: string;
  onSelect(nodeId: string | undefined): void;
  editing?: GraphEditing;
}

export function JourneyGraph({ canvas, overlay, selected, onSelect, editing }: Props) {
  const { nodes, edges } = useMemo(() => canvasToGraph(canvas, overlay), [canvas, overlay]);
  // Lay out again only when the structure changes, not when figures or errors do.
  const structure = JSON.stringify([nodes.map((n) => [n.id, n.data.ports]), edges.map((e) => e.id)]);
  const [layout, setLayout] = useState<{ structure: string; positions: Record<string, { x: number; y: number }> }>();
  const [layoutError, setLayoutError] = useState<string>();
  useEffect(() => {
    let live = true;
    layoutGraph(nodes, edges)
      .then((laid) => live && setLayout({ structure, positions: Object.fromEntries(laid.map((n) => [n.id, n.position])) }))
      .catch((err: unknown) => live && setLayoutError(String(err)));
    return () => {
      live = false;
    };
  }, [structure]);
  if (layoutError) return <div className="je-error">The layout failed: {layoutError}</div>;
  if (!layout) return <p className="je-loading">Laying out the journey…</p>;
  if (nodes.length === 0) return <div className="je-empty">This canvas has no nodes yet{editing ? ': add one from the palette.' : '.'}</div>;
  const placed = nodes.map((n) => ({ ...n, position: layout.positions[n.id] ?? { x: 0, y: 0 }, selected: n.id === selected }));
  const styled: Edge<JourneyEdgeData>[] = edges.map((e) => ({
    ...e,
    type: 'smoothstep',
    markerEnd: { type: MarkerType.ArrowClosed },
    className: [e.data?.diff ? `diff-${e.data.diff}` : '', e.data?.trail ? 'on-trail' : ''].filter(Boolean).join(' ') || undefined,
    animated: e.data?.trail === true,
    labelBgPadding: [4, 2],
    style: e.data?.share !== undefined ? { strokeWidth: 1 + 4 * e.data.share } : undefined,
  }));
  const portsOf = (e: Edge<JourneyEdgeData>) => ({ from: e.source, port: e.data?.port ?? 'next', to: e.target });
  return (
    <div className="je-graph" data-testid="journey-graph">
      <ReactFlow
        key={layout.structure}
        nodes={placed}
        edges={styled}
        nodeTypes={NODE_TYPES}
        fitView
        fitViewOptions={{ padding: 0.05 }}
        minZoom={0.2}
        nodesDraggable={false}
        nodesConnectable={!!editing}
        elementsSelectable
        deleteKeyCode={editing ? ['Delete', 'Backspace'] : null}
        onNodeClick={(_, node) => onSelect(node.id)}
        onPaneClick={() => onSelect(undefined)}
        onConnect={(c) => c.source && c.target && editing?.onConnect(c.source, c.sourceHandle ?? 'next', c.target)}
        onEdgesDelete={(deleted) => editing?.onDeleteEdges(deleted.map(portsOf))}
        onNodesDelete={(deleted) => editing?.onDeleteNodes(deleted.map((n) => n.id))}
        proOptions={{ hideAttribution: true }}
      >
        <Background />
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  );
}
