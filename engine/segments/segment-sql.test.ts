/**
 * The rule language against real PostgreSQL: every operator, windows at their edges, event time versus
 * arrival time, `not` and empty histories, segment references and cycles, injection attempts.
 * Each case gets its own customer ids, so other test files sharing the database never interfere.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { DataSource } from 'typeorm';
import { createDataSource } from '../../store/data-source.js';
import { testDatabaseUrl } from '../../test/support/env.js';
import { explainMembership, segmentMembership } from '../../core/segments/membership.js';
import { compileSegment, type SegmentRule } from './index.js';

const NOW = new Date('2030-06-15T12:00:00.000Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ago = (ms: number) => new Date(NOW.getTime() - ms);

interface FixtureEvent {
  name: string;
  at: Date;
  properties?: Record<string, unknown>;
  /** Arrival time; default: the event time. */
  receivedAt?: Date;
}

let db: DataSource;
const run = randomUUID().slice(0, 8);
let seq = 0;

beforeAll(async () => {
  db = createDataSource(testDatabaseUrl(), { poolSize: 2, applicationName: 'test-segment-sql' });
  await db.initialize();
});
afterAll(async () => {
  await db?.destroy();
});

/** A customer of its own with these traits and events; returns the id. */
async function customer(traits: Record<string, unknown> = {}, events: FixtureEvent[] = []): Promise<string> {
  const id = `seg-${run}-${++seq}`;
  await db.query(`INSERT INTO customers (id, traits) VALUES ($1, $2::jsonb)`, [id, JSON.stringify(traits)]);
  for (const [i, e] of events.entries()) {
    await db.query(
      `INSERT INTO events (event_id, customer_id, name, event_time, received_at, properties) VALUES ($1, $2, $3, $4, $5, $6::jsonb)`,
      [`${id}-${i}`, id, e.name, e.at, e.receivedAt ?? e.at, JSON.stringify(e.properties ?? {})],
    );
  }
  return id;
}

/** Whether the customer is in the segment, by the compiled SQL, at NOW. */
async function isMember(rule: SegmentRule, customerId: string, resolve?: (key: string) => unknown): Promise<boolean> {
  const { sql, params } = compileSegment(rule, { paramOffset: 1, now: NOW, resolve });
  const rows: { member: boolean }[] = await db.query(`SELECT ${sql} AS member FROM customers c WHERE c.id = $1`, [customerId, ...params]);
  expect(rows).toHaveLength(1);
  return rows[0].member;
}

type Case = [string, SegmentRule, boolean];

