/**
 * Driving runs through days on the time-skipping server: wait (real time, clock locked) until every
 * run has ended or waits for a timer, then skip the clock to just past the earliest timer, so no
 * activity is in flight while time jumps (its timeouts would be skipped over).
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';

/** The columns of an enrollment row the clock needs. */
export interface TimedRun {
  current_node: string | null;
  waiting_until: Date | null;
  ended_at: Date | null;
}

export interface SkippingClock<R extends TimedRun> {
  /** Every run ended or waiting for a timer after `nowMs`, unchanged over two polls in a row. */
  settled(nowMs: number): Promise<R[]>;
  /** Skips to `targetMs`, stopping just past every timer on the way so the runs act in between. */
  advanceTo(targetMs: number): Promise<R[]>;
}

/**
 * `load` reads the runs (all `expected` of them); `graceOf(node)` is how long a wait at that node
 * listens past its deadline (the late-event grace of a wait-for-event), 0 by default.
 */
export function skippingClock<R extends TimedRun>(
  env: TestWorkflowEnvironment,
  load: () => Promise<R[]>,
  expected: number,
  graceOf: (node: string | null) => number = () => 0,
): SkippingClock<R> {
  const timerOf = (row: R) => row.waiting_until!.getTime() + graceOf(row.current_node);

  async function settled(nowMs: number): Promise<R[]> {
    const deadline = Date.now() + 60_000;
    let previous = '';
    for (;;) {
      const rows = await load();
      const still = rows.length === expected && rows.every((r) => r.ended_at !== null || (r.waiting_until !== null && timerOf(r) > nowMs));
      const snapshot = JSON.stringify(rows);
      if (still && snapshot === previous) return rows;
      previous = still ? snapshot : '';
      if (Date.now() > deadline) throw new Error(`runs did not settle: ${snapshot}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  async function advanceTo(targetMs: number): Promise<R[]> {
    for (let jump = 0; jump < 100; jump++) {
      const now = await env.currentTimeMs();
      const rows = await settled(now);
      const timers = rows.filter((r) => r.ended_at === null).map(timerOf);
      if (now >= targetMs || (targetMs === Infinity && timers.length === 0)) return rows;
      const next = Math.min(targetMs, ...timers.map((t) => t + 1_000));
      await env.sleep(Math.max(1, next - now));
    }
    throw new Error('the runs did not reach the target within 100 timer jumps');
  }

  return { settled, advanceTo };
}
