import { describe, expect, it } from 'vitest';
import onboarding from '../../../examples/onboarding.json';
import { canvasToGraph, trailOf } from '../graph/mapping';
import { describeEntry, parseBox, testFigures } from './TestLaunch';

describe('a simulated path on the canvas', () => {
  const path = ['wait_opening_page', 'sms_open_nudge', 'wait_day3', 'day3_split', 'sms_open_again'];
  const reached = { wait_opening_page: '2026-01-01T00:00:00.000Z', sms_open_nudge: '2026-01-01T02:00:00.000Z' };
  const trail = trailOf(onboarding, path, reached, '2026-01-01T00:00:00.000Z');

  it('lights the trigger and every step, each with the virtual time it was first reached', () => {
    expect(Object.keys(trail.nodes)).toEqual(['registered', ...path]);
    expect(trail.nodes.sms_open_nudge).toBe('2026-01-01T02:00:00.000Z');
    expect(trail.nodes.registered).toBe('2026-01-01T00:00:00.000Z');
  });

  it('lights the edge between each step and the next, by the port taken', () => {
    expect([...trail.edges]).toEqual([
      'registered:next->wait_opening_page',
      'wait_opening_page:timed_out->sms_open_nudge',
      'sms_open_nudge:next->wait_day3',
      'wait_day3:next->day3_split',
      'day3_split:no_account->sms_open_again',
    ]);
  });

  it('marks those nodes and edges on the graph and no others', () => {
    const { nodes, edges } = canvasToGraph(onboarding, { trail });
    expect(nodes.filter((n) => n.data.trail).map((n) => n.id)).toEqual(['registered', ...path]);
    expect(edges.filter((e) => e.data?.trail).map((e) => e.id)).toEqual([...trail.edges]);
  });
});

describe('backtest figures on the canvas', () => {
  it('puts each node’s backtest count beside the live one (zero where nobody went), the trigger’s being who entered', () => {
    const figures = testFigures({ status: 'completed', figures: { entered: 3, nodes: { wait_opening_page: 3, sms_open_nudge: 2 } }, live: { entered: 4, nodes: { wait_opening_page: 4 } } as never }, onboarding);
    expect(figures.registered).toEqual({ simulated: 3, live: 4 });
    expect(figures.wait_opening_page).toEqual({ simulated: 3, live: 4 });
    expect(figures.sms_open_nudge).toEqual({ simulated: 2, live: 0 });
    expect(figures.done).toEqual({ simulated: 0, live: 0 });
    const { nodes } = canvasToGraph(onboarding, { test: figures });
    expect(nodes.find((n) => n.id === 'sms_open_nudge')!.data.test).toEqual({ simulated: 2, live: 0 });
  });

  it('has no live figure while the backtest runs (the API adds them when it ends)', () => {
    const figures = testFigures({ status: 'running', figures: { nodes: { wait_day3: 1 } }, live: null }, onboarding);
    expect(figures.wait_day3).toEqual({ simulated: 1, live: null });
    expect(figures.registered).toEqual({ simulated: 0, live: null });
  });
});

describe('the simulated timeline in words', () => {
  it('says which message was held back and what a decision chose', () => {
    const held = describeEntry({ at: '2026-01-01T00:00:00Z', type: 'message', nodeId: 'sms_open_nudge', action: 'sms', category: 'marketing', status: 'suppressed', recipient: '+8613800000001', rendered: { body: 'Mei, hi' }, reason: { code: 'quiet_hours', message: 'quiet hours' } });
    expect(held).toBe('sms suppressed to +8613800000001: "Mei, hi"');
    expect(describeEntry({ at: '2026-01-01T00:00:00Z', type: 'decision', nodeId: 'day3_split', port: 'no_account', detail: {} })).toBe('day3_split decides: no_account');
  });

  it('names the box whose JSON is broken', () => {
    expect(() => parseBox('Events', '[{', [])).toThrow(/^Events is not valid JSON/);
    expect(parseBox('Events', '  ', [])).toEqual([]);
  });
});

describe('template preview for a sample customer', () => {
  it("renders an action's templates with the customer's traits, as the engine renders the message", async () => {
    const { previewAction } = await import('./TemplatePreview');
    const sms = onboarding.nodes.find((n) => n.id === 'sms_open_nudge')!;
    expect(previewAction(sms, 'c-9', { first_name: 'Mei' }, { id: 'onboarding', name: 'Onboarding' })).toEqual({
      ok: true,
      rendered: { body: 'Mei, opening your account takes 5 minutes: https://app.example/open' },
    });
    const crm = onboarding.nodes.find((n) => n.id === 'crm_call_dropout')!;
    expect(previewAction(crm, 'c-9', {}, { id: 'onboarding', name: 'Onboarding' })).toMatchObject({ ok: true, rendered: { title: 'Call c-9: stopped in the middle of account opening' } });
  });

  it('says what is wrong with a broken template', async () => {
    const { previewAction } = await import('./TemplatePreview');
    const broken = { id: 's', type: 'action', action: 'sms', params: { body: 'Hi {{ traits.name | nosuchfilter }}' } };
    const answer = previewAction(broken, 'c-9', {}, { id: 'j', name: 'J' });
    expect(answer.ok).toBe(false);
  });
});
