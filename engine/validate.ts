/**
 * Canvas validation: every problem in a document at once, each with a stable code, a message a
 * marketer can act on and a JSONPath. Three layers, each skipping what an earlier one reported:
 * 1. the JSON Schema (engine/canvas.schema.json) for shape, durations, times, zones and weekdays;
 * 2. per-node checks (conditions, keys, weights, actions, params, templates), validate-nodes.ts;
 * 3. graph checks (trigger, edges, ports, branches, reachability, cycles), validate-graph.ts.
 */
import { BUILTIN_ACTIONS, type ActionSpec } from './actions.js';
import { upgradeCanvas } from './canvas-upgrade.js';
import type { DocumentIssue } from './errors.js';
import { canvasSchemaIssues, isRecord } from './schema-issues.js';
import { graphIssues } from './validate-graph.js';
import { journeyIssues, nodeIssues } from './validate-nodes.js';

/** Options shared by validateCanvas and compileCanvas. */
export interface CompileOptions {
  /** Registered actions (channels) by name. Default: BUILTIN_ACTIONS. */
  actions?: Record<string, ActionSpec>;
}

/**
 * Issue codes of conditions and of `where` filters, both checked by the rule language's validator
 * (engine/segments/validate.ts); `invalid_duration` is listed with the other canvas codes.
 */
export const CONDITION_ERROR_CODES = [
  'invalid_rule',
  'unknown_key',
  'empty_group',
  'too_deep',
  'invalid_name',
  'invalid_event_name',
  'invalid_segment_key',
  'unknown_operator',
  'missing_value',
  'invalid_value',
  'invalid_order',
  'invalid_date',
  'invalid_count',
  'conflicting_options',
  'invalid_time_range',
] as const;

/** Every code validateCanvas can emit; docs/canvas.md documents each one (docs.test.ts checks). */
export const CANVAS_ERROR_CODES = [
  'invalid_document',
  'unsupported_schema_version',
  'duplicate_node_id',
  'unknown_node_type',
  'invalid_wait',
  'invalid_duration',
  'spread_too_long',
  'invalid_time_of_day',
  'invalid_weekday',
  'invalid_time_zone',
  'invalid_timestamp',
  'missing_trigger',
  'multiple_triggers',
  'edge_into_trigger',
  'unknown_node',
  'unknown_port',
  'duplicate_edge',
  'missing_branch',
  'dead_end',
  'edge_from_exit',
  'unreachable_node',
  'cycle',
  'duplicate_case_key',
  'invalid_weights',
  'unknown_action',
  'invalid_action_params',
  'invalid_template',
  ...CONDITION_ERROR_CODES,
  'duplicate_exit_criterion_id',
  'conversion_window_without_goal',
] as const;

export type CanvasErrorCode = (typeof CANVAS_ERROR_CODES)[number];

/** Validates a canvas document; an empty list means it compiles. */
export function validateCanvas(authored: unknown, options: CompileOptions = {}): DocumentIssue[] {
  const actions = options.actions ?? BUILTIN_ACTIONS;
  // Format 1 is read as its format-2 upgrade; paths are the same in both.
  const doc = upgradeCanvas(authored);
  if (!isRecord(doc)) {
    return [{ code: 'invalid_document', message: 'A canvas must be a JSON object with schemaVersion, name, nodes and edges', path: '$' }];
  }
  const schemaIssues = canvasSchemaIssues(doc);
  // Another format version would only produce noise under version 1 rules.
  const version = schemaIssues.find((i) => i.code === 'unsupported_schema_version');
  if (version) return [version];

  const reported = schemaIssues.map((i) => i.path);
  const issues = [...schemaIssues, ...journeyIssues(doc, reported), ...quietHoursIssues(doc, actions)];
  if (Array.isArray(doc.nodes)) {
    doc.nodes.forEach((node, i) => {
      if (isRecord(node)) issues.push(...nodeIssues(node, `$.nodes[${i}]`, actions, reported));
    });
  }
  issues.push(...graphIssues(doc));
  return issues;
}

/** Quiet hours may only name actions that exist. */
function quietHoursIssues(doc: Record<string, unknown>, actions: Record<string, ActionSpec>): DocumentIssue[] {
  const quiet = isRecord(doc.settings) && isRecord(doc.settings.quietHours) ? doc.settings.quietHours : {};
  const known = Object.keys(actions).sort().join(', ');
  return Object.keys(quiet)
    .filter((action) => !Object.hasOwn(actions, action))
    .map((action) => ({
      code: 'unknown_action',
      message: `Quiet hours are set for "${action}", which is not an action; known actions: ${known}`,
      path: `$.settings.quietHours.${action}`,
    }));
}
