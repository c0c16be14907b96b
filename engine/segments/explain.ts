/**
 * "Is customer X in the segment, and why not?" in one query: every trait, event and segment-reference
 * node of the rule becomes one boolean column; and/or/not are then decided here from those columns,
 * with exactly the semantics of the compiled predicate (leaves are never NULL).
 */
import { joinPath } from '../json.js';
import { RuleCompiler, type CompileSegmentOptions } from './compile.js';
import type { SegmentRule } from './types.js';
import { assertSegmentRule } from './validate.js';

/** The kind of a rule node: its identifying key. */
export type SegmentNodeKind = 'and' | 'or' | 'not' | 'trait' | 'event' | 'segment';

/** One node of the rule tree as the explain query sees it. */
export interface ExplainNode {
  /** JSONPath of the node in the rule, e.g. `$.and[1]`. */
  path: string;
  kind: SegmentNodeKind;
  rule: SegmentRule;
  /** Result column of a leaf (trait, event, segment reference); absent for and/or/not. */
  column?: string;
  /** Column of what the customer holds against a leaf (jsonb: trait value, event count or time). */
  foundColumn?: string;
  /** Indexes (into `nodes`) of the children of and/or/not. */
  children: number[];
}

/** The select list of an explain query and what its columns mean. */
export interface SegmentExplainQuery {
  /** Boolean columns `n0, n1, ...` over `customers c`: `SELECT <selectList> FROM customers c WHERE c.id = $1`. */
  selectList: string;
  params: unknown[];
  /** Every node in document order; `nodes[0]` is the root. */
  nodes: ExplainNode[];
}

/** One node's outcome for the customer. */
export interface NodeOutcome {
  path: string;
  kind: SegmentNodeKind;
  rule: SegmentRule;
  result: boolean;
  /** What the customer holds against a leaf: the trait's value, the number of matching events (in the window), the first/last time; null when none or for and/or/not. */
  found: unknown;
}

/** A node that decided against the wanted outcome: `expected` is what membership needed from it. */
export interface FailedNode extends NodeOutcome {
  expected: boolean;
}

/** Membership of one customer with the outcome of every node and the leaves that kept them out. */
export interface SegmentExplanation {
  member: boolean;
  nodes: NodeOutcome[];
  /** Empty when `member`; otherwise the trait/event/segment nodes whose outcome made the difference. */
  failed: FailedNode[];
}

/** Compiles the explain query of a rule (same options and errors as compileSegment). */
export function compileSegmentExplain(rule: SegmentRule, options: CompileSegmentOptions = {}): SegmentExplainQuery {
  const compiler = new RuleCompiler(options);
  const nodes: ExplainNode[] = [];
  const columns: string[] = [];
  const visit = (node: SegmentRule, path: string): number => {
    const index = nodes.length;
    const entry: ExplainNode = { path, kind: kindOf(node), rule: node, children: [] };
    nodes.push(entry);
    if ('and' in node || 'or' in node) {
      const key = 'and' in node ? 'and' : 'or';
      const children = 'and' in node ? node.and : (node as { or: SegmentRule[] }).or;
      entry.children = children.map((child, i) => visit(child, joinPath(joinPath(path, key), i)));
    } else if ('not' in node) {
      entry.children = [visit(node.not, joinPath(path, 'not'))];
    } else {
      entry.column = `n${columns.length}`;
      entry.foundColumn = `f${entry.column.slice(1)}`;
      columns.push(`${compiler.leaf(node)} AS ${entry.column}`, `${compiler.found(node)} AS ${entry.foundColumn}`);
    }
    return index;
  };
  visit(assertSegmentRule(rule), '$');
  return { selectList: columns.join(',\n  '), params: compiler.ctx.params.values, nodes };
}

/** Decides every node from one row of the explain query and lists why the customer is not a member. */
export function explainRow(query: SegmentExplainQuery, row: Record<string, unknown>): SegmentExplanation {
  const results: boolean[] = new Array(query.nodes.length);
  const decide = (index: number): boolean => {
    const node = query.nodes[index];
    const children = node.children.map(decide);
    let result: boolean;
    if (node.column !== undefined) result = row[node.column] === true;
    else if (node.kind === 'and') result = children.every(Boolean);
    else if (node.kind === 'or') result = children.some(Boolean);
    else result = !children[0];
    results[index] = result;
    return result;
  };
  const member = decide(0);
  const outcome = (index: number): NodeOutcome => {
    const { path, kind, rule, foundColumn } = query.nodes[index];
    return { path, kind, rule, result: results[index], found: foundColumn === undefined ? null : (row[foundColumn] ?? null) };
  };
  const failed: FailedNode[] = [];
  // Descend from the root into the children that disagree with what their parent needed from them.
  const blame = (index: number, expected: boolean): void => {
    const node = query.nodes[index];
    if (results[index] === expected) return;
    if (node.column !== undefined) failed.push({ ...outcome(index), expected });
    else if (node.kind === 'not') blame(node.children[0], !expected);
    else node.children.forEach((child) => blame(child, expected));
  };
  blame(0, true);
  return { member, nodes: query.nodes.map((_, i) => outcome(i)), failed };
}

function kindOf(rule: SegmentRule): SegmentNodeKind {
  if ('and' in rule) return 'and';
  if ('or' in rule) return 'or';
  if ('not' in rule) return 'not';
  if ('trait' in rule) return 'trait';
  return 'event' in rule ? 'event' : 'segment';
}
