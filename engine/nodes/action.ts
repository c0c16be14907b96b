/** A touch (SMS, push, CRM task, webhook) or a profile change, through a registered action (channel). */
import type { DocumentIssue } from '../errors.js';
import { isRecord, joinPath } from '../json.js';
import { isStringMap } from '../action-render.js';
import { parseTemplate } from '../template.js';
import { alreadyReported, issue } from './checks.js';
import { defineNodeKind, nextPort, nodeBase } from './kind.js';

/** A touch or a profile change, run through a registered action (channel). */
export interface ActionNode {
  id: string;
  label?: string;
  type: 'action';
  action: string;
  /** marketing (default) or transactional; carried to the channel for policy decisions. */
  category?: 'marketing' | 'transactional';
  params: Record<string, unknown>;
  /** What the journey does when the action fails permanently: go on (default) or exit. */
  onFailure?: 'continue' | 'exit';
}

export const actionKind = defineNodeKind<ActionNode>({
  type: 'action',
  purpose: 'A touch (SMS, push, CRM task, webhook) or profile change',
  portsText: '`next`',
  branching: false,
  schema: {
    action: {
      type: 'object',
      description: 'A touch or profile change through a registered action. Port: next.',
      required: ['id', 'type', 'action', 'params'],
      additionalProperties: false,
      properties: {
        ...nodeBase,
        type: { const: 'action' },
        action: { type: 'string', minLength: 1, description: 'Registered action name: sms, push, crm_task, webhook, update_traits, ...' },
        category: { enum: ['marketing', 'transactional'] },
        params: { type: 'object', description: "Checked against the action's params schema." },
        onFailure: { enum: ['continue', 'exit'] },
      },
    },
  },
  ports: nextPort,
  // The action must be registered; its params are checked against the action's schema and templates.
  issues: (node, path, { actions, reported, name, paramsIssues }) => {
    if (typeof node.action !== 'string' || node.action === '') return [];
    const spec = Object.hasOwn(actions, node.action) ? actions[node.action] : undefined;
    if (!spec) {
      const known = Object.keys(actions).sort().join(', ');
      return [issue('unknown_action', `${name}there is no action "${node.action}"; known actions: ${known}`, `${path}.action`)];
    }
    const paramsPath = `${path}.params`;
    if (!isRecord(node.params) || alreadyReported(reported, paramsPath)) return [];
    const issues: DocumentIssue[] = paramsIssues(spec.paramsSchema, node.params, paramsPath).map((i) => ({
      ...i,
      message: `${name}${node.action} params: ${i.message}`,
    }));
    if (issues.length === 0 && spec.paramsIssues) {
      issues.push(...spec.paramsIssues(node.params, paramsPath).map((i) => ({ ...i, message: `${name}${i.message}` })));
    }
    for (const param of spec.templateParams) {
      const value = node.params[param];
      const at = joinPath(paramsPath, param);
      // A string is one template; an object of strings (provider template parameters) holds one per key.
      const texts =
        typeof value === 'string' ? [{ label: param, text: value, at }] : isStringMap(value) ? Object.entries(value).map(([k, text]) => ({ label: `${param}.${k}`, text, at: joinPath(at, k) })) : [];
      for (const { label, text, at: path } of texts) {
        const parsed = parseTemplate(text);
        if (!parsed.ok) issues.push(issue('invalid_template', `${name}the ${label} template is invalid: ${parsed.error}`, path));
      }
    }
    return issues;
  },
  compile: (node, next, base) => ({
    ...base,
    kind: 'action',
    action: node.action,
    category: node.category ?? 'marketing',
    params: node.params,
    onFailure: node.onFailure ?? 'continue',
    next: next.next,
  }),
});
