import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { BUILTIN_ACTIONS } from './actions.js';
import { compileCanvas } from './compile.js';
import type { DocumentIssue } from './errors.js';
import { CANVAS_ERROR_CODES, validateCanvas } from './validate.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- tests mutate raw JSON */
type Doc = any;

const onboarding: Doc = JSON.parse(readFileSync(new URL('../examples/onboarding.json', import.meta.url), 'utf8'));

/** A fresh copy of examples/onboarding.json changed by `mutate`. Node and edge indexes are listed below. */
function canvasWith(mutate: (doc: Doc) => void): Doc {
  const doc = structuredClone(onboarding);
  mutate(doc);
  return doc;
}
// nodes: 0 registered (trigger), 1 wait_opening_page, 2 sms_open_nudge, 3 wait_day3, 4 day3_split,
// 5 crm_call_dropout, 6 sms_open_again, 7 push_reward, 8 push_wealth_offer, 9 wait_day7,
// 10 day7_check, 11 sms_day7_deposit, 12 tag_unconverted, 13 done (exit)
// edges: 0 trigger->wait_opening_page, 1 timed_out, 2 matched, 4 wait_day3->day3_split, 5-8 split ports
// (dropped_mid_opening, no_account, inactive, else), 13 wait_day7->day7_check, 14 yes, 15 no,
// 16 sms_day7_deposit->done, 17 tag_unconverted->done

const setNode = (i: number, node: object) => (d: Doc) => {
  d.nodes[i] = node;
};

interface Case {
  name: string;
  code: string;
  path: string;
  doc: Doc;
}

