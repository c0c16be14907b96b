/** Edits of a draft canvas as pure functions (each returns a new document): what the editor's gestures do. */
export type CanvasDoc = Record<string, unknown> & { nodes?: unknown[]; edges?: unknown[] };
type Json = Record<string, unknown>;

const nodesOf = (c: CanvasDoc) => (Array.isArray(c.nodes) ? (c.nodes as Json[]) : []);
const edgesOf = (c: CanvasDoc) => (Array.isArray(c.edges) ? (c.edges as Json[]) : []);
const portOf = (e: Json) => (typeof e.port === 'string' ? e.port : 'next');

/** The settings a new node of each type starts with: enough to be valid once connected. */
export const NODE_TEMPLATES: Record<string, Json> = {
  trigger: { trigger: { kind: 'event', event: 'event_name' } },
  wait: { duration: 'P1D' },
  wait_for_event: { event: 'event_name', timeout: 'P1D' },
  condition: { condition: { event: 'event_name' } },
  multi_split: { cases: [{ key: 'case_1', condition: { event: 'event_name' } }] },
  random_split: { arms: [{ key: 'a', weight: 50 }, { key: 'b', weight: 50 }] },
  trait_split: { trait: 'trait_name', cases: [{ key: 'case_1', values: ['value'] }] },
  action: { action: 'sms', params: { body: 'Hello {{ traits.first_name | default: "there" }}' } },
  exit: { reason: 'done' },
};

/** Adds a node of `type` with a fresh id (`wait_2`, ...) and its template settings. */
export function addNode(canvas: CanvasDoc, type: string): CanvasDoc {
  const taken = new Set(nodesOf(canvas).map((n) => n.id));
  let n = 1;
  while (taken.has(`${type}_${n}`)) n += 1;
  const id = `${type}_${n}`;
  return { ...canvas, nodes: [...nodesOf(canvas), { id, type, label: `New ${type.replace(/_/g, ' ')}`, ...(NODE_TEMPLATES[type] ?? {}) }] };
}

/** Connects `from`'s port to `to`, replacing what that port led to (a port has one edge). */
export function addEdge(canvas: CanvasDoc, from: string, port: string, to: string): CanvasDoc {
  const kept = edgesOf(canvas).filter((e) => !(e.from === from && portOf(e) === port));
  return { ...canvas, edges: [...kept, { from, ...(port === 'next' ? {} : { port }), to }] };
}

export function removeEdges(canvas: CanvasDoc, gone: { from: string; port: string; to: string }[]): CanvasDoc {
  const matches = (e: Json) => gone.some((g) => g.from === e.from && g.to === e.to && g.port === portOf(e));
  return { ...canvas, edges: edgesOf(canvas).filter((e) => !matches(e)) };
}

/** Removes nodes and every edge to or from them. */
export function removeNodes(canvas: CanvasDoc, ids: string[]): CanvasDoc {
  const gone = new Set(ids);
  return {
    ...canvas,
    nodes: nodesOf(canvas).filter((n) => !gone.has(String(n.id))),
    edges: edgesOf(canvas).filter((e) => !gone.has(String(e.from)) && !gone.has(String(e.to))),
  };
}

/** Replaces node `id` by `next`; a changed id is carried over to the node's edges. */
export function replaceNode(canvas: CanvasDoc, id: string, next: Json): CanvasDoc {
  const newId = typeof next.id === 'string' ? next.id : id;
  const rename = (v: unknown) => (v === id ? newId : v);
  return {
    ...canvas,
    nodes: nodesOf(canvas).map((n) => (n.id === id ? next : n)),
    edges: newId === id ? edgesOf(canvas) : edgesOf(canvas).map((e) => ({ ...e, from: rename(e.from), to: rename(e.to) })),
  };
}
