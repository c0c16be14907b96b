/**
 * evaluateRule (JavaScript, one customer) against compileSegment (PostgreSQL) on random rules, random
 * profiles and random event histories: for every (rule, customer) both must give the same answer.
 *
 * Each property run generates one rule and a cohort of customers, writes the cohort into the test
 * database, asks PostgreSQL for the membership of the whole cohort in one query and compares with the
 * evaluator, customer by customer. The vocabulary is small on purpose, so conditions often hold, and
 * is full of edges: JSON null, numbers as text, dates in every shape segment_timestamptz accepts or
 * refuses, event times exactly on window boundaries around a fixed NOW.
 *
 * Replay a failure: JE_AGREEMENT_SEED=<seed> (and JE_AGREEMENT_PATH=<path>, both printed on failure).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import fc from 'fast-check';
import type { DataSource } from 'typeorm';
import { createDataSource } from '../../store/data-source.js';
import { testDatabaseUrl } from '../../test/support/env.js';
import { compileSegment, evaluateRule, validateSegmentRule, type CustomerFacts, type PropertyFilter, type SegmentRule } from './index.js';

const NOW = Date.parse('2030-06-15T12:00:00.000Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const RUNS = 500;
const COHORT = 40;

const iso = (offset: number) => new Date(NOW + offset).toISOString();

// ---------------------------------------------------------------------------------------------------
// The vocabulary

/** Event times relative to NOW: on, just inside and just outside the windows the durations below make. */
const EVENT_OFFSETS = [0, 1, HOUR, -1, -HOUR, -2 * HOUR, -DAY, -DAY - 1, -DAY + 1, -2 * DAY, -3 * DAY, -7 * DAY, -7 * DAY + 1, -7 * DAY - 1, -8 * DAY, -30 * DAY];
const DURATIONS = ['PT1H', 'PT2H', 'P1D', 'P3D', 'P7D', 'P1W', 'PT0.001S'];

/** Trait text read as dates, including what PostgreSQL reads differently from a lenient ISO parser. */
const DATE_TEXTS = [
  ...[0, 1, -HOUR, -DAY, -7 * DAY, -7 * DAY + 1, -7 * DAY - 1, -30 * DAY, 3 * DAY].map(iso),
  '2030-06-15', '2030-06-08', '2030-06-14',
  '2030-06-15T20:00:00+08:00', '2030-06-08T20:00+08', '2030-06-08T04:00:00-0800', '2030-06-15 12:00',
  '2030-06-15T12:00:00.0005Z', '2030-06-08T12:00:00.0000004Z', '2030-06-08T12:00:00.0000006Z',
  '2030-06-15T11:59:59.9999996Z', '2030-06-15T12:00:00.0000005Z', '2030-06-14T24:00', '2030-06-15T11:59:60',
  '2030-02-31', '2029-02-29', '0000-01-01', '2030-06-15t12:00:00z', '2030-06-15T12', '2030-06-15T12:00:00+16:00', '2030-06-15T12:00Z ',
];
const TEXTS = ['C1', 'C2', 'C3', 'c2', 'vip', 'VIP', 'fund', 'fun', '', 'a%_b', `O'Brien "x" \\`, '1', '1.5', '100', '1e2', 'true', 'null'];
const NUMBERS = [0, 1, 1.5, 100, -2, 0.3, 0.1 + 0.2, 1e21];
const OTHERS: unknown[] = [
  null, true, false,
  ['vip', 'fund'], [1, '1'], [], [null], [1.5, true], ['C2'], [['vip']], [iso(-DAY)],
  { x: 'C2' }, {}, { x: { y: 1 }, 0: 'vip' },
];
const ORDER = ['C1', 'C2', 'C3'];