const cases: Case[] = [
  { name: 'not an object', code: 'invalid_document', path: '$', doc: [1, 2] },
  { name: 'missing name', code: 'invalid_document', path: '$.name', doc: canvasWith((d) => delete d.name) },
  {
    name: 'unknown property on a node',
    code: 'invalid_document',
    path: '$.nodes[3].durations',
    doc: canvasWith((d) => (d.nodes[3].durations = 'P3D')),
  },
  { name: 'wrong type', code: 'invalid_document', path: '$.nodes[1].timeout', doc: canvasWith((d) => (d.nodes[1].timeout = 7200)) },
  { name: 'schema version 3', code: 'unsupported_schema_version', path: '$.schemaVersion', doc: canvasWith((d) => (d.schemaVersion = 3)) },
  { name: 'duplicate node id', code: 'duplicate_node_id', path: '$.nodes[6].id', doc: canvasWith((d) => (d.nodes[6].id = 'sms_open_nudge')) },
  { name: 'unknown node type', code: 'unknown_node_type', path: '$.nodes[13].type', doc: canvasWith((d) => (d.nodes[13].type = 'finish')) },
  {
    name: 'wait with two kinds',
    code: 'invalid_wait',
    path: '$.nodes[3]',
    doc: canvasWith(setNode(3, { id: 'wait_day3', type: 'wait', duration: 'P3D', timeOfDay: '09:00' })),
  },
  { name: 'wait with no kind', code: 'invalid_wait', path: '$.nodes[3]', doc: canvasWith(setNode(3, { id: 'wait_day3', type: 'wait' })) },
  { name: 'wait duration in months', code: 'invalid_duration', path: '$.nodes[3].duration', doc: canvasWith((d) => (d.nodes[3].duration = 'P1M')) },
  { name: 'wait spread not a duration', code: 'invalid_duration', path: '$.nodes[3].spread', doc: canvasWith((d) => (d.nodes[3].spread = '30 minutes')) },
  { name: 'wait spread zero', code: 'invalid_duration', path: '$.nodes[3].spread', doc: canvasWith((d) => (d.nodes[3].spread = 'PT0S')) },
  { name: 'wait spread over a day', code: 'spread_too_long', path: '$.nodes[3].spread', doc: canvasWith((d) => (d.nodes[3].spread = 'P1DT1S')) },
  { name: 'wait longer than P3660D (was accepted, then stuck every run that reached it)', code: 'invalid_duration', path: '$.nodes[3].duration', doc: canvasWith((d) => (d.nodes[3].duration = 'P99999999999W')) },
  { name: 'timeout just over the maximum', code: 'invalid_duration', path: '$.nodes[1].timeout', doc: canvasWith((d) => (d.nodes[1].timeout = 'P3660DT1S')) },
  { name: 'zero timeout', code: 'invalid_duration', path: '$.nodes[1].timeout', doc: canvasWith((d) => (d.nodes[1].timeout = 'PT0S')) },
  {
    name: 'cooldown',
    code: 'invalid_duration',
    path: '$.settings.reentry.cooldown',
    doc: canvasWith((d) => (d.settings.reentry = { policy: 'cooldown', cooldown: '30 days' })),
  },
  {
    name: 'conversion window',
    code: 'invalid_duration',
    path: '$.settings.conversionWindow',
    doc: canvasWith((d) => (d.settings.conversionWindow = 'P3661D')),
  },
  {
    name: 'conversion window without a goal',
    code: 'conversion_window_without_goal',
    path: '$.settings.conversionWindow',
    doc: canvasWith((d) => {
      d.settings.conversionWindow = 'P14D';
      delete d.goal;
    }),
  },
  { name: 'crm due', code: 'invalid_duration', path: '$.nodes[5].params.due', doc: canvasWith((d) => (d.nodes[5].params.due = 'tomorrow')) },
  {
    name: 'condition within',
    code: 'invalid_duration',
    path: '$.nodes[4].cases[2].condition.within',
    doc: canvasWith((d) => (d.nodes[4].cases[2].condition.within = 'P1Y')),
  },
  {
    name: 'time of day',
    code: 'invalid_time_of_day',
    path: '$.nodes[3].timeOfDay',
    doc: canvasWith(setNode(3, { id: 'wait_day3', type: 'wait', timeOfDay: '9:30am' })),
  },
  {
    name: 'weekday',
    code: 'invalid_weekday',
    path: '$.nodes[3].weekdays[1]',
    doc: canvasWith(setNode(3, { id: 'wait_day3', type: 'wait', timeOfDay: '09:30', weekdays: ['mon', 'monday'] })),
  },
  { name: 'settings zone', code: 'invalid_time_zone', path: '$.settings.timeZone', doc: canvasWith((d) => (d.settings.timeZone = 'China/Beijing')) },
  {
    name: 'wait zone',
    code: 'invalid_time_zone',
    path: '$.nodes[3].timeZone',
    doc: canvasWith(setNode(3, { id: 'wait_day3', type: 'wait', timeOfDay: '09:30', timeZone: '+08:00' })),
  },
  {
    name: 'until without offset',
    code: 'invalid_timestamp',
    path: '$.nodes[3].until',
    doc: canvasWith(setNode(3, { id: 'wait_day3', type: 'wait', until: '2025-03-01T09:00:00' })),
  },
  {
    name: 'no trigger',
    code: 'missing_trigger',
    path: '$.nodes',
    doc: canvasWith((d) => {
      d.nodes.splice(0, 1);
      d.edges.splice(0, 1);
    }),
  },
  {
    name: 'second trigger',
    code: 'multiple_triggers',
    path: '$.nodes[14]',
    doc: canvasWith((d) => {
      d.nodes.push({ id: 'api_entry', type: 'trigger', trigger: { kind: 'api' } });
      d.edges.push({ from: 'api_entry', to: 'wait_day3' });
    }),
  },
  { name: 'edge into trigger', code: 'edge_into_trigger', path: '$.edges[17].to', doc: canvasWith((d) => (d.edges[17].to = 'registered')) },
  { name: 'edge to missing node', code: 'unknown_node', path: '$.edges[4].to', doc: canvasWith((d) => (d.edges[4].to = 'day_3_split')) },
  { name: 'edge from missing node', code: 'unknown_node', path: '$.edges[4].from', doc: canvasWith((d) => (d.edges[4].from = 'wait_3')) },
  { name: 'condition port', code: 'unknown_port', path: '$.edges[14].port', doc: canvasWith((d) => (d.edges[14].port = 'true')) },
  { name: 'port on an action', code: 'unknown_port', path: '$.edges[16].port', doc: canvasWith((d) => (d.edges[16].port = 'yes')) },
  { name: 'missing port on a split', code: 'unknown_port', path: '$.edges[8]', doc: canvasWith((d) => delete d.edges[8].port) },
  { name: 'second edge from a port', code: 'duplicate_edge', path: '$.edges[18]', doc: canvasWith((d) => d.edges.push({ from: 'wait_day7', to: 'done' })) },
  { name: 'else not connected', code: 'missing_branch', path: '$.nodes[4]', doc: canvasWith((d) => d.edges.splice(8, 1)) },
  { name: 'case not connected', code: 'missing_branch', path: '$.nodes[4].cases[1]', doc: canvasWith((d) => d.edges.splice(6, 1)) },
  { name: 'matched not connected', code: 'missing_branch', path: '$.nodes[1]', doc: canvasWith((d) => d.edges.splice(2, 1)) },
  { name: 'action leads nowhere', code: 'dead_end', path: '$.nodes[11]', doc: canvasWith((d) => d.edges.splice(16, 1)) },
  { name: 'edge from exit', code: 'edge_from_exit', path: '$.edges[18].from', doc: canvasWith((d) => d.edges.push({ from: 'done', to: 'wait_day7' })) },
  { name: 'orphan node', code: 'unreachable_node', path: '$.nodes[14]', doc: canvasWith((d) => d.nodes.push({ id: 'orphan', type: 'exit' })) },
  { name: 'loop back', code: 'cycle', path: '$.edges[16]', doc: canvasWith((d) => (d.edges[16].to = 'wait_day7')) },
  {
    name: 'duplicate case key',
    code: 'duplicate_case_key',
    path: '$.nodes[4].cases[1].key',
    doc: canvasWith((d) => (d.nodes[4].cases[1].key = 'dropped_mid_opening')),
  },
  { name: 'case named else', code: 'duplicate_case_key', path: '$.nodes[4].cases[1].key', doc: canvasWith((d) => (d.nodes[4].cases[1].key = 'else')) },
  {
    name: 'negative weight',
    code: 'invalid_weights',
    path: '$.nodes[10].arms[0].weight',
    doc: canvasWith(setNode(10, { id: 'day7_check', type: 'random_split', arms: [{ key: 'yes', weight: -1 }, { key: 'no', weight: 1 }] })),
  },
  {
    name: 'all weights zero',
    code: 'invalid_weights',
    path: '$.nodes[10].arms',
    doc: canvasWith(setNode(10, { id: 'day7_check', type: 'random_split', arms: [{ key: 'yes', weight: 0 }, { key: 'no', weight: 0 }] })),
  },
  { name: 'unknown action', code: 'unknown_action', path: '$.nodes[6].action', doc: canvasWith((d) => (d.nodes[6].action = 'email')) },
  { name: 'sms without body', code: 'invalid_action_params', path: '$.nodes[6].params.body', doc: canvasWith((d) => (d.nodes[6].params = { text: 'Hi' })) },
  {
    name: 'webhook url',
    code: 'invalid_action_params',
    path: '$.nodes[6].params.url',
    doc: canvasWith((d) => Object.assign(d.nodes[6], { action: 'webhook', params: { url: 'ftp://crm.example/leads' } })),
  },
  {
    name: 'update_traits with nothing',
    code: 'invalid_action_params',
    path: '$.nodes[12].params',
    doc: canvasWith((d) => (d.nodes[12].params = {})),
  },
  { name: 'broken template', code: 'invalid_template', path: '$.nodes[6].params.body', doc: canvasWith((d) => (d.nodes[6].params.body = 'Hi {{ traits.name')) },
  { name: 'condition shape', code: 'invalid_rule', path: '$.nodes[10].condition', doc: canvasWith((d) => (d.nodes[10].condition = { account_opened: true })) },
  {
    name: 'operator',
    code: 'unknown_operator',
    path: '$.nodes[4].cases[0].condition.and[0].op',
    doc: canvasWith((d) => (d.nodes[4].cases[0].condition.and[0] = { trait: 'risk_level', op: 'equals', value: 'C3' })),
  },
  ...conditionCases(),
  {
    name: 'where filter property (the rule language\'s filters and codes)',
    code: 'invalid_name',
    path: '$.goal.where[0].property',
    doc: canvasWith((d) => (d.goal.where = [{ property: ' ', op: 'eq', value: 1 }])),
  },
  {
    name: 'where filter between needs two bounds',
    code: 'invalid_value',
    path: '$.nodes[1].where[0].value',
    doc: canvasWith((d) => (d.nodes[1].where = [{ property: 'amount', op: 'between', value: [1] }])),
  },
  {
    name: 'exit criterion condition',
    code: 'missing_value',
    path: '$.exitCriteria[1].condition.value',
    doc: canvasWith((d) => d.exitCriteria.push({ id: 'vip', condition: { trait: 'tier', op: 'in' }, reason: 'vip' })),
  },
  {
    name: 'count bounds',
    code: 'invalid_count',
    path: '$.nodes[4].cases[2].condition.count',
    doc: canvasWith((d) => (d.nodes[4].cases[2].condition.count = { gte: 5, lte: 2 })),
  },
  {
    name: 'duplicate exit criterion id',
    code: 'duplicate_exit_criterion_id',
    path: '$.exitCriteria[1].id',
    doc: canvasWith((d) => d.exitCriteria.push({ id: 'account_closed', event: 'account_frozen', reason: 'frozen' })),
  },
];

