import { describe, expect, it } from 'vitest';
import onboarding from '../../../examples/onboarding.json';
import { layoutGraph, NODE_HEIGHT, NODE_WIDTH } from './layout';
import { canvasToGraph } from './mapping';

describe('layoutGraph (ELK, left to right)', () => {
  it('places every node after the nodes it comes from, without overlaps', async () => {
    const { nodes, edges } = canvasToGraph(onboarding);
    const laid = await layoutGraph(nodes, edges);
    const at = Object.fromEntries(laid.map((n) => [n.id, n.position]));
    for (const e of onboarding.edges) expect(at[e.to].x).toBeGreaterThan(at[e.from].x);
    for (const a of laid) {
      for (const b of laid) {
        if (a.id >= b.id) continue;
        const apart = Math.abs(a.position.x - b.position.x) >= NODE_WIDTH || Math.abs(a.position.y - b.position.y) >= NODE_HEIGHT;
        expect(apart, `${a.id} overlaps ${b.id}`).toBe(true);
      }
    }
  });

  it("keeps a branching node's ports in order: the first port's target is above the last's", async () => {
    const { nodes, edges } = canvasToGraph(onboarding);
    const at = Object.fromEntries((await layoutGraph(nodes, edges)).map((n) => [n.id, n.position]));
    expect(at.sms_day7_deposit.y).toBeLessThan(at.tag_unconverted.y); // day7_check: yes, then no
    expect(at.crm_call_dropout.y).toBeLessThan(at.push_wealth_offer.y); // day3_split: first case, then else
  });
});
