/**
 * bench/params.ts: presets, then the environment, then flags; bad values are refused with a message
 * that names the flag.
 */
import { describe, expect, it } from '@jest/globals';
import { parseParams } from '../../bench/params.js';
import { waitingCanvas } from '../../bench/waiting.js';
import { compileCanvas } from '../../engine/compile.js';

describe('benchmark parameters', () => {
  it('leaves the dev server its own SQLite synchronous setting unless told', () => {
    expect(parseParams([], {}).temporalSync).toBe('default');
  });

  it('takes --temporal-sync from a flag over BENCH_TEMPORAL_SYNC', () => {
    expect(parseParams(['--temporal-sync', 'off'], {}).temporalSync).toBe('off');
    expect(parseParams([], { BENCH_TEMPORAL_SYNC: 'normal' }).temporalSync).toBe('normal');
    expect(parseParams(['--temporal-sync=off'], { BENCH_TEMPORAL_SYNC: 'normal' }).temporalSync).toBe('off');
  });

  it('refuses a --temporal-sync it does not know, naming the allowed values', () => {
    expect(() => parseParams(['--temporal-sync', 'fast'], {})).toThrow('--temporal-sync must be default, normal, off, not "fast"');
  });

  it('takes the waiting size from flags over the preset, and refuses a non-positive one', () => {
    const params = parseParams(['--size', 'small', '--waiting-customers', '100000', '--waiting-wake-after=2400'], {});
    expect(params).toMatchObject({ size: 'small', waitingCustomers: 100_000, waitingWakeAfter: 2400, waitingStartConcurrency: 10 });
    expect(() => parseParams(['--waiting-customers', '0'], {})).toThrow('--waiting-customers must be a positive integer, not "0"');
  });

  it('spreads the wake-ups only when asked, as the wait node of the bench journey', () => {
    expect(parseParams([], {}).waitingSpread).toBe(0);
    expect(parseParams(['--waiting-spread', '300'], {}).waitingSpread).toBe(300);
    const at = new Date('2026-12-01T09:00:00Z');
    expect(compileCanvas(waitingCanvas(at, 300))).toMatchObject({ ok: true, plan: { nodes: { wait: { kind: 'wait_until', spreadMs: 300_000 } } } });
    const plain = compileCanvas(waitingCanvas(at));
    expect(plain.ok && plain.plan.nodes.wait).not.toHaveProperty('spreadMs');
  });

  it('paces waiting starts only when asked', () => {
    expect(parseParams([], {}).waitingMaxUnparked).toBe(0);
    expect(parseParams(['--waiting-max-unparked', '500'], {}).waitingMaxUnparked).toBe(500);
    expect(parseParams([], { BENCH_WAITING_MAX_UNPARKED: '250' }).waitingMaxUnparked).toBe(250);
  });

  it('runs on the dev server unless --temporal time-skipping (BENCH_TEMPORAL) is given with --only waiting', () => {
    expect(parseParams([], {}).temporal).toBe('dev');
    expect(parseParams(['--temporal', 'time-skipping', '--only', 'waiting'], {}).temporal).toBe('time-skipping');
    expect(parseParams(['--only=waiting'], { BENCH_TEMPORAL: 'time-skipping' }).temporal).toBe('time-skipping');
    expect(parseParams(['--temporal', 'dev'], { BENCH_TEMPORAL: 'time-skipping' }).temporal).toBe('dev');
  });

  it('refuses a --temporal it does not know, other benchmarks on the time-skipping server, and a SQLite setting for it', () => {
    expect(() => parseParams(['--temporal', 'cluster'], {})).toThrow('--temporal must be dev or time-skipping, not "cluster"');
    expect(() => parseParams(['--temporal', 'time-skipping'], {})).toThrow('runs only the waiting benchmark; add --only waiting');
    expect(() => parseParams(['--temporal', 'time-skipping', '--only', 'waiting,latency'], {})).toThrow('runs only the waiting benchmark');
    expect(() => parseParams(['--temporal', 'time-skipping', '--only', 'waiting', '--temporal-sync', 'off'], {})).toThrow('--temporal-sync applies to the dev server');
  });

  it('refuses an unknown flag', () => {
    expect(() => parseParams(['--temporal-fsync', 'off'], {})).toThrow('unknown flag --temporal-fsync');
  });
});
