/**
 * Property tests over the three validators user documents meet first: the canvas validator, the
 * segment rule validator and the event batch validator. On random JSON and on valid documents
 * mutated at random places (a value replaced, a key dropped, a document nested deeper), none of them
 * throws: each accepts, or answers 4xx-shaped issues (a stable code and a JSON path into the document).
 * Pure: no services. Replay a failure with JE_PROPERTY_SEED=<seed> (printed by fast-check).
 */
import fs from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { ApiError } from '../../api/http/api-error.js';
import { parseEventBatch } from '../../api/events/event-batch.validation.js';
import { validateCanvas } from '../../engine/validate.js';
import { validateSegmentRule } from '../../engine/segments/index.js';

const RUNS = Number(process.env.JE_PROPERTY_RUNS ?? 300);
const SEED = process.env.JE_PROPERTY_SEED ? Number(process.env.JE_PROPERTY_SEED) : undefined;
const params = { numRuns: RUNS, ...(SEED !== undefined ? { seed: SEED } : {}) };

type Json = unknown;

/** Every [parent, key] of a document, found iteratively. */
function slots(doc: Json): [Record<string, Json> | Json[], string | number][] {
  const out: [Record<string, Json> | Json[], string | number][] = [];
  const stack: Json[] = [doc];
  while (stack.length > 0) {
    const value = stack.pop();
    if (Array.isArray(value)) {
      value.forEach((v, i) => {
        out.push([value, i]);
        stack.push(v);
      });
    } else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        out.push([value as Record<string, Json>, k]);
        stack.push(v);
      }
    }
  }
  return out;
}

/** A mutation: where (an index into the slots), what (replace, delete, wrap deeper), and a random value. */
const mutation = fc.tuple(fc.nat(), fc.constantFrom('replace', 'delete', 'wrap', 'stringify'), fc.jsonValue({ maxDepth: 3 }));

function mutate(original: Json, mutations: [number, string, Json][]): Json {
  const doc = structuredClone(original);
  for (const [where, what, value] of mutations) {
    const all = slots(doc);
    if (all.length === 0) return value;
    const [parent, key] = all[where % all.length];
    const p = parent as Record<string | number, Json>;
    if (what === 'replace') p[key] = value;
    else if (what === 'delete' && Array.isArray(parent)) parent.splice(key as number, 1);
    else if (what === 'delete') delete p[key];
    else if (what === 'wrap') p[key] = { nested: [p[key]] };
    else p[key] = JSON.stringify(p[key] ?? null);
  }
  return doc;
}

/** A mutated copy of one of `seeds`, or (one time in five) any JSON value at all. */
function documents(seeds: Json[]): fc.Arbitrary<Json> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...seeds), fc.array(mutation, { minLength: 0, maxLength: 4 })).map(([seed, m]) => mutate(seed, m)) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 5 }) },
  );
}

const ISSUE = { code: expect.stringMatching(/^[a-z_]+$/), message: expect.any(String), path: expect.stringMatching(/^\$/) };

const examples = ['quickstart', 'onboarding', 'winback', 'fund-launch'].map((name) => JSON.parse(fs.readFileSync(new URL(`../../examples/${name}.json`, import.meta.url), 'utf8')) as Json);

describe('the canvas validator', () => {
  it('accepts the examples as they are (so mutations start from valid canvases)', () => {
    for (const doc of examples) expect(validateCanvas(doc)).toEqual([]);
  });

  it('never throws on random or mutated canvases, and answers issues with a code and a JSON path', () => {
    fc.assert(
      fc.property(documents(examples), (doc) => {
        const issues = validateCanvas(doc);
        expect(Array.isArray(issues)).toBe(true);
        for (const issue of issues) expect(issue).toMatchObject(ISSUE);
      }),
      params,
    );
  });
});

const RULES: Json[] = [
  { trait: 'city', op: 'eq', value: 'Shanghai' },
  { trait: 'registered_at', op: 'between', value: ['2025-01-01', { ago: 'P1D' }] },
  { trait: 'risk_level', op: 'gte', value: 'C3', order: ['C1', 'C2', 'C3', 'C4', 'C5'] },
  {
    and: [
      { trait: 'registered_at', op: 'within_last', value: 'P7D' },
      { not: { trait: 'tags', op: 'contains', value: 'vip' } },
      { event: 'page_viewed', where: [{ property: 'page', op: 'eq', value: 'fund' }], count: { gte: 3 } },
      { or: [{ trait: 'assets', op: 'between', value: [0, 100] }, { trait: 'next_review', op: 'lt', value: { ahead: 'P7D' } }] },
    ],
  },
];

describe('the segment rule validator', () => {
  it('accepts the seed rules as they are', () => {
    for (const rule of RULES) expect(validateSegmentRule(rule)).toEqual({ ok: true, rule });
  });

  it('never throws on random or mutated rules, and answers issues with a code and a JSON path', () => {
    fc.assert(
      fc.property(documents(RULES), (rule) => {
        const result = validateSegmentRule(rule);
        if (!result.ok) {
          expect(result.errors.length).toBeGreaterThan(0);
          for (const issue of result.errors) expect(issue).toMatchObject(ISSUE);
        }
      }),
      params,
    );
  });
});

const NOW = Date.parse('2026-06-01T00:00:00Z');
const EVENT = { eventId: 'e-1', customerId: 'c-1', name: 'page_view', eventTime: '2026-05-31T09:30:00+08:00', properties: { page: 'fund' } };
const BATCHES: Json[] = [{ events: [EVENT] }, { events: [EVENT, { ...EVENT, eventId: 'e-2', eventTime: NOW - 1000 }, { ...EVENT, eventId: 'e-3' }] }];

describe('the event batch validator', () => {
  it('accepts the seed batches whole', () => {
    for (const batch of BATCHES) expect(parseEventBatch(batch, { now: NOW }).rejected).toEqual([]);
  });

  it('never throws anything but a 4xx ApiError; otherwise sorts every item into accepted or refused with issues at its own path', () => {
    fc.assert(
      fc.property(documents(BATCHES), (body) => {
        let batch;
        try {
          batch = parseEventBatch(body, { now: NOW, maxFutureSkewMs: 300_000 });
        } catch (err) {
          expect(err).toBeInstanceOf(ApiError);
          const { status, code } = err as ApiError;
          expect([status, code]).toEqual([expect.any(Number), expect.stringMatching(/^[a-z_]+$/)]);
          expect(status >= 400 && status < 500).toBe(true);
          return;
        }
        const items = (body as { events: unknown[] }).events;
        expect(batch.events.length + batch.rejected.length).toBe(items.length);
        for (const r of batch.rejected) {
          expect(r.issues.length).toBeGreaterThan(0);
          for (const issue of r.issues) expect(issue).toMatchObject({ ...ISSUE, path: expect.stringMatching(new RegExp(`^\\$\\.events\\[${r.index}\\]`)) });
        }
      }),
      params,
    );
  });
});
