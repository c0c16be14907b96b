/** The worked example of adding a node kind: trait_split validates, compiles and runs with no other engine change. */
import { describe, expect, it } from '@jest/globals';
import { CANVAS_JSON_SCHEMA } from '../canvas-schema.js';
import { compileCanvas } from '../compile.js';
import { PLAN_VERSION } from '../plan.js';
import { evaluateRule } from '../segments/evaluate.js';
import type { JourneyCondition } from '../segments/types.js';
import { validateCanvas } from '../validate.js';
import { runOnVirtualClock, type VirtualWorld } from '../virtual-run.js';

const T0 = Date.parse('2026-03-02T02:00:00Z');

const byRisk = (cases: unknown, extraEdges: unknown[] = []) => ({
  schemaVersion: 2,
  name: 'fund offer by risk',
  nodes: [
    { id: 'start', type: 'trigger', trigger: { kind: 'api' } },
    { id: 'by_risk', type: 'trait_split', trait: 'risk_level', cases },
    { id: 'bond_fund', type: 'action', action: 'push', params: { title: 'Bond fund', body: 'Steady income' } },
    { id: 'equity_fund', type: 'action', action: 'push', params: { title: 'Equity fund', body: 'Growth' } },
    { id: 'done', type: 'exit' },
  ],
  edges: [
    { from: 'start', to: 'by_risk' },
    { from: 'by_risk', port: 'conservative', to: 'bond_fund' },
    { from: 'by_risk', port: 'aggressive', to: 'equity_fund' },
    { from: 'by_risk', port: 'else', to: 'done' },
    { from: 'bond_fund', to: 'done' },
    { from: 'equity_fund', to: 'done' },
    ...extraEdges,
  ],
});

const CASES = [
  { key: 'conservative', values: ['C1', 'C2'] },
  { key: 'aggressive', values: ['C4', 'C5'] },
];

describe('trait_split', () => {
  it('is in the published schema', () => {
    expect(CANVAS_JSON_SCHEMA.$defs.node.properties.type.enum).toContain('trait_split');
  });

  it('compiles to a multi-way split on the trait, with an else port', () => {
    const compiled = compileCanvas(byRisk(CASES));
    if (!compiled.ok) throw new Error(JSON.stringify(compiled.errors));
    expect(compiled.plan.nodes.by_risk).toEqual({
      id: 'by_risk',
      kind: 'multi_split',
      cases: [
        { key: 'conservative', condition: { trait: 'risk_level', op: 'in', value: ['C1', 'C2'] } },
        { key: 'aggressive', condition: { trait: 'risk_level', op: 'in', value: ['C4', 'C5'] } },
      ],
      next: { conservative: 'bond_fund', aggressive: 'equity_fund', else: 'done' },
    });
    expect(compiled.warnings).toEqual([]);
  });

  it.each<[string, unknown, unknown[], { code: string; path: string }[]]>([
    ['a missing trait', CASES, [], [{ code: 'invalid_document', path: '$.nodes[1].trait' }]],
    ['a case without values', [{ key: 'conservative', values: [] }, CASES[1]], [], [{ code: 'invalid_document', path: '$.nodes[1].cases[0].values' }]],
    ['a repeated key', [CASES[0], { ...CASES[1], key: 'conservative' }], [], [{ code: 'duplicate_case_key', path: '$.nodes[1].cases[1].key' }]],
    ['a case named else', [CASES[0], { ...CASES[1], key: 'else' }], [], [{ code: 'duplicate_case_key', path: '$.nodes[1].cases[1].key' }]],
    ['an unconnected case', [...CASES, { key: 'balanced', values: ['C3'] }], [], [{ code: 'missing_branch', path: '$.nodes[1].cases[2]' }]],
    ['an edge from a port it does not have', CASES, [{ from: 'by_risk', port: 'balanced', to: 'done' }], [{ code: 'unknown_port', path: '$.edges[6].port' }]],
  ])('refuses %s with a code and the JSON path', (_name, cases, extraEdges, expected) => {
    const doc = byRisk(cases, extraEdges);
    if (_name === 'a missing trait') delete (doc.nodes[1] as { trait?: unknown }).trait;
    const found = validateCanvas(doc).map(({ code, path }) => ({ code, path }));
    expect(found).toEqual(expect.arrayContaining(expected));
  });

  it('warns when a value is listed by two cases (the later one never gets it)', () => {
    const compiled = compileCanvas(byRisk([CASES[0], { key: 'aggressive', values: ['C2', 'C5'] }]));
    expect(compiled.ok && compiled.warnings).toEqual([expect.objectContaining({ code: 'shadowed_case_value', path: '$.nodes[1].cases[1].values[0]' })]);
  });

  it.each([
    ['C2', ['bond_fund'], 'conservative'],
    ['C5', ['equity_fund'], 'aggressive'],
    ['C3', [], 'else'],
    [undefined, [], 'else'],
  ])('routes a customer with risk level %s through the interpreter', (risk, sent, port) => {
    const compiled = compileCanvas(byRisk(CASES));
    if (!compiled.ok) throw new Error('does not compile');
    const traits = risk === undefined ? {} : { risk_level: risk };
    const sends: string[] = [];
    const world: VirtualWorld = {
      evaluate: (req) => {
        expect(req.planVersion).toBe(PLAN_VERSION);
        const results = req.conditions.map((c) => evaluateRule(c as JourneyCondition, { traits, events: [] }, { now: req.at, entry: req.entry }));
        return { results: results.map((r) => r.result), values: Object.assign({}, ...results.map((r) => r.values)) };
      },
      findEvent: () => null,
      customerTimeZone: () => null,
      perform: (req) => (sends.push(req.nodeId), { status: 'sent' }),
    };
    const input = {
      enrollmentId: 'e',
      journeyId: 'j',
      versionId: 'j@1',
      customerId: 'c',
      plan: compiled.plan,
      entry: { kind: 'api' as const, payload: {} },
      enrolledAt: T0,
      defaults: { timeZone: 'Asia/Shanghai', lateEventGraceMs: 300_000, maxHistoryEvents: 10_000 },
    };
    const run = runOnVirtualClock(input, world, T0);
    expect(sends).toEqual(sent);
    const decision = run.writes.flatMap((w) => w.steps).find((s) => s.kind === 'decision')!;
    expect(decision).toMatchObject({ nodeId: 'by_risk', detail: { port } });
    expect(run.outcome).toMatchObject({ type: 'complete', result: { status: 'completed' } });
  });
});
