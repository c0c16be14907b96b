/**
 * What changes between two canvases, for a reviewer about to publish or approve: nodes added,
 * removed and changed (with the paths of the fields that changed), edges added and removed, and
 * journey-level fields (name, settings, goal, exit criteria) changed. Works on drafts too, so it
 * never assumes a canvas is valid: anything that is not a node object with an id is ignored.
 */

/** A node as a diff names it. */
export interface NodeRef {
  id: string;
  type: string | null;
}

/** One changed field with its value before and after (`null` when absent on that side). */
export interface ValueChange {
  field: string;
  old: unknown;
  new: unknown;
}

/** A node present on both sides whose content differs; `fields` are paths inside the node (`params.body`), `values` their old and new values. */
export interface NodeChange extends NodeRef {
  fields: string[];
  values: ValueChange[];
}

/** An edge, with its port made explicit (`next` when the canvas leaves it out). */
export interface EdgeRef {
  from: string;
  port: string;
  to: string;
}

export interface CanvasDiff {
  /** True when nothing below lists a change. */
  identical: boolean;
  nodes: { added: NodeRef[]; removed: NodeRef[]; changed: NodeChange[] };
  edges: { added: EdgeRef[]; removed: EdgeRef[] };
  /** Paths of the journey-level fields that changed (`name`, `settings.timeZone`, `goal`, ...), with their old and new values. */
  settings: { changed: string[]; values: ValueChange[] };
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Deep equality of JSON values (object key order does not matter). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]));
  }
  if (!isObject(a) || !isObject(b)) return false;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((k) => jsonEqual(a[k], b[k]));
}

/**
 * Paths of the leaves that differ between two JSON values, descending into objects only (an array
 * that differs is one change, named by its path). Sorted, so the answer is stable.
 */
export function changedPaths(a: unknown, b: unknown, prefix = ''): string[] {
  if (jsonEqual(a, b)) return [];
  if (!isObject(a) || !isObject(b)) return [prefix];
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys.flatMap((k) => changedPaths(a[k], b[k], prefix ? `${prefix}.${k}` : k));
}

/** The value at a dotted path of `changedPaths` (the whole value for ''), null when absent. */
function valueAt(doc: unknown, path: string): unknown {
  let at: unknown = doc;
  for (const key of path === '' ? [] : path.split('.')) at = isObject(at) ? at[key] : undefined;
  return at ?? null;
}

/** The changed fields of two JSON objects with their old and new values. */
function valueChanges(a: unknown, b: unknown, fields: string[]): ValueChange[] {
  return fields.map((field) => ({ field, old: valueAt(a, field), new: valueAt(b, field) }));
}

function nodesOf(canvas: unknown): Map<string, Json> {
  const nodes = new Map<string, Json>();
  const list = isObject(canvas) && Array.isArray(canvas.nodes) ? canvas.nodes : [];
  for (const node of list) {
    if (isObject(node) && typeof node.id === 'string' && !nodes.has(node.id)) nodes.set(node.id, node);
  }
  return nodes;
}

const edgeKey = (e: EdgeRef) => JSON.stringify([e.from, e.port, e.to]);

function edgesOf(canvas: unknown): Map<string, EdgeRef> {
  const edges = new Map<string, EdgeRef>();
  const list = isObject(canvas) && Array.isArray(canvas.edges) ? canvas.edges : [];
  for (const edge of list) {
    if (!isObject(edge) || typeof edge.from !== 'string' || typeof edge.to !== 'string') continue;
    const ref = { from: edge.from, port: typeof edge.port === 'string' ? edge.port : 'next', to: edge.to };
    edges.set(edgeKey(ref), ref);
  }
  return edges;
}

const refOf = (node: Json): NodeRef => ({ id: node.id as string, type: typeof node.type === 'string' ? node.type : null });

/** Journey-level fields: everything but the graph. */
function journeyFields(canvas: unknown): Json {
  if (!isObject(canvas)) return {};
  const { nodes: _nodes, edges: _edges, ...rest } = canvas;
  return rest;
}

/** The changes that turn canvas `from` into canvas `to`; `from` null means "nothing published yet". */
export function diffCanvases(from: unknown, to: unknown): CanvasDiff {
  const before = nodesOf(from);
  const after = nodesOf(to);
  const added = [...after.values()].filter((n) => !before.has(n.id as string)).map(refOf);
  const removed = [...before.values()].filter((n) => !after.has(n.id as string)).map(refOf);
  const changed: NodeChange[] = [];
  for (const [id, node] of after) {
    const old = before.get(id);
    if (!old) continue;
    const { id: _a, ...oldContent } = old;
    const { id: _b, ...newContent } = node;
    const fields = changedPaths(oldContent, newContent);
    if (fields.length > 0) changed.push({ ...refOf(node), fields, values: valueChanges(oldContent, newContent, fields) });
  }
  const edgesBefore = edgesOf(from);
  const edgesAfter = edgesOf(to);
  const edges = {
    added: [...edgesAfter].filter(([k]) => !edgesBefore.has(k)).map(([, e]) => e),
    removed: [...edgesBefore].filter(([k]) => !edgesAfter.has(k)).map(([, e]) => e),
  };
  const settingsChanged = changedPaths(journeyFields(from), journeyFields(to));
  const settings = { changed: settingsChanged, values: valueChanges(journeyFields(from), journeyFields(to), settingsChanged) };
  const identical =
    added.length + removed.length + changed.length + edges.added.length + edges.removed.length + settings.changed.length === 0;
  return { identical, nodes: { added, removed, changed }, edges, settings };
}