/** Any JSON value of the vocabulary, dates and text more often than the rest. */
const jsonValue = fc.oneof(
  { arbitrary: fc.constantFrom(...DATE_TEXTS), weight: 3 },
  { arbitrary: fc.constantFrom(...TEXTS), weight: 3 },
  { arbitrary: fc.constantFrom(...NUMBERS), weight: 2 },
  { arbitrary: fc.constantFrom(...OTHERS), weight: 2 },
);
/** Event property values: fewer, so filters often hold. */
const propertyValue = fc.constantFrom<unknown>('F1', 'F2', 1, '1', 1.5, null, true, iso(-DAY), ['F1', 'F2'], 'C2');

const timeOperand = fc.oneof(
  fc.constantFrom<unknown>(iso(0), iso(-7 * DAY), iso(-DAY), '2030-06-15', '2030-06-08', '2030-06-15T20:00:00+08:00', '2030-06-15T12:00:00.0005Z'),
  fc.constantFrom(...DURATIONS).map((d) => ({ ago: d })),
  fc.constantFrom(...DURATIONS).map((d) => ({ ahead: d })),
);

type Cmp = { op: string; value?: unknown; order?: string[] };

/** An operator with a valid operand; `values` is where eq/in/contains operands come from. */
function comparison(values: fc.Arbitrary<unknown>): fc.Arbitrary<Cmp> {
  const ordered = fc.constantFrom('gt', 'gte', 'lt', 'lte');
  const number = fc.constantFrom(...NUMBERS);
  const scalar = values.filter((v) => ['string', 'number', 'boolean'].includes(typeof v));
  return fc.oneof(
    fc.record({ op: fc.constantFrom('eq', 'neq'), value: values }),
    fc.record({ op: fc.constantFrom('in', 'not_in'), value: fc.array(values, { minLength: 1, maxLength: 3 }) }),
    fc.record({ op: ordered, value: number }),
    fc.record({ op: ordered, value: timeOperand }),
    fc.record({ op: ordered, value: fc.constantFrom(...ORDER), order: fc.constant(ORDER) }),
    fc.tuple(number, number).map(([a, b]) => ({ op: 'between', value: [Math.min(a, b), Math.max(a, b)] })),
    fc.tuple(timeOperand, timeOperand).map((pair) => ({ op: 'between', value: pair })),
    fc.tuple(fc.constantFrom(...ORDER), fc.constantFrom(...ORDER)).map((pair) => ({ op: 'between', value: pair, order: ORDER })),
    fc.record({ op: fc.constant('within_last'), value: fc.constantFrom(...DURATIONS) }),
    fc.record({ op: fc.constantFrom('exists', 'not_exists') }),
    fc.record({ op: fc.constant('contains'), value: scalar }),
    fc.record({ op: fc.constant('starts_with'), value: scalar.filter((v): v is string => typeof v === 'string' && v !== '') }),
  );
}

const TRAIT_PATHS = ['a', 'b', 'o.x', 'o.0', 'o.x.y', 'l.0', 'l.01', 'l.1', 'n'];
const PROPERTY_PATHS = ['p', 'q', 'o.x', 'p.0'];
const EVENT_NAMES = ['view', 'trade', 'login'];

const traitRule = fc.tuple(fc.constantFrom(...TRAIT_PATHS), comparison(jsonValue)).map(([trait, cmp]) => ({ trait, ...cmp }));
const where = fc.array(
  fc.tuple(fc.constantFrom(...PROPERTY_PATHS), comparison(propertyValue)).map(([property, cmp]) => ({ property, ...cmp }) as PropertyFilter),
  { maxLength: 2 },
);
const count = fc.oneof(
  fc.integer({ min: 1, max: 3 }).map((gte) => ({ gte })),
  fc.integer({ min: 0, max: 2 }).map((lte) => ({ lte })),
  fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })).map(([a, b]) => ({ gte: Math.min(a, b), lte: Math.max(a, b) })),
);
const timeRange = fc.oneof(
  fc.record({ before: timeOperand }),
  fc.record({ after: timeOperand }),
  fc.record({ before: timeOperand, after: timeOperand }),
);
const eventName = fc.constantFrom(...EVENT_NAMES);
const eventRule = fc.oneof(
  fc.record({ event: eventName, where, count, within: fc.constantFrom(...DURATIONS) }, { requiredKeys: ['event'] }),
  fc.record({
    event: eventName,
    where,
    count,
    after_event: fc.record(
      { event: eventName, where, occurrence: fc.constantFrom('first', 'last'), within: fc.constantFrom(...DURATIONS) },
      { requiredKeys: ['event'] },
    ),
  }, { requiredKeys: ['event', 'after_event'] }),
  fc.record({ event: eventName, where, first: timeRange }, { requiredKeys: ['event', 'first'] }),
  fc.record({ event: eventName, where, last: timeRange }, { requiredKeys: ['event', 'last'] }),
);