const summary = (issues: DocumentIssue[]) => issues.map((i) => ({ code: i.code, path: i.path }));

describe('validateCanvas', () => {
  test('examples/onboarding.json is valid', () => {
    expect(validateCanvas(onboarding)).toEqual([]);
  });

  test.each(cases)('$code: $name at $path', ({ doc, code, path }) => {
    const issues = validateCanvas(doc);
    expect(summary(issues)).toContainEqual({ code, path });
    for (const issue of issues) expect(issue.message.length).toBeGreaterThan(10);
  });

  test('every emitted code is declared in CANVAS_ERROR_CODES and has a test case', () => {
    const tested = new Set(cases.map((c) => c.code));
    expect([...CANVAS_ERROR_CODES].filter((c) => !tested.has(c))).toEqual([]);
    for (const { doc } of cases) {
      for (const issue of validateCanvas(doc)) expect(CANVAS_ERROR_CODES).toContain(issue.code);
    }
  });

  test('reports every problem at once', () => {
    const doc = canvasWith((d) => {
      d.nodes[3].duration = 'P1M';
      d.nodes[6].action = 'email';
      d.nodes[13].type = 'finish';
      d.edges[14].port = 'true';
      d.edges.push({ from: 'tag_unconverted', to: 'nowhere' });
    });
    expect(summary(validateCanvas(doc))).toEqual(
      expect.arrayContaining([
        { code: 'invalid_duration', path: '$.nodes[3].duration' },
        { code: 'unknown_action', path: '$.nodes[6].action' },
        { code: 'unknown_node_type', path: '$.nodes[13].type' },
        { code: 'unknown_port', path: '$.edges[14].port' },
        { code: 'unknown_node', path: '$.edges[18].to' },
      ]),
    );
  });

  test('an unknown node type is one clear issue, not a wall of schema noise', () => {
    const issues = validateCanvas(canvasWith((d) => (d.nodes[13].type = 'finish')));
    expect(issues).toHaveLength(1);
    expect(issues[0].message).toContain('finish');
    expect(issues[0].message).toContain('wait_for_event');
  });

  test('another schema version reports only that', () => {
    expect(summary(validateCanvas(canvasWith((d) => (d.schemaVersion = 3))))).toEqual([
      { code: 'unsupported_schema_version', path: '$.schemaVersion' },
    ]);
  });

  test('a cycle is named node by node, once per cycle', () => {
    const issues = validateCanvas(canvasWith((d) => (d.edges[16].to = 'wait_day7'))).filter((i) => i.code === 'cycle');
    expect(issues).toHaveLength(1);
    expect(issues[0].message).toContain('wait_day7 -> day7_check -> sms_day7_deposit -> wait_day7');
  });

  test('messages name the node', () => {
    const [issue] = validateCanvas(canvasWith((d) => (d.nodes[3].duration = 'P1M')));
    expect(issue.message).toMatch(/^Node "wait_day3": "P1M"/);
  });

  test('a wait until a past instant is accepted (the wait is skipped at run time)', () => {
    expect(validateCanvas(canvasWith(setNode(3, { id: 'wait_day3', type: 'wait', until: '2001-01-01T00:00:00Z' })))).toEqual([]);
  });

  test('an edge without a port means next', () => {
    expect(onboarding.edges[0].port).toBeUndefined();
    expect(validateCanvas(canvasWith((d) => (d.edges[0].port = 'next')))).toEqual([]);
  });

  test.each([
    ['null', null],
    ['junk everywhere', { schemaVersion: 2, name: 1, settings: [], goal: 'x', exitCriteria: 'x', nodes: [null, 1, { id: 5 }], edges: [null, { from: 1 }] }],
    [
      'half-built nodes',
      {
        schemaVersion: 2,
        name: 'x',
        exitCriteria: [{ id: 'a', condition: 'yes', reason: 'r' }, null],
        nodes: [
          { id: 'a', type: 'action', action: 'toString', params: [] },
          { id: 'b', type: 'action', action: 'sms', params: { body: 42 } },
          { id: 'c', type: 'multi_split', cases: 'x' },
          { id: 'd', type: 'random_split', arms: [{ key: 'k', weight: '1' }, null] },
          { id: '__proto__', type: 'trigger', trigger: { kind: 'event', where: 'x' } },
          { id: 'f', type: 'wait', timeOfDay: 930, weekdays: 'mon' },
        ],
        edges: [{ from: '__proto__', to: '__proto__', port: 7 }, { from: 'd', to: 'a', port: 'k' }, { from: 'a', to: 'd' }],
      },
    ],
  ])('never throws on malformed input: %s', (_name, doc) => {
    const issues = validateCanvas(doc);
    expect(issues.length).toBeGreaterThan(0);
    for (const issue of issues) expect(CANVAS_ERROR_CODES).toContain(issue.code);
  });

  test('registered actions extend the built-in ones', () => {
    const wechat = {
      description: 'WeChat template message',
      paramsSchema: { type: 'object', required: ['templateId'], properties: { templateId: { type: 'string' }, first: { type: 'string' } } },
      templateParams: ['first'],
    };
    const doc = canvasWith((d) => Object.assign(d.nodes[6], { action: 'wechat', params: { templateId: 'T1', first: 'Hi {{ traits.x' } }));
    expect(summary(validateCanvas(doc))).toContainEqual({ code: 'unknown_action', path: '$.nodes[6].action' });
    expect(summary(validateCanvas(doc, { actions: { ...BUILTIN_ACTIONS, wechat } }))).toEqual([
      { code: 'invalid_template', path: '$.nodes[6].params.first' },
    ]);
  });
});