describe('trait operators', () => {
  const traits = {
    risk_level: 'C3',
    assets: 120_000.5,
    city: 'Shanghai',
    tags: ['vip', 'fund'],
    registered_at: ago(3 * DAY).toISOString(),
    birthday: '1990-05-01',
    nothing: null,
    address: { city: 'Hangzhou', zip: '310000' },
    kyc: true,
    quote: `O'Brien "the" \\ 100%_`,
  };
  const cases: Case[] = [
    ['eq text', { trait: 'city', op: 'eq', value: 'Shanghai' }, true],
    ['eq is case sensitive', { trait: 'city', op: 'eq', value: 'shanghai' }, false],
    ['eq number equals 120000.50', { trait: 'assets', op: 'eq', value: 120000.5 }, true],
    ['eq boolean', { trait: 'kyc', op: 'eq', value: true }, true],
    ['eq does not coerce number to text', { trait: 'assets', op: 'eq', value: '120000.5' }, false],
    ['eq nested path', { trait: 'address.city', op: 'eq', value: 'Hangzhou' }, true],
    ['eq array index', { trait: 'tags.0', op: 'eq', value: 'vip' }, true],
    ['eq missing trait', { trait: 'missing', op: 'eq', value: 'x' }, false],
    ['neq other', { trait: 'city', op: 'neq', value: 'Beijing' }, true],
    ['neq same', { trait: 'city', op: 'neq', value: 'Shanghai' }, false],
    ['neq missing holds', { trait: 'missing', op: 'neq', value: 'x' }, true],
    ['neq JSON null counts as missing', { trait: 'nothing', op: 'neq', value: 'x' }, true],
    ['in', { trait: 'risk_level', op: 'in', value: ['C3', 'C4'] }, true],
    ['in not listed', { trait: 'risk_level', op: 'in', value: ['C4', 'C5'] }, false],
    ['in mixed types', { trait: 'assets', op: 'in', value: ['x', 120000.5] }, true],
    ['not_in', { trait: 'risk_level', op: 'not_in', value: ['C4', 'C5'] }, true],
    ['not_in listed', { trait: 'risk_level', op: 'not_in', value: ['C3'] }, false],
    ['not_in missing holds', { trait: 'missing', op: 'not_in', value: ['C3'] }, true],
    ['gt', { trait: 'assets', op: 'gt', value: 120000 }, true],
    ['gt at the value', { trait: 'assets', op: 'gt', value: 120000.5 }, false],
    ['gte at the value', { trait: 'assets', op: 'gte', value: 120000.5 }, true],
    ['lt', { trait: 'assets', op: 'lt', value: 120000.5 }, false],
    ['lte at the value', { trait: 'assets', op: 'lte', value: 120000.5 }, true],
    ['between inclusive low', { trait: 'assets', op: 'between', value: [120000.5, 200000] }, true],
    ['between inclusive high', { trait: 'assets', op: 'between', value: [0, 120000.5] }, true],
    ['between outside', { trait: 'assets', op: 'between', value: [0, 100000] }, false],
    ['numeric op on text trait is false', { trait: 'city', op: 'gt', value: 0 }, false],
    ['numeric op on missing trait is false', { trait: 'missing', op: 'lt', value: 10 }, false],
    ['rank gte C3 with C3', { trait: 'risk_level', op: 'gte', value: 'C3', order: ['C1', 'C2', 'C3', 'C4', 'C5'] }, true],
    ['rank gt C3 with C3', { trait: 'risk_level', op: 'gt', value: 'C3', order: ['C1', 'C2', 'C3', 'C4', 'C5'] }, false],
    ['rank lt C4', { trait: 'risk_level', op: 'lt', value: 'C4', order: ['C1', 'C2', 'C3', 'C4', 'C5'] }, true],
    ['rank between C1 and C2', { trait: 'risk_level', op: 'between', value: ['C1', 'C2'], order: ['C1', 'C2', 'C3', 'C4', 'C5'] }, false],
    ['date after an ISO date', { trait: 'registered_at', op: 'gt', value: '2030-06-01' }, true],
    ['date-only trait as UTC midnight', { trait: 'birthday', op: 'gte', value: '1990-05-01T00:00:00Z' }, true],
    ['date-only trait is not after its own midnight', { trait: 'birthday', op: 'gt', value: '1990-05-01T00:00:00Z' }, false],
    ['date with offset', { trait: 'birthday', op: 'lt', value: '1990-05-01T07:59:00+08:00' }, false],
    ['date after relative', { trait: 'registered_at', op: 'gte', value: { ago: 'P7D' } }, true],
    ['date before relative', { trait: 'registered_at', op: 'lt', value: { ago: 'P7D' } }, false],
    ['date before ahead', { trait: 'registered_at', op: 'lt', value: { ahead: 'P1D' } }, true],
    ['date between', { trait: 'registered_at', op: 'between', value: [{ ago: 'P4D' }, { ago: 'P2D' }] }, true],
    ['within_last', { trait: 'registered_at', op: 'within_last', value: 'P7D' }, true],
    ['within_last too short', { trait: 'registered_at', op: 'within_last', value: 'P2D' }, false],
    ['date op on a non-date text is false', { trait: 'city', op: 'gt', value: { ago: 'P7D' } }, false],
    ['exists', { trait: 'city', op: 'exists' }, true],
    ['exists on JSON null', { trait: 'nothing', op: 'exists' }, false],
    ['not_exists missing', { trait: 'missing', op: 'not_exists' }, true],
    ['not_exists nested missing', { trait: 'address.street', op: 'not_exists' }, true],
    ['contains substring', { trait: 'city', op: 'contains', value: 'ngha' }, true],
    ['contains not substring', { trait: 'city', op: 'contains', value: 'Beij' }, false],
    ['contains array element', { trait: 'tags', op: 'contains', value: 'fund' }, true],
    ['contains no array element', { trait: 'tags', op: 'contains', value: 'fun' }, false],
    ['starts_with', { trait: 'city', op: 'starts_with', value: 'Shang' }, true],
    ['starts_with is not contains', { trait: 'city', op: 'starts_with', value: 'hai' }, false],
    ['starts_with on a number is false', { trait: 'assets', op: 'starts_with', value: '12' }, false],
    ['quotes and wildcards match literally', { trait: 'quote', op: 'eq', value: `O'Brien "the" \\ 100%_` }, true],
    ['LIKE wildcards are not wildcards', { trait: 'quote', op: 'contains', value: '%_x' }, false],
    ['LIKE wildcards match literally', { trait: 'quote', op: 'contains', value: '100%_' }, true],
    ['quotes in a list', { trait: 'quote', op: 'in', value: ['x', `O'Brien "the" \\ 100%_`] }, true],
  ];
  let id: string;
  beforeAll(async () => {
    id = await customer(traits);
  });
  test.each(cases)('%s', async (_name, rule, expected) => {
    expect(await isMember(rule, id)).toBe(expected);
  });
});

