/**
 * JSON paths over the text of a JSON document (its lezer syntax tree, so a half-typed document still
 * has one): where `$.nodes[3].duration` is in the text (to underline a validation error there), and
 * which path the cursor is at with the keys already present (to complete property names from the
 * canvas JSON Schema). Pure: no editor state, only a tree and its text.
 */
import type { SyntaxNode, Tree } from '@lezer/common';
import type { Schema } from '../forms/SchemaForm';
import { resolve } from '../forms/SchemaForm';

/** A JSON path as keys and indexes: `$.nodes[3].duration` is ['nodes', 3, 'duration']. */
export type PathSegment = string | number;

/** Parses the `$.a[0].b` paths the API reports (also `$['odd key']`). */
export function parsePath(path: string): PathSegment[] {
  const out: PathSegment[] = [];
  const re = /\.([A-Za-z_$][\w$-]*)|\[(\d+)\]|\['((?:[^'\\]|\\.)*)'\]/g;
  for (let m = re.exec(path); m; m = re.exec(path)) out.push(m[1] ?? (m[2] !== undefined ? Number(m[2]) : m[3]!.replace(/\\(.)/g, '$1')));
  return out;
}

const VALUE_TYPES = new Set(['Object', 'Array', 'String', 'Number', 'True', 'False', 'Null']);
const isValue = (n: SyntaxNode) => VALUE_TYPES.has(n.name);
const children = (n: SyntaxNode): SyntaxNode[] => {
  const out: SyntaxNode[] = [];
  for (let c = n.firstChild; c; c = c.nextSibling) out.push(c);
  return out;
};
const keyOf = (property: SyntaxNode, text: string): string | null => {
  const name = property.getChild('PropertyName');
  if (!name) return null;
  try {
    return JSON.parse(text.slice(name.from, name.to)) as string;
  } catch {
    return null;
  }
};
const valueOf = (property: SyntaxNode) => children(property).filter(isValue).at(-1);

/** The top-level value of the document. */
function topValue(tree: Tree): SyntaxNode | undefined {
  return children(tree.topNode).find(isValue);
}

/**
 * The text range a path points at: the property (key and value) when the path ends at one, the
 * element of an array, or, when the path goes further than the text (a missing required property),
 * the opening of the deepest value that exists.
 */
export function rangeOfPath(tree: Tree, text: string, path: PathSegment[]): { from: number; to: number } {
  let node = topValue(tree);
  if (!node) return { from: 0, to: Math.min(text.length, 1) };
  let range = { from: node.from, to: node.to };
  for (const segment of path) {
    let next: SyntaxNode | undefined;
    let nextRange: { from: number; to: number } | undefined;
    if (node.name === 'Object' && typeof segment === 'string') {
      const property: SyntaxNode | undefined = children(node).find((c) => c.name === 'Property' && keyOf(c, text) === segment);
      next = property && valueOf(property);
      if (property) nextRange = { from: property.from, to: property.to };
    } else if (node.name === 'Array' && typeof segment === 'number') {
      next = children(node).filter(isValue)[segment];
      if (next) nextRange = { from: next.from, to: next.to };
    }
    if (!next || !nextRange) return { from: node.from, to: node.from + 1 };
    node = next;
    range = nextRange;
  }
  return range;
}

/** Where the cursor is: the path of the object it is in, the keys that object already has, and its `type`. */
export interface CursorContext {
  /** Path of the enclosing object. */
  path: PathSegment[];
  keys: string[];
  /** The object's "type" property, when it has a string one (node kinds). */
  type: string | null;
  /** Completing a property name (true) or the value of `property` (false). */
  inKey: boolean;
  /** The property whose value is being typed. */
  property: string | null;
}

/** The context of the cursor at `pos`, or null outside any object. */
export function cursorContext(tree: Tree, text: string, pos: number): CursorContext | null {
  let node: SyntaxNode | null = tree.resolveInner(pos, -1);
  let inKey = true;
  let property: string | null = null;
  if (node.name === 'PropertyName') node = node.parent;
  else if (node.name === 'String' && node.parent?.name === 'Property') {
    inKey = false;
    property = keyOf(node.parent, text);
    node = node.parent;
  } else if (node.name === '⚠' && node.parent?.name === 'Property') {
    node = node.parent;
  }
  if (node?.name === 'Property') node = node.parent;
  while (node && node.name !== 'Object') node = node.parent;
  if (!node) return null;
  const keys: string[] = [];
  let type: string | null = null;
  for (const c of children(node)) {
    if (c.name !== 'Property') continue;
    const k = keyOf(c, text);
    if (k === null) continue;
    keys.push(k);
    const v = valueOf(c);
    if (k === 'type' && v?.name === 'String') type = JSON.parse(text.slice(v.from, v.to)) as string;
  }
  return { path: pathOf(node, text), keys, type, inKey, property };
}

/** The path of a value node from the top of the document. */
function pathOf(node: SyntaxNode, text: string): PathSegment[] {
  const out: PathSegment[] = [];
  let n: SyntaxNode = node;
  while (n.parent) {
    const parent: SyntaxNode = n.parent;
    if (parent.name === 'Property') {
      const k = keyOf(parent, text);
      if (k !== null) out.unshift(k);
      n = parent.parent ?? parent;
      if (n === parent) break;
      continue;
    }
    // Syntax nodes are not kept as objects: the same node is found again by its position.
    if (parent.name === 'Array') out.unshift(children(parent).filter(isValue).findIndex((c) => c.from === n.from && c.to === n.to));
    n = parent;
  }
  return out;
}

/** The schema of the object at `path` in a canvas (node kinds by their `type`), or null when the schema says nothing. */
export function schemaAt(root: Schema, defs: Record<string, Schema>, path: PathSegment[], type: string | null): Schema | null {
  let s: Schema | undefined = resolve(root, defs);
  for (const segment of path) {
    if (!s) return null;
    s = typeof segment === 'number' ? s.items : s.properties?.[segment];
    s = s && resolve(s, defs);
  }
  if (!s) return null;
  // A node: its kind's own schema (chosen by `type`) carries its properties.
  if (type && defs[type] && (s.properties?.type as Schema | undefined)?.enum?.includes(type)) return resolve(defs[type], defs);
  return s;
}

/** A completion: a property name or a value, with the schema's description. */
export interface SchemaOption {
  label: string;
  detail?: string;
  info?: string;
  /** What is inserted (quoted JSON). */
  apply: string;
}

/** Property names the object may still take, or the values the property may have. */
export function schemaOptions(root: Schema, defs: Record<string, Schema>, ctx: CursorContext): SchemaOption[] {
  const schema = schemaAt(root, defs, ctx.path, ctx.type);
  if (!schema) return [];
  if (ctx.inKey) {
    return Object.entries(schema.properties ?? {})
      .filter(([k]) => !ctx.keys.includes(k))
      .map(([k, raw]) => {
        const p = resolve(raw, defs);
        return { label: k, detail: schema.required?.includes(k) ? 'required' : undefined, info: p.description, apply: JSON.stringify(k) };
      });
  }
  const prop = ctx.property && schema.properties?.[ctx.property] ? resolve(schema.properties[ctx.property], defs) : null;
  const values = prop?.enum ?? (prop?.const !== undefined ? [prop.const] : []);
  return values.filter((v): v is string => typeof v === 'string').map((v) => ({ label: v, info: prop?.description, apply: JSON.stringify(v) }));
}