/** Conditions are journey conditions (the segment rule language plus entry): one case per code the rule validator adds. */
function conditionCases(): { name: string; code: string; path: string; doc: Doc }[] {
  const at = '$.nodes[10].condition';
  const cond = (condition: unknown) => canvasWith((d) => (d.nodes[10].condition = condition));
  let deep: unknown = { trait: 'a', op: 'exists' };
  for (let i = 0; i < 40; i++) deep = { not: deep };
  return [
    { name: 'condition key', code: 'unknown_key', path: `${at}.extra`, doc: cond({ trait: 'risk_level', op: 'eq', value: 'C3', extra: 1 }) },
    { name: 'empty and', code: 'empty_group', path: `${at}.and`, doc: cond({ and: [] }) },
    { name: 'nesting', code: 'too_deep', path: `${at}${'.not'.repeat(33)}`, doc: cond(deep) },
    { name: 'trait path', code: 'invalid_name', path: `${at}.trait`, doc: cond({ trait: 'a b', op: 'exists' }) },
    { name: 'event name', code: 'invalid_event_name', path: `${at}.event`, doc: cond({ event: ' ' }) },
    { name: 'segment key', code: 'invalid_segment_key', path: `${at}.segment`, doc: cond({ segment: 'bad key!' }) },
    { name: 'text ranked without an order (a format-1 "gt" on text)', code: 'invalid_value', path: `${at}.value`, doc: cond({ trait: 'risk_level', op: 'gt', value: 'C2' }) },
    { name: 'value outside its order', code: 'invalid_order', path: `${at}.value`, doc: cond({ trait: 'risk_level', op: 'gt', value: 'C9', order: ['C1', 'C2'] }) },
    { name: 'date', code: 'invalid_date', path: `${at}.value`, doc: cond({ trait: 'opened_at', op: 'gt', value: '2025-13-45' }) },
    { name: 'within with after_event', code: 'conflicting_options', path: `${at}.after_event`, doc: cond({ event: 'x', within: 'P1D', after_event: { event: 'y' } }) },
    { name: 'first without bounds', code: 'invalid_time_range', path: `${at}.first`, doc: cond({ event: 'x', first: {} }) },
  ];
}

