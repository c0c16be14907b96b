/**
 * Pins the API's validation issues (each with a JSONPath such as `$.nodes[3].duration`) on what they
 * are about: the node at that index (and the field below it), the node an edge starts from, or the
 * journey itself.
 */
export interface Issue {
  code: string;
  message: string;
  path: string;
}

export interface PinnedIssue extends Issue {
  /** The node the issue is on; undefined for journey-level issues. */
  nodeId?: string;
  /** The field inside the node (`duration`, `params.body`), when the path goes below the node. */
  field?: string;
}

const NODE_PATH = /^\$\.nodes\[(\d+)\](?:\.(.+))?$/;
const EDGE_PATH = /^\$\.edges\[(\d+)\](?:\.(.+))?$/;

export function pinIssues(canvas: { nodes?: unknown; edges?: unknown }, issues: readonly Issue[]): PinnedIssue[] {
  const nodes = Array.isArray(canvas.nodes) ? canvas.nodes : [];
  const edges = Array.isArray(canvas.edges) ? canvas.edges : [];
  const idAt = (list: unknown[], index: number, key: string): string | undefined => {
    const item = list[index] as Record<string, unknown> | undefined;
    return item && typeof item[key] === 'string' ? (item[key] as string) : undefined;
  };
  const knownIds = new Set(nodes.map((_, i) => idAt(nodes, i, 'id')).filter(Boolean));
  return issues.map((issue) => {
    const node = NODE_PATH.exec(issue.path);
    if (node) {
      const nodeId = idAt(nodes, Number(node[1]), 'id');
      return { ...issue, ...(nodeId ? { nodeId } : {}), ...(node[2] ? { field: node[2] } : {}) };
    }
    const edge = EDGE_PATH.exec(issue.path);
    if (edge) {
      // An edge problem shows on the end that exists: its source, else its target.
      const from = idAt(edges, Number(edge[1]), 'from');
      const to = idAt(edges, Number(edge[1]), 'to');
      const nodeId = from && knownIds.has(from) ? from : to && knownIds.has(to) ? to : undefined;
      return { ...issue, ...(nodeId ? { nodeId } : {}), field: `edge ${from ?? '?'} → ${to ?? '?'}` };
    }
    return { ...issue };
  });
}
