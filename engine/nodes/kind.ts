/**
 * A node kind: everything the engine knows about one canvas node type, in one module. The registry
 * (engine/nodes/index.ts) lists them; the canvas JSON Schema, node validation, graph validation,
 * compilation and the node table in docs/canvas.md all read it. Kinds import nothing that imports
 * the canvas schema (it is built from them). Adding a node type is one file
 * here and one line in the registry.
 */
import type { ActionSpec } from '../actions.js';
import type { DocumentIssue } from '../errors.js';
import type { PlanStep } from '../plan.js';

/** The issue paths the schema check already produced; checks skip anything under them. */
export type ReportedPaths = readonly string[];

/** An exit port of a node, with the JSONPath to point at when it is not connected. */
export interface Port {
  name: string;
  path: string;
}

/** What a node's own checks may consult. */
export interface NodeCheckContext {
  actions: Record<string, ActionSpec>;
  reported: ReportedPaths;
  /** `Node "id": ` for messages, or '' when the node has no usable id. */
  name: string;
  /** Checks a value against a JSON Schema with the engine's formats; paths start at `basePath`. */
  paramsIssues(schema: object, value: unknown, basePath: string): DocumentIssue[];
}

/** The id and label every compiled step carries. */
export interface StepBase {
  id: string;
  label?: string;
}

export interface NodeKind<N extends { type: string } = { type: string }> {
  type: N['type'];
  /** One line for the docs table: what the node is for. */
  purpose: string;
  /** The docs table's "Exit ports" cell. */
  portsText: string;
  /** The node's JSON Schema definition(s): the entry named after `type` is the node itself; others are helpers it references. */
  schema: Record<string, object>;
  /** Branching nodes need every port connected; the others need `next` (unless they have no ports). */
  branching: boolean;
  /** Exit ports of a node of this kind (the node may be partly invalid: tolerate any shape). */
  ports(node: Record<string, unknown>, path: string): Port[];
  /** Checks the JSON Schema cannot express; the node is an object, but otherwise of any shape. */
  issues?(node: Record<string, unknown>, path: string, context: NodeCheckContext): DocumentIssue[];
  /** Legal but probably unintended constructs in a valid node. */
  warnings?(node: N, path: string): DocumentIssue[];
  /** The executable step of a valid node; absent for the trigger, which is not a step. */
  compile?(node: N, next: Record<string, string>, base: StepBase): PlanStep;
  /** Events a run must be told about while it is at this node. */
  watchedEvents?(node: N): string[];
}

/** Declares a node kind with its document type. */
export const defineNodeKind = <N extends { type: string }>(kind: NodeKind<N>): NodeKind<N> => kind;

/** The node document type of a kind. */
export type NodeOf<K> = K extends NodeKind<infer N> ? N : never;

export const ref = (name: string) => ({ $ref: `#/$defs/${name}` });

/** Properties every node has. */
export const nodeBase = {
  id: ref('id'),
  label: { type: 'string', description: 'Free text shown in monitoring and customer history.' },
};

/** The single `next` port of a linear node. */
export const nextPort = (_node: Record<string, unknown>, path: string): Port[] => [{ name: 'next', path }];