/** Stored segments that rules may refer to; the second refers to the first. */
const STORED: Record<string, SegmentRule> = {
  seg_a: { trait: 'a', op: 'in', value: ['C2', 'C3', 1] },
  seg_b: { or: [{ segment: 'seg_a' }, { event: 'trade', within: 'P7D', where: [{ property: 'p', op: 'eq', value: 'F1' }] }] },
};
const reference = fc.constantFrom(...Object.keys(STORED)).map((segment) => ({ segment }));

const leaf = fc.oneof({ arbitrary: traitRule, weight: 5 }, { arbitrary: eventRule, weight: 4 }, { arbitrary: reference, weight: 1 });

function ruleOfDepth(depth: number): fc.Arbitrary<unknown> {
  if (depth === 0) return leaf;
  const child = ruleOfDepth(depth - 1);
  return fc.oneof(
    { arbitrary: leaf, weight: 3 },
    { arbitrary: fc.array(child, { minLength: 1, maxLength: 3 }).map((and) => ({ and })), weight: 1 },
    { arbitrary: fc.array(child, { minLength: 1, maxLength: 3 }).map((or) => ({ or })), weight: 1 },
    { arbitrary: child.map((not) => ({ not })), weight: 1 },
  );
}
const rule = ruleOfDepth(3).filter((r) => validateSegmentRule(r).ok) as fc.Arbitrary<SegmentRule>;

const traits = fc.record(
  {
    a: jsonValue,
    b: jsonValue,
    o: fc.oneof(fc.record({ x: jsonValue, 0: jsonValue, y: jsonValue }, { requiredKeys: [] }), jsonValue),
    l: fc.oneof(fc.array(jsonValue, { maxLength: 3 }), jsonValue),
  },
  { requiredKeys: [] },
) as fc.Arbitrary<Record<string, unknown>>;
const event = fc.record({
  name: eventName,
  eventTime: fc.constantFrom(...EVENT_OFFSETS).map((offset) => NOW + offset),
  properties: fc.record({ p: propertyValue, q: propertyValue, o: fc.record({ x: propertyValue }) }, { requiredKeys: [] }) as fc.Arbitrary<Record<string, unknown>>,
});
const customer: fc.Arbitrary<CustomerFacts> = fc.record({ traits, events: fc.array(event, { maxLength: 8 }) });

// ---------------------------------------------------------------------------------------------------
// Both sides

let db: DataSource;
const run = randomUUID().slice(0, 8);
let batch = 0;

beforeAll(async () => {
  db = createDataSource(testDatabaseUrl(), { poolSize: 2, applicationName: 'test-segment-agreement' });
  await db.initialize();
});
afterAll(async () => {
  if (db?.isInitialized) {
    // Normally each batch removes its own rows; this catches a batch interrupted by a failure.
    await db.query(`DELETE FROM events WHERE customer_id LIKE $1`, [`agr-${run}-%`]);
    await db.query(`DELETE FROM customers WHERE id LIKE $1`, [`agr-${run}-%`]);
  }
  await db?.destroy();
});

