/**
 * The waiting benchmark on the time-skipping test server (`npm run bench -- --only waiting --temporal
 * time-skipping`): runs park in a three-day wait, the bench jumps the server's clock to the wake-up
 * once all are parked, and every run moves on once and ends. The server's memory is sampled from its
 * process. No timing assertions.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startBenchRuntime, type BenchRuntime } from '../../bench/runtime.js';
import { runWaitingBench, timeSkippingServer } from '../../bench/waiting.js';
import { createTimeSkippingEnv, testDatabaseUrl } from '../support/env.js';

const THREE_DAYS_MS = 3 * 86_400_000;
let env: TestWorkflowEnvironment;
let rt: BenchRuntime;

beforeAll(async () => {
  env = await createTimeSkippingEnv();
  rt = await startBenchRuntime({ databaseUrl: testDatabaseUrl(), temporalAddress: env.address, name: 'bench-skip', searchAttributes: false });
}, 60_000);
afterAll(async () => {
  await rt?.stop();
  await env?.teardown();
});

describe('waiting benchmark on the time-skipping server', () => {
  it('parks every run in a three-day wait, skips the clock to it, and every run moves on once', async () => {
    // The same wiring as `npm run bench -- --temporal time-skipping`.
    const { clock, pid } = timeSkippingServer(env);
    expect(pid).not.toBeNull();
    const serverBefore = await env.currentTimeMs();
    const r = await runWaitingBench(rt, { customers: 12, startConcurrency: 4, clock, temporalPid: pid });
    expect(r.clock).toBe('skipped');
    expect(r.wakeAfterSeconds).toBe(3 * 86_400);
    expect(r.waitingAtWake).toBe(12);
    expect(r.statuses).toEqual({ completed: 12 });
    expect(r.traitsSet).toBe(12);
    // The three days went by on the server's clock, not in real time.
    expect((await env.currentTimeMs()) - serverBefore).toBeGreaterThanOrEqual(THREE_DAYS_MS);
    expect(r.moveOn.seconds).toBeLessThan(THREE_DAYS_MS / 1000);
    // Each run ended on the server's clock after the wake-up, three days after it entered.
    const rows: { entered: Date; ended: Date }[] = await rt.db.query(
      `SELECT enrolled_at AS entered, ended_at AS ended FROM enrollments WHERE journey_id LIKE $1 || '-waiting-%'`,
      [rt.prefix],
    );
    expect(rows).toHaveLength(12);
    for (const row of rows) expect(row.ended.getTime() - row.entered.getTime()).toBeGreaterThanOrEqual(THREE_DAYS_MS - 60_000);
    expect(r.temporalStorage).toBeNull();
    expect(r.temporalMemory?.rssWhileWaitingMiB).toBeGreaterThan(0);
  }, 120_000);
});
