/**
 * Per-node and journey-level checks that the JSON Schema cannot express: conditions in depth, case
 * and arm keys, weights, action names, action params and their templates, exit criterion ids.
 * Every check tolerates shapes the schema already reported, so no problem is reported twice.
 */
import type { ActionSpec } from './actions.js';
import { parseDuration } from './duration.js';
import type { DocumentIssue } from './errors.js';
import { validateCondition, validatePropertyFilters } from './evaluate.js';
import { isRecord, joinPath, paramsSchemaIssues } from './schema-issues.js';
import { parseTemplate } from './template.js';

/** The issue paths the schema check already produced; checks below skip anything under them. */
export type ReportedPaths = readonly string[];

const issue = (code: string, message: string, path: string): DocumentIssue => ({ code, message, path });

function alreadyReported(reported: ReportedPaths, path: string): boolean {
  return reported.some((p) => p === path || p.startsWith(`${path}.`) || p.startsWith(`${path}[`));
}

/** Conditions get the in-depth check; non-objects were already reported by the schema. */
function conditionIssues(cond: unknown, path: string): DocumentIssue[] {
  return isRecord(cond) ? validateCondition(cond, path) : [];
}

/** `where` filters get operator/value checks unless the schema already complained about them. */
function whereIssues(where: unknown, path: string, reported: ReportedPaths): DocumentIssue[] {
  return where === undefined || alreadyReported(reported, path) ? [] : validatePropertyFilters(where, path);
}

/** Checks one node (already known to be an object) at `$.nodes[index]`. */
export function nodeIssues(
  node: Record<string, unknown>,
  path: string,
  actions: Record<string, ActionSpec>,
  reported: ReportedPaths,
): DocumentIssue[] {
  const name = typeof node.id === 'string' ? `Node "${node.id}": ` : '';
  const issues: DocumentIssue[] = [];
  switch (node.type) {
    case 'trigger':
      if (isRecord(node.trigger)) issues.push(...whereIssues(node.trigger.where, `${path}.trigger.where`, reported));
      break;
    case 'wait':
      issues.push(...spreadIssues(node.spread, `${path}.spread`, name, reported));
      break;
    case 'wait_for_event':
      issues.push(...whereIssues(node.where, `${path}.where`, reported));
      break;
    case 'condition':
      issues.push(...conditionIssues(node.condition, `${path}.condition`));
      break;
    case 'multi_split':
      issues.push(...multiSplitIssues(node.cases, `${path}.cases`, name));
      break;
    case 'random_split':
      issues.push(...randomSplitIssues(node.arms, `${path}.arms`, name));
      break;
    case 'action':
      issues.push(...actionIssues(node, path, name, actions, reported));
      break;
  }
  return issues;
}

/** The longest `spread` a wait may have: wake-ups are smoothed over minutes or hours, not moved by days. */
const MAX_WAIT_SPREAD_MS = 24 * 3_600_000;

/** A wait's `spread`, once the schema found it a valid duration: at most {@link MAX_WAIT_SPREAD_MS}. */
function spreadIssues(spread: unknown, path: string, name: string, reported: ReportedPaths): DocumentIssue[] {
  if (typeof spread !== 'string' || alreadyReported(reported, path)) return [];
  if (parseDuration(spread) <= MAX_WAIT_SPREAD_MS) return [];
  return [issue('spread_too_long', `${name}spread "${spread}" is longer than a day (P1D); wake-ups are spread over at most a day`, path)];
}

function multiSplitIssues(cases: unknown, path: string, name: string): DocumentIssue[] {
  if (!Array.isArray(cases)) return [];
  const issues: DocumentIssue[] = [];
  const keys = new Set<string>();
  cases.forEach((c, j) => {
    if (!isRecord(c)) return;
    const at = `${path}[${j}]`;
    if (typeof c.key === 'string') {
      if (c.key === 'else') {
        issues.push(issue('duplicate_case_key', `${name}"else" is the port for customers matching no case; give this case another key`, `${at}.key`));
      } else if (keys.has(c.key)) {
        issues.push(issue('duplicate_case_key', `${name}case key "${c.key}" is used twice; each case needs its own key (it names the exit port)`, `${at}.key`));
      }
      keys.add(c.key);
    }
    issues.push(...conditionIssues(c.condition, `${at}.condition`));
  });
  return issues;
}

function randomSplitIssues(arms: unknown, path: string, name: string): DocumentIssue[] {
  if (!Array.isArray(arms)) return [];
  const issues: DocumentIssue[] = [];
  const keys = new Set<string>();
  let total = 0;
  let allNumbers = true;
  arms.forEach((arm, j) => {
    if (!isRecord(arm)) return;
    const at = `${path}[${j}]`;
    if (typeof arm.key === 'string') {
      if (keys.has(arm.key)) {
        issues.push(issue('duplicate_case_key', `${name}arm key "${arm.key}" is used twice; each arm needs its own key (it names the exit port)`, `${at}.key`));
      }
      keys.add(arm.key);
    }
    if (typeof arm.weight !== 'number') {
      allNumbers = false;
    } else if (arm.weight < 0 || !Number.isFinite(arm.weight)) {
      issues.push(issue('invalid_weights', `${name}arm "${String(arm.key)}" has weight ${arm.weight}; weights must be 0 or more`, `${at}.weight`));
      allNumbers = false;
    } else {
      total += arm.weight;
    }
  });
  if (allNumbers && arms.length > 0 && total === 0) {
    issues.push(issue('invalid_weights', `${name}all arm weights are 0; give at least one arm a positive weight`, path));
  }
  return issues;
}

function actionIssues(
  node: Record<string, unknown>,
  path: string,
  name: string,
  actions: Record<string, ActionSpec>,
  reported: ReportedPaths,
): DocumentIssue[] {
  if (typeof node.action !== 'string' || node.action === '') return [];
  const spec = Object.hasOwn(actions, node.action) ? actions[node.action] : undefined;
  if (!spec) {
    const known = Object.keys(actions).sort().join(', ');
    return [issue('unknown_action', `${name}there is no action "${node.action}"; known actions: ${known}`, `${path}.action`)];
  }
  const paramsPath = `${path}.params`;
  if (!isRecord(node.params) || alreadyReported(reported, paramsPath)) return [];
  const issues = paramsSchemaIssues(spec.paramsSchema, node.params, paramsPath).map((i) => ({
    ...i,
    message: `${name}${node.action} params: ${i.message}`,
  }));
  for (const param of spec.templateParams) {
    const text = node.params[param];
    if (typeof text !== 'string') continue;
    const parsed = parseTemplate(text);
    if (!parsed.ok) {
      issues.push(issue('invalid_template', `${name}the ${param} template is invalid: ${parsed.error}`, joinPath(paramsPath, param)));
    }
  }
  return issues;
}

/** Journey-level checks: goal filters, exit criteria ids, conditions and filters. */
export function journeyIssues(doc: Record<string, unknown>, reported: ReportedPaths): DocumentIssue[] {
  const issues: DocumentIssue[] = [];
  if (isRecord(doc.goal)) issues.push(...whereIssues(doc.goal.where, '$.goal.where', reported));
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
