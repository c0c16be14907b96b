/**
 * The benchmarks at the small size against the test services (global setup's PostgreSQL and Temporal
 * dev server): each produces a positive figure, every run ends and every SMS reaches the fake Twilio
 * exactly once. No timing assertions: the figures are for docs/performance.md, not for CI.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runEnrollmentBench } from '../../bench/enrollment.js';
import { runIngestionBench } from '../../bench/ingestion.js';
import { runLatencyBench } from '../../bench/latency.js';
import { parseParams } from '../../bench/params.js';
import { startBenchRuntime, type BenchRuntime } from '../../bench/runtime.js';
import { runWaitingBench } from '../../bench/waiting.js';
import { testDatabaseUrl, testTemporalAddress } from '../support/env.js';

const small = parseParams(['--size', 'small'], {});
// Other test files may publish journeys triggered by `registered`: this file triggers on its own name.
const trigger = `bench_smoke_registered_${Date.now().toString(36)}`;
const once = (n: number) => ({ distinct: n, duplicates: 0, missing: 0 });

let rt: BenchRuntime;

beforeAll(async () => {
  rt = await startBenchRuntime({ databaseUrl: testDatabaseUrl(), temporalAddress: testTemporalAddress(), name: 'bench-smoke' });
});
afterAll(async () => {
  await rt?.stop();
});

describe('benchmarks (small size)', () => {
  it('enrollment throughput: every run ends, every SMS arrives once, for the journey and the plain baseline', async () => {
    const r = await runEnrollmentBench(rt, { customers: small.customers, trigger, batchSize: small.enrollBatch });
    expect(r.journey.perSecond).toBeGreaterThan(0);
    expect(r.plain.perSecond).toBeGreaterThan(0);
    expect(r.fractionOfPlain).toBeGreaterThan(0);
    expect(r.journey.statuses).toEqual({ completed: small.customers });
    expect(r.plain.completed).toBe(small.customers);
    // One timer for the 1 s wait, or none when recording the wait took longer than the wait itself (a loaded machine).
    expect(r.shape.timers).toBeLessThanOrEqual(1);
    expect(r.shape.activityTypes.performAction).toBe(1);
    expect(r.sms.journey).toEqual(once(small.customers));
    expect(r.sms.plain).toEqual(once(small.customers));
  });

  it('event-to-send latency: percentiles for both loads, every run ends, every SMS arrives once', async () => {
    const r = await runLatencyBench(rt, { light: small.latencyLight, heavy: small.latencyHeavy, concurrency: small.latencyConcurrency, trigger });
    for (const phase of [r.light, r.heavy]) {
      expect(phase.latencyMs.p50).toBeGreaterThan(0);
      expect(phase.latencyMs.p99).toBeGreaterThanOrEqual(phase.latencyMs.p50);
    }
    expect(r.ended).toBe(small.latencyLight + small.latencyHeavy);
    expect(r.light.sms).toEqual(once(small.latencyLight));
    expect(r.heavy.sms).toEqual(once(small.latencyHeavy));
  });

  it('waiting at scale: every run parks at the wait, then moves on once and ends', async () => {
    const r = await runWaitingBench(rt, { customers: small.waitingCustomers, startConcurrency: small.waitingStartConcurrency, wakeAfterSeconds: 15 });
    expect(r.waitingAtWake).toBe(small.waitingCustomers);
    expect(r.statuses).toEqual({ completed: small.waitingCustomers });
    expect(r.traitsSet).toBe(small.waitingCustomers);
    expect(r.start.perSecond).toBeGreaterThan(0);
    expect(r.moveOn.seconds).toBeGreaterThan(0);
    expect(r.memory.whileWaiting.rssMiB).toBeGreaterThan(0);
    expect(r.temporalStorage).toBeNull();
  });

  it('waiting at scale, paced: no more than --waiting-max-unparked starts run ahead of parking', async () => {
    const r = await runWaitingBench(rt, { customers: small.waitingCustomers, startConcurrency: small.waitingStartConcurrency, maxUnparked: 2, wakeAfterSeconds: 20 });
    expect(r.start).toMatchObject({ maxUnparked: 2, mostUnparked: 2 });
    expect(r.waitingAtWake).toBe(small.waitingCustomers);
    expect(r.statuses).toEqual({ completed: small.waitingCustomers });
  });

  it('ingestion: events/s, and every event stored', async () => {
    const r = await runIngestionBench(rt, { events: small.ingestEvents, batchSize: small.ingestBatch });
    expect(r.perSecond).toBeGreaterThan(0);
    expect(r.stored).toBe(small.ingestEvents);
  });
});
