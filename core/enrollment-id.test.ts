/** Run ids are injective in (journey, customer, entry key, run), and unchanged for parts without `:` or `%`. */
import { describe, expect, it } from '@jest/globals';
import { enrollmentIdOf } from './enrollment.js';

describe('enrollmentIdOf', () => {
  it.each<[string, [string, string, number], string]>([
    ['a plain customer, as before', ['c-42', '', 1], 'journey:j:customer:c-42:run:1'],
    ['a plain customer and entry key, as before', ['c-42', 'fund-F1', 2], 'journey:j:customer:c-42:key:fund-F1:run:2'],
    ['a customer id with a colon', ['x:key:k', '', 1], 'journey:j:customer:x%3Akey%3Ak:run:1'],
    ['an entry key with a colon', ['x', 'k:run:9', 1], 'journey:j:customer:x:key:k%3Arun%3A9:run:1'],
    ['a percent sign (the escape itself)', ['50%3A', '', 1], 'journey:j:customer:50%253A:run:1'],
  ])('%s', (_name, [customer, key, seq], id) => {
    expect(enrollmentIdOf('j', customer, key, seq)).toBe(id);
  });

  it('gives customer x with key k and customer x:key:k different ids (they collided before)', () => {
    expect(enrollmentIdOf('j', 'x', 'k', 1)).not.toBe(enrollmentIdOf('j', 'x:key:k', '', 1));
    expect(enrollmentIdOf('j', 'x:run:1', '', 1)).not.toBe(enrollmentIdOf('j', 'x', '', 1));
  });

  it('never maps two different inputs to one id (sampled over tricky parts)', () => {
    const parts = ['', 'x', 'k', 'x:key:k', 'key', ':', '%', '%3A', 'x%3Akey%3Ak', 'a:b', 'run:1', 'x:run:1'];
    const seen = new Map<string, string>();
    for (const customer of parts.filter(Boolean)) {
      for (const key of parts) {
        for (const seq of [1, 2]) {
          const id = enrollmentIdOf('j', customer, key, seq);
          const input = JSON.stringify([customer, key, seq]);
          expect(seen.get(id) ?? input).toBe(input);
          seen.set(id, input);
        }
      }
    }
  });
});