/** Writes the cohort (marked dispatched, so no event dispatcher of another test picks it up); returns the ids. */
async function insertCohort(cohort: CustomerFacts[]): Promise<string[]> {
  const prefix = `agr-${run}-${++batch}`;
  const ids = cohort.map((_, i) => `${prefix}-${i}`);
  const customers = cohort.map((c, i) => ({ id: ids[i], traits: c.traits }));
  const events = cohort.flatMap((c, i) =>
    c.events.map((e, j) => ({ event_id: `${ids[i]}-${j}`, customer_id: ids[i], name: e.name, event_time: new Date(e.eventTime).toISOString(), properties: e.properties })),
  );
  await db.query(`INSERT INTO customers (id, traits) SELECT id, traits FROM jsonb_to_recordset($1::jsonb) AS x(id text, traits jsonb)`, [JSON.stringify(customers)]);
  await db.query(
    `INSERT INTO events (event_id, customer_id, name, event_time, received_at, dispatched_at, properties)
     SELECT event_id, customer_id, name, event_time, event_time, event_time, properties
     FROM jsonb_to_recordset($1::jsonb) AS x(event_id text, customer_id text, name text, event_time timestamptz, properties jsonb)`,
    [JSON.stringify(events)],
  );
  return ids;
}

async function removeCohort(ids: string[]): Promise<void> {
  await db.query(`DELETE FROM events WHERE customer_id = ANY($1::text[])`, [ids]);
  await db.query(`DELETE FROM customers WHERE id = ANY($1::text[])`, [ids]);
}

/** Membership of each id by the compiled SQL at NOW, references resolved from STORED. */
async function sqlMembership(r: SegmentRule, ids: string[]): Promise<Map<string, boolean>> {
  const { sql, params } = compileSegment(r, { paramOffset: 1, now: new Date(NOW), resolve: (key) => STORED[key] });
  const rows: { id: string; member: boolean }[] = await db.query(`SELECT c.id, ${sql} AS member FROM customers c WHERE c.id = ANY($1::text[])`, [ids, ...params]);
  return new Map(rows.map((row) => [row.id, row.member]));
}

/** The evaluator's decision, with the stored segments' membership decided by the evaluator too. */
function jsDecision(r: SegmentRule, c: CustomerFacts): { result: boolean; values: Record<string, unknown> } {
  const segments: Record<string, boolean> = {};
  segments.seg_a = evaluateRule(STORED.seg_a, c, { now: NOW }).result;
  segments.seg_b = evaluateRule(STORED.seg_b, c, { now: NOW, segments }).result;
  return evaluateRule(r, c, { now: NOW, segments });
}

test(`the evaluator agrees with the SQL on ${RUNS} random rules x ${COHORT} random customers`, async () => {
  const seed = Number(process.env.JE_AGREEMENT_SEED ?? Date.now() % 2 ** 31);
  const path = process.env.JE_AGREEMENT_PATH;
  console.log(`segment agreement: seed ${seed} (replay with JE_AGREEMENT_SEED=${seed})`);
  const started = Date.now();
  let cases = 0;
  let members = 0;
  await fc.assert(
    fc.asyncProperty(rule, fc.array(customer, { minLength: COHORT, maxLength: COHORT }), async (r, cohort) => {
      const ids = await insertCohort(cohort);
      try {
        const sql = await sqlMembership(r, ids);
        cohort.forEach((c, i) => {
          const js = jsDecision(r, c);
          if (js.result !== sql.get(ids[i])) {
            throw new Error(
              `JS says ${js.result}, SQL says ${sql.get(ids[i])} at NOW ${iso(0)}\n` +
                `rule: ${JSON.stringify(r)}\ncustomer: ${JSON.stringify(c)}\nvalues: ${JSON.stringify(js.values)}`,
            );
          }
          cases += 1;
          if (js.result) members += 1;
        });
      } finally {
        await removeCohort(ids);
      }
    }),
    { numRuns: RUNS, seed, path },
  );
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`segment agreement: ${cases} (rule, customer) cases agreed in ${seconds} s (${members} members), seed ${seed}`);
  expect(cases).toBeGreaterThanOrEqual(10_000);
  // The vocabulary is meant to make both outcomes common; a generator that drifts to one is useless.
  expect(members / cases).toBeGreaterThan(0.1);
  expect(members / cases).toBeLessThan(0.9);
});