describe('large documents', () => {
  const chain = (length: number, backEdge = false): Doc => {
    const nodes: Doc[] = [{ id: 'start', type: 'trigger', trigger: { kind: 'api' } }];
    const edges: Doc[] = [];
    let prev = 'start';
    for (let i = 0; i < length; i++) {
      nodes.push({ id: `w${i}`, type: 'wait', duration: 'PT1M' });
      edges.push({ from: prev, to: `w${i}` });
      prev = `w${i}`;
    }
    nodes.push({ id: 'done', type: 'exit' });
    edges.push({ from: prev, to: backEdge ? 'w0' : 'done' });
    return { schemaVersion: 2, name: 'chain', nodes, edges };
  };

  test('a valid chain of 5,000 nodes validates and compiles (graph walks do not recurse)', () => {
    const compiled = compileCanvas(chain(5000));
    expect(compiled.ok).toBe(true);
    expect(compiled.ok && Object.keys(compiled.plan.nodes)).toHaveLength(5001);
  });

  test('a loop closing a chain of 5,000 nodes is reported as one cycle', () => {
    const issues = summary(validateCanvas(chain(5000, true)));
    expect(issues).toContainEqual({ code: 'cycle', path: '$.edges[5000]' });
  });

  test('a condition nested 100,000 levels deep is refused with too_deep, not a stack overflow', () => {
    let deep: unknown = { trait: 'a', op: 'exists' };
    for (let i = 0; i < 100_000; i++) deep = { not: deep };
    const doc = canvasWith((d) => (d.nodes[10].condition = deep));
    expect(summary(validateCanvas(doc)).map((i) => i.code)).toContain('too_deep');
  });
});
