/**
 * A canvas (the journey document) as a graph for React Flow: one node per canvas node with its kind,
 * label, a one-line settings summary and its exit ports (read from the engine's node-kind registry,
 * the same code that validates and compiles the canvas), one edge per canvas edge named by its port.
 * Live figures, validation issues and diff marks are laid over the same nodes.
 */
import type { Edge as FlowEdge, Node as FlowNode } from '@xyflow/react';
import type { Canvas } from '../../../engine/canvas';
import { nodeKind } from '../../../engine/nodes/index';
import type { PinnedIssue } from './issues';

/** Per-node figures from GET /v1/journeys/{id}/stats. */
export interface NodeFigures {
  passed: number;
  waiting: number;
  inProgress: number;
  branches?: Record<string, number> | null;
}

export type DiffMark = 'added' | 'changed' | 'removed';

/** What a journey node shows. */
export interface JourneyNodeData extends Record<string, unknown> {
  nodeId: string;
  type: string;
  label: string;
  summary: string;
  ports: string[];
  figures?: NodeFigures;
  issues: PinnedIssue[];
  diff?: DiffMark;
  /** On a simulated path: the virtual time the run reached the node (first visit). */
  trail?: string;
  /** A backtest's figure for the node (times entered), beside the live one over the same window when known. */
  test?: TestFigure;
}

/** Times a node was entered in a backtest, and by the real runs of the same window (null: not known yet). */
export interface TestFigure {
  simulated: number;
  live: number | null;
}

export type JourneyFlowNode = FlowNode<JourneyNodeData, 'journey'>;

export interface JourneyEdgeData extends Record<string, unknown> {
  port: string;
  /** Share of the runs that passed the source node and took this edge (0..1), when known. */
  share?: number;
  /** Runs that took it. */
  count?: number;
  diff?: 'added';
  /** Taken by the simulated run. */
  trail?: boolean;
}

export type JourneyFlowEdge = FlowEdge<JourneyEdgeData>;