describe('event rules', () => {
  let id: string;
  let quiet: string;
  beforeAll(async () => {
    id = await customer({}, [
      { name: 'registered', at: ago(10 * DAY) },
      { name: 'fund_viewed', at: ago(1 * DAY), properties: { fund_code: 'F1', page: { section: 'bonds' }, amount: 500 } },
      { name: 'fund_viewed', at: ago(2 * DAY), properties: { fund_code: 'F1', amount: 1500 } },
      { name: 'fund_viewed', at: ago(8 * DAY), properties: { fund_code: 'F2', amount: 50 } },
      { name: 'account_opened', at: ago(6 * DAY) },
      { name: 'trade', at: ago(3 * DAY), properties: { side: 'buy' } },
      { name: 'trade', at: ago(30 * DAY), properties: { side: 'sell' } },
    ]);
    quiet = await customer({ risk_level: 'C1' });
  });
  const cases: Case[] = [
    ['performed ever', { event: 'fund_viewed' }, true],
    ['never performed', { event: 'deposit' }, false],
    ['not performed (count lte 0)', { event: 'deposit', count: { lte: 0 } }, true],
    ['at least 3 ever', { event: 'fund_viewed', count: { gte: 3 } }, true],
    ['at least 4 ever', { event: 'fund_viewed', count: { gte: 4 } }, false],
    ['at most 3', { event: 'fund_viewed', count: { lte: 3 } }, true],
    ['at most 2', { event: 'fund_viewed', count: { lte: 2 } }, false],
    ['exactly 3', { event: 'fund_viewed', count: { gte: 3, lte: 3 } }, true],
    ['between 1 and 2', { event: 'fund_viewed', count: { gte: 1, lte: 2 } }, false],
    ['within P7D', { event: 'fund_viewed', within: 'P7D', count: { gte: 2, lte: 2 } }, true],
    ['where eq', { event: 'fund_viewed', where: [{ property: 'fund_code', op: 'eq', value: 'F1' }], count: { gte: 2 } }, true],
    ['where nested property', { event: 'fund_viewed', where: [{ property: 'page.section', op: 'eq', value: 'bonds' }] }, true],
    ['where numeric range', { event: 'fund_viewed', where: [{ property: 'amount', op: 'between', value: [100, 1000] }], count: { gte: 1, lte: 1 } }, true],
    ['where all filters must hold', { event: 'fund_viewed', where: [{ property: 'fund_code', op: 'eq', value: 'F2' }, { property: 'amount', op: 'gt', value: 100 }] }, false],
    ['where not_exists', { event: 'trade', where: [{ property: 'side', op: 'not_exists' }] }, false],
    ['after_event within P7D', { event: 'account_opened', after_event: { event: 'registered', within: 'P7D' } }, true],
    ['after_event within P3D: none', { event: 'account_opened', count: { lte: 0 }, after_event: { event: 'registered', within: 'P3D' } }, true],
    ['after_event without within', { event: 'trade', count: { gte: 2 }, after_event: { event: 'registered' } }, false],
    ['after_event anchor never performed', { event: 'account_opened', count: { lte: 0 }, after_event: { event: 'never_happened' } }, false],
    ['after_event last occurrence', { event: 'fund_viewed', count: { gte: 1, lte: 1 }, after_event: { event: 'trade' } }, false],
    ['after_event first occurrence', { event: 'fund_viewed', count: { gte: 3 }, after_event: { event: 'trade', occurrence: 'first' } }, true],
    ['first after', { event: 'registered', first: { after: { ago: 'P14D' } } }, true],
    ['first before', { event: 'registered', first: { before: { ago: 'P14D' } } }, false],
    ['last before (lapsed)', { event: 'trade', last: { before: { ago: 'P2D' } } }, true],
    ['last after', { event: 'trade', last: { after: { ago: 'P2D' } } }, false],
    ['first between', { event: 'trade', first: { after: '2030-05-01', before: '2030-05-31T00:00:00Z' } }, true],
    ['first/last of a never-performed event is false', { event: 'deposit', last: { before: { ahead: 'P1D' } } }, false],
    ['last with where', { event: 'trade', where: [{ property: 'side', op: 'eq', value: 'sell' }], last: { before: { ago: 'P29D' } } }, true],
  ];
  test.each(cases)('%s', async (_name, rule, expected) => {
    expect(await isMember(rule, id)).toBe(expected);
  });

  const emptyHistory: Case[] = [
    ['no events: performed is false', { event: 'fund_viewed' }, false],
    ['no events: not performed is true', { event: 'fund_viewed', count: { lte: 0 } }, true],
    ['no events: at most 2 is true', { event: 'fund_viewed', count: { lte: 2 } }, true],
    ['no events: not (performed) is true', { not: { event: 'fund_viewed' } }, true],
    ['not of a missing trait comparison is true', { not: { trait: 'assets', op: 'gt', value: 5 } }, true],
    ['not not', { not: { not: { trait: 'risk_level', op: 'eq', value: 'C1' } } }, true],
    ['and', { and: [{ trait: 'risk_level', op: 'eq', value: 'C1' }, { event: 'fund_viewed', count: { lte: 0 } }] }, true],
    ['and with one false', { and: [{ trait: 'risk_level', op: 'eq', value: 'C1' }, { event: 'fund_viewed' }] }, false],
    ['or with one true', { or: [{ trait: 'risk_level', op: 'eq', value: 'C9' }, { event: 'fund_viewed', count: { lte: 0 } }] }, true],
    ['or all false', { or: [{ trait: 'risk_level', op: 'eq', value: 'C9' }, { event: 'fund_viewed' }] }, false],
  ];
  test.each(emptyHistory)('%s', async (_name, rule, expected) => {
    expect(await isMember(rule, quiet)).toBe(expected);
  });
});

