/** `npm run simulate`: the worked example of docs/simulation.md prints its timeline; a bad script prints every problem with its path. */
import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from '@jest/globals';
import { ROOT } from '../support/runs.js';

const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', '@swc-node/register/esm-register', 'scripts/simulate.ts', ...args], { cwd: ROOT, encoding: 'utf8' });

describe('scripts/simulate.ts', () => {
  it('prints the onboarding timeline of the worked example', () => {
    const out = execFileSync(
      process.execPath,
      ['--import', '@swc-node/register/esm-register', 'scripts/simulate.ts', 'examples/onboarding.json', '--customer', 'examples/simulation/mei.customer.json', '--events', 'examples/simulation/mei.events.json', '--start', '2026-03-02T01:00:00Z'],
      { cwd: ROOT, encoding: 'utf8' },
    );
    expect(out).toContain('New-customer onboarding: converted (goal_reached)');
    expect(out).toContain('+3d 02:03    decide -> dropped_mid_opening');
    expect(out).toContain('SEND crm_task to manager:am-7: title: Call mei: stopped in the middle of account opening');
  }, 30_000);

  it('refuses a bad horizon with its path, and exits 2', () => {
    const r = cli('examples/onboarding.json', '--customer', 'examples/simulation/mei.customer.json', '--horizon', 'P2Y');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('$.horizon');
  }, 30_000);
});