export interface Overlay {
  figures?: Record<string, NodeFigures>;
  /** Customers who entered (the trigger's figure: the trigger is not a step of the plan, so stats list no node for it). */
  entered?: number;
  issues?: PinnedIssue[];
  diff?: { nodes: Record<string, DiffMark>; addedEdges: Set<string> };
  /** A simulated path: node id -> virtual time it was first reached, and the edges taken. */
  trail?: { nodes: Record<string, string>; edges: Set<string> };
  /** A backtest's per-node figures. */
  test?: Record<string, TestFigure>;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const short = (text: string, max = 60) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** The exit ports of a node as its kind declares them (`next` for the linear kinds, none for exits). */
export function portsOf(node: Json, index: number): string[] {
  const kind = nodeKind(node.type);
  if (!kind) return ['next'];
  try {
    return kind.ports(node, `$.nodes[${index}]`).map((p) => p.name);
  } catch {
    return [];
  }
}

/** One line that says what the node does with its settings. */
export function summaryOf(node: Json): string {
  switch (node.type) {
    case 'trigger': {
      const t = isObject(node.trigger) ? node.trigger : {};
      if (t.kind === 'event') return `on event ${String(t.event ?? '?')}`;
      if (t.kind === 'segment') return `segment ${String(t.segment ?? '?')}`;
      return `entry: ${String(t.kind ?? '?')}`;
    }
    case 'wait':
      if (node.duration) return `wait ${String(node.duration)}`;
      if (node.until) return `until ${String(node.until)}`;
      return 'wait';
    case 'wait_for_event':
      return `${String(node.event ?? '?')} within ${String(node.timeout ?? '?')}`;
    case 'condition':
      return short(`if ${JSON.stringify(node.condition ?? {})}`);
    case 'multi_split':
    case 'trait_split':
      return `cases: ${Array.isArray(node.cases) ? node.cases.map((c) => (isObject(c) ? String(c.key) : '?')).join(', ') : '?'}`;
    case 'random_split':
      return Array.isArray(node.arms) ? node.arms.map((a) => (isObject(a) ? `${String(a.key)} ${String(a.weight)}` : '?')).join(' / ') : 'arms: ?';
    case 'action': {
      const params = isObject(node.params) ? node.params : {};
      const text = params.body ?? params.title ?? params.url ?? '';
      return short(`${String(node.action ?? '?')}${text ? `: ${String(text)}` : ''}`);
    }
    case 'exit':
      return `exit${node.reason ? `: ${String(node.reason)}` : ''}`;
    default:
      return `unknown type ${String(node.type)}`;
  }
}

export const edgeId = (from: string, port: string, to: string) => `${from}:${port}->${to}`;

/** The canvas as React Flow nodes and edges (positions 0, 0: {@link layoutGraph} places them). */
export function canvasToGraph(canvas: Canvas | Json, overlay: Overlay = {}): { nodes: JourneyFlowNode[]; edges: JourneyFlowEdge[] } {
  const rawNodes = Array.isArray(canvas.nodes) ? (canvas.nodes as unknown[]) : [];
  const rawEdges = Array.isArray(canvas.edges) ? (canvas.edges as unknown[]) : [];
  const ids = new Set<string>();
  const triggers = new Set(rawNodes.filter((n) => isObject(n) && n.type === 'trigger').map((n) => (n as Json).id));
  const figuresOf = (id: string): NodeFigures | undefined =>
    triggers.has(id) && overlay.entered !== undefined ? { passed: overlay.entered, waiting: 0, inProgress: 0 } : overlay.figures?.[id];
  const nodes: JourneyFlowNode[] = [];
  rawNodes.forEach((raw, index) => {
    if (!isObject(raw) || typeof raw.id !== 'string' || ids.has(raw.id)) return;
    ids.add(raw.id);
    nodes.push({
      id: raw.id,
      type: 'journey',
      position: { x: 0, y: 0 },
      data: {
        nodeId: raw.id,
        type: String(raw.type ?? '?'),
        label: typeof raw.label === 'string' ? raw.label : raw.id,
        summary: summaryOf(raw),
        ports: portsOf(raw, index),
        ...(figuresOf(raw.id) ? { figures: figuresOf(raw.id) } : {}),
        issues: (overlay.issues ?? []).filter((i) => i.nodeId === raw.id),
        ...(overlay.diff?.nodes[raw.id] ? { diff: overlay.diff.nodes[raw.id] } : {}),
        ...(overlay.trail?.nodes[raw.id] ? { trail: overlay.trail.nodes[raw.id] } : {}),
        ...(overlay.test ? { test: overlay.test[raw.id] ?? { simulated: 0, live: null } } : {}),
      },
    });
  });
  const edges: JourneyFlowEdge[] = [];
  for (const raw of rawEdges) {
    if (!isObject(raw) || typeof raw.from !== 'string' || typeof raw.to !== 'string') continue;
    // A dangling edge (unknown end) cannot be drawn; its error is pinned on the node that exists.
    if (!ids.has(raw.from) || !ids.has(raw.to)) continue;
    const port = typeof raw.port === 'string' ? raw.port : 'next';
    const id = edgeId(raw.from, port, raw.to);
    const figures = figuresOf(raw.from);
    const count = figures ? (figures.branches ? (figures.branches[port] ?? 0) : figures.passed - figures.waiting - figures.inProgress) : undefined;
    const share = figures && figures.passed > 0 && count !== undefined ? count / figures.passed : undefined;
    edges.push({
      id,
      source: raw.from,
      target: raw.to,
      sourceHandle: port,
      targetHandle: 'in',
      label: share === undefined ? port : `${port} · ${Math.round(share * 100)}%`,
      data: { port, ...(share !== undefined ? { share, count } : {}), ...(overlay.diff?.addedEdges.has(id) ? { diff: 'added' as const } : {}), ...(overlay.trail?.edges.has(id) ? { trail: true } : {}) },
    });
  }
  return { nodes, edges };
}

/** Figures by node id from a stats answer. */
export function figuresByNode(stats: { nodes?: { nodeId?: string; passed?: number; waiting?: number; inProgress?: number; branches?: Record<string, number> | null }[] }): Record<string, NodeFigures> {
  const out: Record<string, NodeFigures> = {};
  for (const n of stats.nodes ?? []) {
    if (!n.nodeId) continue;
    out[n.nodeId] = { passed: n.passed ?? 0, waiting: n.waiting ?? 0, inProgress: n.inProgress ?? 0, branches: n.branches ?? null };
  }
  return out;
}

/**
 * A simulated path on the canvas: each node with the virtual time it was first reached (the trigger
 * at the start: the path lists the plan's steps, which leave the trigger out), and the edge between
 * each step and the next.
 */
export function trailOf(canvas: Canvas | Json, path: string[], reached: Record<string, string>, start: string): NonNullable<Overlay['trail']> {
  const rawNodes = Array.isArray(canvas.nodes) ? (canvas.nodes as unknown[]).filter(isObject) : [];
  const rawEdges = Array.isArray(canvas.edges) ? (canvas.edges as unknown[]).filter(isObject) : [];
  const trigger = rawNodes.find((n) => n.type === 'trigger');
  const steps = trigger && typeof trigger.id === 'string' && path[0] !== trigger.id ? [trigger.id, ...path] : path;
  const nodes: Record<string, string> = {};
  for (const id of steps) nodes[id] ??= reached[id] ?? start;
  const edges = new Set<string>();
  for (let i = 1; i < steps.length; i++) {
    const taken = rawEdges.find((e) => e.from === steps[i - 1] && e.to === steps[i]);
    if (taken) edges.add(edgeId(steps[i - 1], typeof taken.port === 'string' ? taken.port : 'next', steps[i]));
  }
  return { nodes, edges };
}
