import { describe, it, expect } from '@jest/globals';
import { hashToUnit, inGlobalHoldout, pickArm, spreadOffsetMs } from './random.js';

const seedFor = (i: number): string => `jv_01HZX:customer-${i}:split_1`;

describe('hashToUnit', () => {
  it('is deterministic and within [0, 1)', () => {
    for (let i = 0; i < 2000; i++) {
      const u = hashToUnit(seedFor(i));
      expect(u).toBeGreaterThanOrEqual(0);
      expect(u).toBeLessThan(1);
      expect(hashToUnit(seedFor(i))).toBe(u);
    }
  });

  it.each([
    // Pinned values (cross-checked with an independent Python FNV-1a + fmix32 over UTF-8):
    // a change here silently moves live customers between arms.
    ['', 0.6689221884589642],
    ['jv1:c1:n1', 0.8950522786471993],
    ['jv_01HZX:customer-42:split_1', 0.7592858651187271],
    ['客户甲:😀', 0.9849585010670125],
  ])('pinned hash of %j', (seed, expected) => {
    expect(hashToUnit(seed)).toBe(expected);
  });

  it('spreads over ten equal buckets', () => {
    const buckets = new Array<number>(10).fill(0);
    const n = 20_000;
    for (let i = 0; i < n; i++) buckets[Math.floor(hashToUnit(seedFor(i)) * 10)]++;
    for (const count of buckets) expect(Math.abs(count / n - 0.1)).toBeLessThan(0.01);
  });

  it('distinguishes non-ASCII seeds', () => {
    expect(hashToUnit('客户甲')).not.toBe(hashToUnit('客户乙'));
    expect(hashToUnit('😀')).not.toBe(hashToUnit('😁'));
  });
});

describe('pickArm', () => {
  it('is sticky: the same seed always gets the same arm', () => {
    const arms = [
      { key: 'a', weight: 1 },
      { key: 'b', weight: 1 },
      { key: 'c', weight: 1 },
    ];
    for (let i = 0; i < 500; i++) {
      const first = pickArm(seedFor(i), arms);
      expect(pickArm(seedFor(i), arms)).toBe(first);
      expect(pickArm(seedFor(i), arms.map((arm) => ({ ...arm })))).toBe(first);
    }
  });

  it('gives different nodes of the same customer independent draws', () => {
    const arms = [
      { key: 'a', weight: 1 },
      { key: 'b', weight: 1 },
    ];
    let same = 0;
    for (let i = 0; i < 2000; i++) {
      if (pickArm(`jv1:customer-${i}:split_1`, arms) === pickArm(`jv1:customer-${i}:split_2`, arms)) same++;
    }
    expect(Math.abs(same / 2000 - 0.5)).toBeLessThan(0.05);
  });

  it.each([
    ['10/90', [{ key: 'control', weight: 10 }, { key: 'treatment', weight: 90 }]],
    ['1/1/1', [{ key: 'a', weight: 1 }, { key: 'b', weight: 1 }, { key: 'c', weight: 1 }]],
    ['fractional 0.2/0.3/0.5', [{ key: 'a', weight: 0.2 }, { key: 'b', weight: 0.3 }, { key: 'c', weight: 0.5 }]],
    ['with a zero arm 0/1/3', [{ key: 'off', weight: 0 }, { key: 'b', weight: 1 }, { key: 'c', weight: 3 }]],
  ])('distributes by weight over 20,000 seeds: %s', (_name, arms) => {
    const n = 20_000;
    const counts = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const key = pickArm(seedFor(i), arms);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const total = arms.reduce((sum, arm) => sum + arm.weight, 0);
    for (const arm of arms) {
      expect(Math.abs((counts.get(arm.key) ?? 0) / n - arm.weight / total)).toBeLessThan(0.02);
    }
  });

  it('never chooses a weight-0 arm', () => {
    const arms = [
      { key: 'first_off', weight: 0 },
      { key: 'on', weight: 1 },
      { key: 'last_off', weight: 0 },
    ];
    for (let i = 0; i < 5000; i++) expect(pickArm(seedFor(i), arms)).toBe('on');
  });

  it.each([
    ['no arms', []],
    ['all zero', [{ key: 'a', weight: 0 }, { key: 'b', weight: 0 }]],
    ['negative weight', [{ key: 'a', weight: -1 }, { key: 'b', weight: 2 }]],
    ['NaN weight', [{ key: 'a', weight: Number.NaN }]],
    ['infinite weight', [{ key: 'a', weight: Number.POSITIVE_INFINITY }]],
  ])('throws invalid_weights: %s', (_name, arms) => {
    expect(() => pickArm('seed', arms)).toThrow(expect.objectContaining({ code: 'invalid_weights' }));
  });
});

describe('spreadOffsetMs', () => {
  const HOUR = 3_600_000;
  it('is a whole number of ms in [0, spread), fixed per seed, and 0 without a spread', () => {
    for (let i = 0; i < 2000; i++) {
      const offset = spreadOffsetMs(`spread:${seedFor(i)}`, HOUR);
      expect(Number.isInteger(offset)).toBe(true);
      expect(offset).toBeGreaterThanOrEqual(0);
      expect(offset).toBeLessThan(HOUR);
      expect(spreadOffsetMs(`spread:${seedFor(i)}`, HOUR)).toBe(offset);
    }
    expect(spreadOffsetMs('spread:jv1:c1:wait', 0)).toBe(0);
    // Pinned: a change here moves the wake-up of every customer parked in a spread wait.
    expect(spreadOffsetMs('spread:jv1:c1:wait', HOUR)).toBe(Math.floor(hashToUnit('spread:jv1:c1:wait') * HOUR));
  });

  it('covers the whole spread evenly: each sixth of an hour gets 1/6 of the customers, within 10%', () => {
    const n = 12_000;
    const sixths = new Array<number>(6).fill(0);
    for (let i = 0; i < n; i++) sixths[Math.floor(spreadOffsetMs(`spread:jv1:customer-${i}:launch`, HOUR) / (HOUR / 6))]++;
    for (const count of sixths) expect(Math.abs(count - n / 6)).toBeLessThan(n / 60);
  });
});

describe('inGlobalHoldout', () => {
  const ids = Array.from({ length: 10_000 }, (_, i) => `customer-${i}`);
  it.each([0, 5, 30, 50])('holds out about %i%% of customers, the same ones every time', (percent) => {
    const held = ids.filter((id) => inGlobalHoldout(id, percent));
    expect(Math.abs(held.length / ids.length - percent / 100)).toBeLessThan(0.015);
    expect(ids.filter((id) => inGlobalHoldout(id, percent))).toEqual(held);
  });
  it('a larger holdout contains the smaller one (raising the percent never releases anyone)', () => {
    expect(ids.filter((id) => inGlobalHoldout(id, 5)).every((id) => inGlobalHoldout(id, 30))).toBe(true);
  });
});
