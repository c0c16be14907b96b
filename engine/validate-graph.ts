/**
 * Graph checks on a canvas: one trigger, edges between existing nodes on valid ports, every branch
 * connected, no dead ends, everything reachable from the trigger, and no cycles.
 *
 * Why no cycles in v1: a journey is a DAG so that every run ends, every step is visited at most once
 * per run (which keeps the send ledger, step counts and customer history simple), and a run's history
 * stays small. Long "loops" are expressed with waits plus re-entry (settings.reentry).
 */
import type { DocumentIssue } from './errors.js';
import { nodeKind, type Port } from './nodes/index.js';
import { isRecord } from './schema-issues.js';

const issue = (code: string, message: string, path: string): DocumentIssue => ({ code, message, path });

/** A node with a string id, at its position in `nodes`. */
interface GraphNode {
  index: number;
  id: string;
  /** The node type, or null when missing or unknown (already reported by the schema check). */
  type: string | null;
  node: Record<string, unknown>;
}

/** The exit ports of a node of a registered kind (none for an unknown type, which the schema reported). */
export function nodePorts(node: Record<string, unknown>, path: string): Port[] {
  return nodeKind(node.type)?.ports(node, path) ?? [];
}

const isBranching = (type: string | null) => nodeKind(type)?.branching === true;

/** All graph problems of a document already known to be an object. */
export function graphIssues(doc: Record<string, unknown>): DocumentIssue[] {
  const issues: DocumentIssue[] = [];
  const byId = new Map<string, GraphNode>();
  const rawNodes = Array.isArray(doc.nodes) ? doc.nodes : [];
  rawNodes.forEach((node, index) => {
    if (!isRecord(node) || typeof node.id !== 'string') return;
    if (byId.has(node.id)) {
      issues.push(issue('duplicate_node_id', `Node id "${node.id}" is used by more than one node; ids must be unique`, `$.nodes[${index}].id`));
      return;
    }
    const type = nodeKind(node.type) ? (node.type as string) : null;
    byId.set(node.id, { index, id: node.id, type, node });
  });
  // Nodes of unknown type still exist for edges, but their ports and reachability are not judged.
  const nodes = [...byId.values()].filter((n) => n.type !== null);

  const triggers = nodes.filter((n) => n.type === 'trigger');
  if (triggers.length === 0 && Array.isArray(doc.nodes)) {
    issues.push(issue('missing_trigger', 'The journey has no trigger node; add one node of type "trigger" to say how customers enter', '$.nodes'));
  }
  for (const extra of triggers.slice(1)) {
    issues.push(issue('multiple_triggers', `Node "${extra.id}" is a second trigger; a journey has exactly one trigger (first: "${triggers[0].id}")`, `$.nodes[${extra.index}]`));
  }

  const covered = new Map<string, Set<string>>(); // node id -> connected ports
  const successors = new Map<string, string[]>();
  const edgeIndex = new Map<string, number>(); // "from\u0000to" -> first edge index
  const rawEdges = Array.isArray(doc.edges) ? doc.edges : [];
  rawEdges.forEach((edge, k) => {
    if (!isRecord(edge) || typeof edge.from !== 'string' || typeof edge.to !== 'string') return;
    if (edge.port !== undefined && typeof edge.port !== 'string') return;
    issues.push(...edgeIssues(edge.from, edge.to, edge.port, k, byId, covered, successors, edgeIndex));
  });

  for (const n of nodes) {
    const ports = covered.get(n.id) ?? new Set<string>();
    if (isBranching(n.type)) {
      for (const port of nodePorts(n.node, `$.nodes[${n.index}]`)) {
        if (!ports.has(port.name)) {
          issues.push(issue('missing_branch', `Node "${n.id}": the "${port.name}" branch is not connected; add an edge from this port (to an exit node if nothing should happen)`, port.path));
        }
      }
    } else if (n.type !== 'exit' && !ports.has('next')) {
      issues.push(issue('dead_end', `Node "${n.id}" leads nowhere; connect it to the next step or to an exit node`, `$.nodes[${n.index}]`));
    }
  }

  if (triggers.length > 0) {
    const reached = reachableFrom(triggers[0].id, successors);
    for (const n of nodes) {
      if (n.type !== 'trigger' && !reached.has(n.id)) {
        issues.push(issue('unreachable_node', `Node "${n.id}" cannot be reached from the trigger; connect it or remove it`, `$.nodes[${n.index}]`));
      }
    }
  }
  issues.push(...cycleIssues(nodes, successors, edgeIndex));
  return issues;
}

