/**
 * Per-node and journey-level checks that the JSON Schema cannot express. Each node kind
 * (engine/nodes/) checks its own nodes; journey-level checks (goal, exit criteria) are here.
 * Every check tolerates shapes the schema already reported, so no problem is reported twice.
 */
import type { ActionSpec } from './actions.js';
import type { DocumentIssue } from './errors.js';
import { conditionIssues, issue, whereIssues } from './nodes/checks.js';
import { nodeKind, type ReportedPaths } from './nodes/index.js';
import { isRecord, paramsSchemaIssues } from './schema-issues.js';

export type { ReportedPaths } from './nodes/index.js';

/** Checks one node (already known to be an object) at `$.nodes[index]`, by its kind; an unknown type was reported by the schema. */
export function nodeIssues(
  node: Record<string, unknown>,
  path: string,
  actions: Record<string, ActionSpec>,
  reported: ReportedPaths,
): DocumentIssue[] {
  const name = typeof node.id === 'string' ? `Node "${node.id}": ` : '';
  return nodeKind(node.type)?.issues?.(node, path, { actions, reported, name, paramsIssues: paramsSchemaIssues }) ?? [];
}

/** Journey-level checks: goal filters, exit criteria ids, conditions and filters. */
export function journeyIssues(doc: Record<string, unknown>, reported: ReportedPaths): DocumentIssue[] {
  const issues: DocumentIssue[] = [];
  if (isRecord(doc.goal)) issues.push(...whereIssues(doc.goal.where, '$.goal.where', reported));
  if (isRecord(doc.settings) && doc.settings.conversionWindow !== undefined && !isRecord(doc.goal)) {
    const message = 'settings.conversionWindow counts goal events after a run ended, but the journey has no goal; add a goal or remove the window';
    issues.push(issue('conversion_window_without_goal', message, '$.settings.conversionWindow'));
  }
  if (!Array.isArray(doc.exitCriteria)) return issues;
  const ids = new Set<string>();
  doc.exitCriteria.forEach((criterion, k) => {
    if (!isRecord(criterion)) return;
    const at = `$.exitCriteria[${k}]`;
    if (typeof criterion.id === 'string') {
      if (ids.has(criterion.id)) {
        issues.push(issue('duplicate_exit_criterion_id', `Exit criterion id "${criterion.id}" is used twice; ids must be unique`, `${at}.id`));
      }
      ids.add(criterion.id);
    }
    if ('condition' in criterion) issues.push(...conditionIssues(criterion.condition, `${at}.condition`));
    issues.push(...whereIssues(criterion.where, `${at}.where`, reported));
  });
  return issues;
}