describe('windows at their edges: start excluded, end included', () => {
  const at = (name: string, ms: number): FixtureEvent => ({ name, at: ago(ms) });
  const cases: [string, FixtureEvent[], SegmentRule, boolean][] = [
    ['event exactly 7 days ago is outside P7D', [at('x', 7 * DAY)], { event: 'x', within: 'P7D' }, false],
    ['event 1 ms inside P7D', [at('x', 7 * DAY - 1)], { event: 'x', within: 'P7D' }, true],
    ['event at now is inside', [at('x', 0)], { event: 'x', within: 'PT1S' }, true],
    ['event stamped in the future does not count yet', [at('x', -1)], { event: 'x' }, false],
    ['event exactly at the anchor does not count', [at('a', DAY), at('x', DAY)], { event: 'x', after_event: { event: 'a' } }, false],
    ['event exactly anchor + P3D counts', [at('a', 4 * DAY), at('x', DAY)], { event: 'x', after_event: { event: 'a', within: 'P3D' } }, true],
    ['event 1 ms after anchor + P3D does not', [at('a', 4 * DAY + 1), at('x', DAY)], { event: 'x', after_event: { event: 'a', within: 'P3D' } }, false],
    ['first before its own instant is false', [at('x', DAY)], { event: 'x', first: { before: { ago: 'P1D' } } }, false],
    ['first after its own instant is false', [at('x', DAY)], { event: 'x', first: { after: { ago: 'P1D' } } }, false],
  ];
  test.each(cases)('%s', async (_name, events, rule, expected) => {
    expect(await isMember(rule, await customer({}, events))).toBe(expected);
  });

  test.each([
    ['exactly 7 days ago is outside', 7 * DAY, false],
    ['1 ms later is inside', 7 * DAY - 1, true],
    ['now is inside', 0, true],
    ['1 ms in the future is outside', -1, false],
  ] as const)('trait within_last P7D: %s', async (_name, msAgo, expected) => {
    const id = await customer({ registered_at: ago(msAgo).toISOString() });
    expect(await isMember({ trait: 'registered_at', op: 'within_last', value: 'P7D' }, id)).toBe(expected);
  });
});