function edgeIssues(
  from: string,
  to: string,
  portValue: string | undefined,
  k: number,
  byId: Map<string, GraphNode>,
  covered: Map<string, Set<string>>,
  successors: Map<string, string[]>,
  edgeIndex: Map<string, number>,
): DocumentIssue[] {
  const issues: DocumentIssue[] = [];
  const at = `$.edges[${k}]`;
  const source = byId.get(from);
  const target = byId.get(to);
  if (!source) issues.push(issue('unknown_node', `Edge ${k} starts at "${from}", but there is no node with that id`, `${at}.from`));
  if (!target) issues.push(issue('unknown_node', `Edge ${k} leads to "${to}", but there is no node with that id`, `${at}.to`));
  if (target?.type === 'trigger') {
    issues.push(issue('edge_into_trigger', `Edge ${k} leads into the trigger "${to}"; nothing can lead back to the entry point`, `${at}.to`));
  }
  if (!source) return issues;
  if (source.type === 'exit') {
    issues.push(issue('edge_from_exit', `Edge ${k} starts at exit node "${from}"; an exit ends the run, so it cannot lead anywhere`, `${at}.from`));
    return issues;
  }
  const port = portValue ?? 'next';
  const ports = nodePorts(source.node, '').map((p) => p.name);
  if (source.type !== null && !ports.includes(port)) {
    const shown = portValue === undefined ? 'has no port (so "next")' : `uses port "${port}"`;
    issues.push(issue('unknown_port', `Edge ${k} from "${from}" ${shown}; a ${source.type} node's ports are: ${ports.join(', ')}`, portValue === undefined ? at : `${at}.port`));
    return issues;
  }
  const connected = covered.get(from) ?? new Set<string>();
  if (connected.has(port)) {
    issues.push(issue('duplicate_edge', `Edge ${k} is a second edge from "${from}" port "${port}"; each port leads to exactly one node`, at));
    return issues;
  }
  connected.add(port);
  covered.set(from, connected);
  if (target) {
    successors.set(from, [...(successors.get(from) ?? []), to]);
    const key = `${from}\u0000${to}`;
    if (!edgeIndex.has(key)) edgeIndex.set(key, k);
  }
  return issues;
}

function reachableFrom(start: string, successors: Map<string, string[]>): Set<string> {
  const reached = new Set<string>([start]);
  const queue = [start];
  while (queue.length > 0) {
    for (const next of successors.get(queue.shift()!) ?? []) {
      if (!reached.has(next)) {
        reached.add(next);
        queue.push(next);
      }
    }
  }
  return reached;
}

/** One `cycle` issue per strongly connected component that loops, naming one loop's node ids in order. */
function cycleIssues(nodes: GraphNode[], successors: Map<string, string[]>, edgeIndex: Map<string, number>): DocumentIssue[] {
  const issues: DocumentIssue[] = [];
  const order = new Map(nodes.map((n) => [n.id, n.index]));
  const first = (component: string[]) => [...component].sort((a, b) => order.get(a)! - order.get(b)!)[0];
  const components = stronglyConnected(nodes.map((n) => n.id), successors)
    .filter((c) => c.length > 1 || (successors.get(c[0]) ?? []).includes(c[0]))
    .sort((a, b) => order.get(first(a))! - order.get(first(b))!);
  for (const component of components) {
    const members = new Set(component);
    const start = first(component);
    const loop = shortestLoop(start, members, successors);
    const last = loop[loop.length - 2];
    const closing = edgeIndex.get(`${last}\u0000${start}`);
    issues.push(
      issue(
        'cycle',
        `The journey loops: ${loop.join(' -> ')}. Journeys cannot loop in format v1; remove the edge from "${last}" to "${start}" and use a wait or re-entry instead`,
        closing === undefined ? `$.nodes[${order.get(start)}]` : `$.edges[${closing}]`,
      ),
    );
  }
  return issues;
}

/** Breadth-first search back to `start` inside one component: `start -> ... -> start`. */
function shortestLoop(start: string, members: Set<string>, successors: Map<string, string[]>): string[] {
  const parent = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const current = queue.shift()!;
    for (const next of successors.get(current) ?? []) {
      if (!members.has(next)) continue;
      if (next === start) {
        const path = [current];
        while (path[0] !== start) path.unshift(parent.get(path[0])!);
        return [...path, start];
      }
      if (!parent.has(next)) {
        parent.set(next, current);
        queue.push(next);
      }
    }
  }
  return [start, start];
}

/**
 * Tarjan's algorithm; components come out in reverse topological order. Iterative (an explicit stack
 * of frames), so a valid journey that is a long chain (thousands of nodes) cannot overflow the call stack.
 */
export function stronglyConnected(ids: string[], successors: Map<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const enter = (v: string): { v: string; next: string[]; i: number } => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    return { v, next: successors.get(v) ?? [], i: 0 };
  };
  for (const root of ids) {
    if (index.has(root)) continue;
    const frames = [enter(root)];
    while (frames.length > 0) {
      const frame = frames[frames.length - 1];
      if (frame.i < frame.next.length) {
        const w = frame.next[frame.i++];
        if (!index.has(w)) frames.push(enter(w));
        else if (onStack.has(w)) low.set(frame.v, Math.min(low.get(frame.v)!, index.get(w)!));
        continue;
      }
      frames.pop();
      const { v } = frame;
      if (frames.length > 0) {
        const parent = frames[frames.length - 1].v;
        low.set(parent, Math.min(low.get(parent)!, low.get(v)!));
      }
      if (low.get(v) === index.get(v)) {
        const component: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          component.push(w);
        } while (w !== v);
        components.push(component);
      }
    }
  }
  return components;
}
