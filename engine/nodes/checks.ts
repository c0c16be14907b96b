/** Small checks several node kinds share: JSONPath bookkeeping, conditions, `where` filters, keyed ports. */
import type { DocumentIssue } from '../errors.js';
import { validateWhere } from '../segments/validate.js';
import { validateJourneyCondition } from '../segments/validate.js';
import { isRecord } from '../json.js';
import type { Port, ReportedPaths } from './kind.js';

export const issue = (code: string, message: string, path: string): DocumentIssue => ({ code, message, path });

export function alreadyReported(reported: ReportedPaths, path: string): boolean {
  return reported.some((p) => p === path || p.startsWith(`${path}.`) || p.startsWith(`${path}[`));
}

/** Conditions (the rule language plus `entry`) get the in-depth check; non-objects were already reported by the schema. */
export function conditionIssues(cond: unknown, path: string): DocumentIssue[] {
  return isRecord(cond) ? validateJourneyCondition(cond, path) : [];
}

/** `where` filters get the rule language's checks (engine/segments) unless the schema already complained about them. */
export function whereIssues(where: unknown, path: string, reported: ReportedPaths): DocumentIssue[] {
  return where === undefined || alreadyReported(reported, path) ? [] : validateWhere(where, path);
}

/** Ports named by the `key` of each item of a list property (cases, arms). */
export function keyedPorts(list: unknown, path: string, prop: string): Port[] {
  return Array.isArray(list)
    ? list.flatMap((item, j) => (isRecord(item) && typeof item.key === 'string' ? [{ name: item.key, path: `${path}.${prop}[${j}]` }] : []))
    : [];
}

/**
 * Case keys name exit ports: each must be unique, and (for cases) `else` is reserved for "no case
 * matched". Returns a checker to call on each item in order, with the item's JSONPath.
 */
export function portKeyChecker(name: string, what: 'case' | 'arm'): (item: Record<string, unknown>, at: string) => DocumentIssue[] {
  const keys = new Set<string>();
  return (item, at) => {
    if (typeof item.key !== 'string') return [];
    const found: DocumentIssue[] = [];
    if (what === 'case' && item.key === 'else') {
      found.push(issue('duplicate_case_key', `${name}"else" is the port for customers matching no case; give this case another key`, `${at}.key`));
    } else if (keys.has(item.key)) {
      found.push(issue('duplicate_case_key', `${name}${what} key "${item.key}" is used twice; each ${what} needs its own key (it names the exit port)`, `${at}.key`));
    }
    keys.add(item.key);
    return found;
  };
}