describe('event time, not arrival time', () => {
  test('an old event that arrives now is not within a recent window', async () => {
    const id = await customer({}, [{ name: 'trade', at: ago(10 * DAY), receivedAt: NOW }]);
    expect(await isMember({ event: 'trade', within: 'P7D' }, id)).toBe(false);
    expect(await isMember({ event: 'trade' }, id)).toBe(true);
  });
  test('a recent event that arrived late counts by when it happened', async () => {
    const id = await customer({}, [{ name: 'trade', at: ago(HOUR), receivedAt: ago(-HOUR) }]);
    expect(await isMember({ event: 'trade', within: 'PT2H' }, id)).toBe(true);
  });
  test('without `now`, the database clock decides', async () => {
    const id = await customer({}, [{ name: 'login', at: new Date(Date.now() - HOUR) }]);
    const { sql, params } = compileSegment({ event: 'login', within: 'PT2H' }, { paramOffset: 1 });
    const [row]: { member: boolean }[] = await db.query(`SELECT ${sql} AS member FROM customers c WHERE c.id = $1`, [id, ...params]);
    expect(row.member).toBe(true);
  });
});

describe('segment references', () => {
  const stored: Record<string, unknown> = {
    wealthy: { trait: 'assets', op: 'gte', value: 100_000 },
    active: { event: 'trade', within: 'P30D' },
    wealthy_active: { and: [{ segment: 'wealthy' }, { segment: 'active' }] },
    loop_a: { or: [{ segment: 'loop_b' }] },
    loop_b: { and: [{ segment: 'loop_a' }] },
    broken: { trait: 'x', op: 'around', value: 1 },
  };
  const resolve = (key: string) => stored[key];

  test('a reference is decided by the referenced rule, nested references included', async () => {
    const rich = await customer({ assets: 200_000 }, [{ name: 'trade', at: ago(DAY) }]);
    const idle = await customer({ assets: 200_000 });
    expect(await isMember({ segment: 'wealthy_active' }, rich, resolve)).toBe(true);
    expect(await isMember({ segment: 'wealthy_active' }, idle, resolve)).toBe(false);
    expect(await isMember({ and: [{ segment: 'wealthy' }, { not: { segment: 'active' } }] }, idle, resolve)).toBe(true);
  });

  test.each([
    ['a cycle', 'segment_cycle', { segment: 'loop_a' }],
    ['an unknown segment', 'unknown_segment', { and: [{ segment: 'wealthy' }, { segment: 'nope' }] }],
    ['an invalid referenced rule', 'unknown_operator', { segment: 'broken' }],
  ] as const)('%s is an EngineError with code %s', (_name, code, rule) => {
    expect(() => compileSegment(rule as SegmentRule, { resolve })).toThrow(expect.objectContaining({ code }));
  });

  test('a reference back to the segment being compiled is a cycle', () => {
    expect(() => compileSegment({ segment: 'wealthy_active' }, { resolve, key: 'wealthy' })).toThrow(
      expect.objectContaining({ code: 'segment_cycle', message: expect.stringContaining('wealthy -> wealthy_active -> wealthy') }),
    );
  });

  test('without a resolver every reference is unknown', () => {
    expect(() => compileSegment({ segment: 'wealthy' })).toThrow(expect.objectContaining({ code: 'unknown_segment' }));
  });
});

