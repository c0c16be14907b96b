/**
 * The node-kind registry: every canvas node type the engine accepts, in document order. Schema,
 * validation, compilation and the docs table read this list; adding a kind is one file and one line.
 */
import { actionKind } from './action.js';
import { conditionKind } from './condition.js';
import { exitKind } from './exit.js';
import type { NodeKind, NodeOf } from './kind.js';
import { multiSplitKind } from './multi-split.js';
import { randomSplitKind } from './random-split.js';
import { traitSplitKind } from './trait-split.js';
import { triggerKind } from './trigger.js';
import { waitForEventKind } from './wait-for-event.js';
import { waitKind } from './wait.js';

export const NODE_KINDS = [
  triggerKind,
  waitKind,
  waitForEventKind,
  conditionKind,
  multiSplitKind,
  randomSplitKind,
  traitSplitKind,
  actionKind,
  exitKind,
] as const;

/** Any canvas node, as its kind declares it. */
export type CanvasNode = NodeOf<(typeof NODE_KINDS)[number]>;

/** Canvas node type names. */
export type NodeType = CanvasNode['type'];

const byType = new Map<string, NodeKind<CanvasNode>>(NODE_KINDS.map((k) => [k.type, k as unknown as NodeKind<CanvasNode>]));

/** The kind of a node type, or undefined for a type no kind declares. */
export function nodeKind(type: unknown): NodeKind<CanvasNode> | undefined {
  return typeof type === 'string' ? byType.get(type) : undefined;
}

/** The kind of a node already validated (its type is known). */
export function kindOf(node: CanvasNode): NodeKind<CanvasNode> {
  const kind = byType.get(node.type);
  if (!kind) throw new Error(`no node kind "${node.type}" is registered`);
  return kind;
}

/** The node table of docs/canvas.md, generated from the registry. */
export function nodeTableMarkdown(): string {
  const rows = NODE_KINDS.map((k) => `| \`${k.type}\` | ${k.purpose} | ${k.portsText} |`);
  return ['| Type | Purpose | Exit ports |', '|---|---|---|', ...rows].join('\n');
}

export type { NodeKind, Port, ReportedPaths } from './kind.js';
