/**
 * Canvas format 1 -> 2. Format 2 writes conditions in the segment rule language (plus `entry`
 * fields), so marketing ops learn one language; everything else is unchanged. The engine reads both:
 * a format-1 document is upgraded on the way in (API bodies, stored drafts and versions by the
 * migration), and answers always carry format 2. Pure: no I/O.
 *
 * What changes, per condition (docs/canvas.md, "Conditions in format 1"):
 *   { all: [...] } -> { and: [...] }        { any: [...] } -> { or: [...] }
 *   { segment: k, member: false } -> { not: { segment: k } }   { segment: k, member: true } -> { segment: k }
 *   trait, entry and event conditions keep their keys (format 1's operators are all in the rule language).
 * A format-1 ordered comparison of text that is not a date (`gt "C2"`) has no order in format 2; it
 * is carried over unchanged, and validation then asks for an `order` list at that path.
 */
import { isRecord } from './json.js';

/** The format version this engine writes. */
export const CURRENT_CANVAS_VERSION = 2;

/** Upgrades a format-1 canvas to format 2; anything else (format 2, invalid shapes) comes back unchanged. */
export function upgradeCanvas<T>(doc: T): T {
  if (!isRecord(doc) || doc.schemaVersion !== 1) return doc;
  const upgraded: Record<string, unknown> = { ...doc, schemaVersion: CURRENT_CANVAS_VERSION };
  if (Array.isArray(doc.nodes)) upgraded.nodes = doc.nodes.map(upgradeNode);
  if (Array.isArray(doc.exitCriteria)) {
    upgraded.exitCriteria = doc.exitCriteria.map((c) => (isRecord(c) && 'condition' in c ? { ...c, condition: upgradeCondition(c.condition) } : c));
  }
  return upgraded as T;
}

function upgradeNode(node: unknown): unknown {
  if (!isRecord(node)) return node;
  if (node.type === 'condition' && 'condition' in node) return { ...node, condition: upgradeCondition(node.condition) };
  if (node.type === 'multi_split' && Array.isArray(node.cases)) {
    return { ...node, cases: node.cases.map((c) => (isRecord(c) && 'condition' in c ? { ...c, condition: upgradeCondition(c.condition) } : c)) };
  }
  return node;
}

/** One format-1 condition in the rule language; shapes it does not recognise are kept for validation to report. */
export function upgradeCondition(cond: unknown): unknown {
  if (!isRecord(cond)) return cond;
  const keys = Object.keys(cond);
  const only = (key: string) => keys.length === 1 && keys[0] === key;
  if (only('all') && Array.isArray(cond.all)) return { and: cond.all.map(upgradeCondition) };
  if (only('any') && Array.isArray(cond.any)) return { or: cond.any.map(upgradeCondition) };
  if (only('not')) return { not: upgradeCondition(cond.not) };
  if ('segment' in cond && keys.every((k) => k === 'segment' || k === 'member')) {
    const reference = { segment: cond.segment };
    return cond.member === false ? { not: reference } : reference;
  }
  return cond;
}