describe('injection attempts', () => {
  const hostile = `x'); DROP TABLE customers;--`;

  test('hostile names are refused before any SQL is made', () => {
    for (const rule of [
      { trait: hostile, op: 'eq', value: 1 },
      { event: 'e', where: [{ property: hostile, op: 'exists' }] },
      { segment: hostile },
      { trait: 'a', op: `eq; DROP TABLE customers`, value: 1 },
    ]) {
      expect(() => compileSegment(rule as SegmentRule)).toThrow(expect.objectContaining({ name: 'EngineError' }));
    }
  });

  test('hostile values and event names are data: they match literally and the tables survive', async () => {
    const id = await customer({ nickname: hostile, note: `'; SELECT pg_sleep(10); --` }, [{ name: hostile, at: ago(HOUR), properties: { q: hostile } }]);
    const rules: SegmentRule[] = [
      { trait: 'nickname', op: 'eq', value: hostile },
      { trait: 'nickname', op: 'in', value: [hostile, `"]}'`] },
      { trait: 'nickname', op: 'contains', value: `'); DROP` },
      { trait: 'nickname', op: 'starts_with', value: `x'` },
      { trait: 'note', op: 'neq', value: hostile },
      { event: hostile, where: [{ property: 'q', op: 'eq', value: hostile }] },
    ];
    for (const rule of rules) expect(await isMember(rule, id)).toBe(true);
    const compiled = compileSegment({ and: rules });
    expect(compiled.sql).not.toContain('DROP');
    expect(compiled.sql).not.toContain('nickname');
    const [{ n }]: { n: string }[] = await db.query(`SELECT count(*) AS n FROM customers WHERE id = $1`, [id]);
    expect(Number(n)).toBe(1);
  });
});

describe('compiled SQL', () => {
  test('placeholders start after paramOffset and match the params', () => {
    const { sql, params } = compileSegment({ and: [{ trait: 'a', op: 'eq', value: 1 }, { event: 'e', within: 'P1D' }] }, { paramOffset: 3, now: NOW });
    const used = [...sql.matchAll(/\$(\d+)/g)].map((m) => Number(m[1]));
    expect(Math.min(...used)).toBe(4);
    expect(new Set(used).size).toBe(params.length);
    expect(Math.max(...used)).toBe(3 + params.length);
  });

  test('a whole-segment count uses the same predicate', async () => {
    const ids = [await customer({ tier: `t-${run}` }), await customer({ tier: `t-${run}` }), await customer({ tier: 'other' })];
    const { sql, params } = compileSegment({ trait: 'tier', op: 'eq', value: `t-${run}` }, { paramOffset: 1 });
    const [{ n }]: { n: string }[] = await db.query(`SELECT count(*) AS n FROM customers c WHERE c.id = ANY($1) AND ${sql}`, [ids, ...params]);
    expect(Number(n)).toBe(2);
  });

  test('a malformed date trait is not a member and does not fail the query', async () => {
    const id = await customer({ registered_at: '2030-02-31' });
    expect(await isMember({ trait: 'registered_at', op: 'within_last', value: 'P3650D' }, id)).toBe(false);
  });
});

