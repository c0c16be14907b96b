/**
 * scripts/generate-population.ts at tiny scale, run as `npm run generate` runs it, into a fresh
 * database of its own: the promised traits and event kinds, in plausible proportions and times, a
 * progress bar on stderr, and a second run that adds nothing.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { testDatabaseUrl } from '../support/env.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const name = `je_gen_${Date.now()}_${process.pid}`;
const serverUrl = testDatabaseUrl();
const url = Object.assign(new URL(serverUrl), { pathname: `/${name}` }).toString();
const NOW = '2026-03-01T12:00:00.000Z';
let db: pg.Client;

function generate() {
  return spawnSync(
    process.execPath,
    ['--import', '@swc-node/register/esm-register', 'scripts/generate-population.ts', '--customers', '200', '--events', '4000', '--database-url', url, '--now', NOW],
    { cwd: ROOT, encoding: 'utf8', timeout: 120_000 },
  );
}

async function withServer(sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

let first: ReturnType<typeof generate>;

beforeAll(async () => {
  await withServer(`CREATE DATABASE ${name}`);
  first = generate();
  // Say why, rather than leave every test below to fail on a missing table.
  if (first.status !== 0) throw new Error(`npm run generate exited with ${first.status ?? first.signal}; its stderr:\n${first.stderr}`);
  db = new pg.Client({ connectionString: url });
  await db.connect();
}, 150_000);
afterAll(async () => {
  await db?.end();
  await withServer(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
});

const rows = async <T>(sql: string): Promise<T[]> => (await db.query(sql)).rows as T[];

describe('npm run generate at 200 customers', () => {
  it('migrates, reports what it wrote and draws a progress bar on stderr', () => {
    expect(first.status).toBe(0);
    const result = JSON.parse(first.stdout);
    expect(result.customers).toBe(200);
    expect(result.events).toBeGreaterThan(3_400);
    expect(result.events).toBeLessThan(4_600);
    expect(first.stderr).toMatch(/\[#+\] 100%/);
  });

  it('gives every customer the promised traits', async () => {
    const customers = await rows<{ id: string; traits: Record<string, unknown> }>(`SELECT id, traits FROM customers ORDER BY id`);
    expect(customers[0].id).toBe('gen-00000001');
    for (const { traits } of customers) {
      expect(Object.keys(traits).sort()).toEqual(['account_status', 'assets', 'channel', 'city', 'phone', 'registered_at', 'risk_level', 'timeZone']);
      expect(['C1', 'C2', 'C3', 'C4', 'C5']).toContain(traits.risk_level);
      expect(['registered', 'active', 'dormant', 'closed']).toContain(traits.account_status);
      expect(Date.parse(traits.registered_at as string)).toBeLessThanOrEqual(Date.parse(NOW));
      expect(traits.assets === 0).toBe(traits.account_status === 'registered' || traits.account_status === 'closed');
    }
    const risk = new Set(customers.map((c) => c.traits.risk_level));
    expect(risk.size).toBe(5);
    const openers = customers.filter((c) => c.traits.account_status !== 'registered').length;
    expect(openers).toBeGreaterThan(80);
    expect(openers).toBeLessThan(160);
  });

  it('writes every event kind, each after registration, none in the future, none pending dispatch', async () => {
    const kinds = await rows<{ name: string; n: number }>(`SELECT name, count(*)::int AS n FROM events GROUP BY name ORDER BY name`);
    const count = Object.fromEntries(kinds.map((k) => [k.name, k.n]));
    expect(Object.keys(count)).toEqual(['account_opened', 'app_launch', 'deposit', 'page_view', 'registered', 'trade']);
    expect(count.registered).toBe(200);
    expect(count.page_view).toBeGreaterThan(count.app_launch);
    expect(count.app_launch).toBeGreaterThan(count.trade);
    expect(count.trade).toBeGreaterThan(count.deposit);
    const [bad] = await rows<{ early: number; future: number; pending: number; unopened: number; mismatch: number }>(`
      SELECT count(*) FILTER (WHERE e.event_time < (c.traits->>'registered_at')::timestamptz - interval '1 second')::int AS early,
             count(*) FILTER (WHERE e.event_time > '${NOW}'::timestamptz)::int AS future,
             count(*) FILTER (WHERE e.dispatched_at IS NULL)::int AS pending,
             count(*) FILTER (WHERE e.name IN ('trade', 'deposit', 'account_opened') AND c.traits->>'account_status' = 'registered')::int AS unopened,
             count(*) FILTER (WHERE e.name = 'registered' AND abs(extract(epoch FROM e.event_time - (c.traits->>'registered_at')::timestamptz)) >= 1)::int AS mismatch
        FROM events e JOIN customers c ON c.id = e.customer_id`);
    expect(bad).toEqual({ early: 0, future: 0, pending: 0, unopened: 0, mismatch: 0 });
    const [opened] = await rows<{ n: number }>(`SELECT count(*)::int AS n FROM customers WHERE traits->>'account_status' <> 'registered'`);
    expect(count.account_opened).toBe(opened.n);
    const [fund] = await rows<{ share: number }>(`SELECT avg((properties->>'page' = 'fund_detail')::int)::float AS share FROM events WHERE name = 'page_view'`);
    expect(fund.share).toBeGreaterThan(0.4);
    expect(fund.share).toBeLessThan(0.7);
  });

  it('adds nothing when run again with the same seed', async () => {
    const [before] = await rows<{ n: number }>(`SELECT count(*)::int AS n FROM events`);
    const again = generate();
    expect(again.status).toBe(0);
    const [after] = await rows<{ n: number }>(`SELECT count(*)::int AS n FROM events`);
    expect(after.n).toBe(before.n);
  });
});