describe('explainMembership: is the customer in it, and why not', () => {
  const rule: SegmentRule = {
    and: [
      { trait: 'registered_at', op: 'within_last', value: 'P7D' },
      { not: { event: 'account_opened' } },
      { trait: 'risk_level', op: 'gte', value: 'C3', order: ['C1', 'C2', 'C3', 'C4', 'C5'] },
      { or: [{ event: 'fund_viewed', count: { gte: 3 } }, { segment: 'vip' }] },
    ],
  };
  const resolve = (key: string) => (key === 'vip' ? { trait: 'vip', op: 'eq', value: true } : undefined);

  test('a member: every node true where it should be, nothing failed', async () => {
    const id = await customer({ registered_at: ago(DAY).toISOString(), risk_level: 'C4', vip: true });
    const explained = await explainMembership(db, rule, id, { now: NOW, resolve });
    expect(explained).toMatchObject({ exists: true, member: true, failed: [] });
    expect(explained.nodes.map((n) => [n.path, n.result])).toEqual([
      ['$', true],
      ['$.and[0]', true],
      ['$.and[1]', true],
      ['$.and[1].not', false],
      ['$.and[2]', true],
      ['$.and[3]', true],
      ['$.and[3].or[0]', false],
      ['$.and[3].or[1]', true],
    ]);
  });

  test('not a member: the failed leaves, with what membership needed from each', async () => {
    const id = await customer({ registered_at: ago(DAY).toISOString(), risk_level: 'C2' }, [
      { name: 'account_opened', at: ago(HOUR) },
      { name: 'fund_viewed', at: ago(HOUR) },
    ]);
    const explained = await explainMembership(db, rule, id, { now: NOW, resolve });
    expect(explained.member).toBe(false);
    expect(explained.failed.map((f) => [f.path, f.kind, f.result, f.expected])).toEqual([
      ['$.and[1].not', 'event', true, false],
      ['$.and[2]', 'trait', false, true],
      ['$.and[3].or[0]', 'event', false, true],
      ['$.and[3].or[1]', 'segment', false, true],
    ]);
  });

  test('agrees with compileSegment on every case, and reports a missing customer', async () => {
    const ids = [
      await customer({ registered_at: ago(DAY).toISOString(), risk_level: 'C5' }, [1, 2, 3].map((i) => ({ name: 'fund_viewed', at: ago(i * HOUR) }))),
      await customer({ registered_at: ago(9 * DAY).toISOString(), risk_level: 'C5', vip: true }),
      await customer({}),
    ];
    for (const id of ids) {
      expect((await explainMembership(db, rule, id, { now: NOW, resolve })).member).toBe(await isMember(rule, id, resolve));
    }
    expect(await explainMembership(db, rule, `missing-${run}`, { now: NOW, resolve })).toEqual({ exists: false, member: false, nodes: [], failed: [] });
  });
});

describe('segmentMembership: several stored segments for one customer in one query', () => {
  test('loads references transitively from the segments table and decides each key', async () => {
    const key = (name: string) => `${name}_${run}`;
    const definitions: Record<string, unknown> = {
      [key('rich')]: { trait: 'assets', op: 'gte', value: 100 },
      [key('rich_trader')]: { and: [{ segment: key('rich') }, { event: 'trade' }] },
    };
    for (const [k, definition] of Object.entries(definitions)) {
      await db.query(`INSERT INTO segments (key, name, definition) VALUES ($1, $1, $2::jsonb)`, [k, JSON.stringify(definition)]);
    }
    const id = await customer({ assets: 500 });
    expect(await segmentMembership(db, id, [key('rich'), key('rich_trader')])).toEqual({ [key('rich')]: true, [key('rich_trader')]: false });
    expect(await segmentMembership(db, `missing-${run}`, [key('rich')])).toEqual({ [key('rich')]: false });
    await expect(segmentMembership(db, id, [key('nope')])).rejects.toMatchObject({ code: 'unknown_segment' });
  });
});
