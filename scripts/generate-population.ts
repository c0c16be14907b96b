/**
 * `npm run generate -- --customers 1000000 --events 20000000 [--database-url URL] [--seed 1] [--prefix gen]`:
 * fills a database (migrated first) with a brokerage population: customers with registered_at,
 * risk_level C1..C5, account_status, assets, city, channel, phone; and their events: registered,
 * account_opened, page_view (fund pages and others), app_launch, deposit, trade. Everything is
 * computed inside PostgreSQL from generate_series and a seeded hash, in chunks, with a progress bar
 * on stderr. The same seed and prefix give the same rows, so a second run adds nothing.
 */
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { migrate } from '../store/migrate.js';

/** What to generate. */
export interface PopulationOptions {
  databaseUrl: string;
  customers: number;
  /** Approximate total of events (registrations and account openings included). */
  events: number;
  seed: number;
  /** Customer ids are `<prefix>-00000001`...; event ids start with it too. */
  prefix: string;
  /** The instant "now" of the population (default: the start of the run). */
  now: Date;
}

/** Rows written per statement: large enough to be fast, small enough for a live progress bar. */
const CHUNK = 100_000;

/** Shares of the events left after registrations and openings. */
const ACTIVITY_SHARES = { page_view: 0.45, app_launch: 0.33, trade: 0.14, deposit: 0.08 } as const;

/** Share of customers who ever open an account (some not yet: their opening lies in the future). */
const OPENING_RATE = 0.62;

/**
 * Session functions: a seeded uniform [0,1) per (row, salt), and each customer's registration and
 * opening instants. Single expressions declared STABLE, so PostgreSQL inlines them into the inserts.
 */
function sessionFunctions(seed: number, now: Date, customers: number): string[] {
  const at = `'${now.toISOString()}'::timestamptz`;
  return [
    `CREATE FUNCTION pg_temp.u(x bigint, salt integer) RETURNS float8 LANGUAGE sql STABLE PARALLEL SAFE AS
       $$ SELECT (hashint8extended(x, ${seed}::bigint * 1000 + salt) & 4503599627370495)::float8 / 4503599627370496.0 $$`,
    // 5% registered in the last 30 days, the rest over three years.
    `CREATE FUNCTION pg_temp.reg(i bigint) RETURNS timestamptz LANGUAGE sql STABLE PARALLEL SAFE AS
       $$ SELECT ${at} - make_interval(secs => 86400 * CASE WHEN pg_temp.u(i, 1) < 0.05 THEN 30 ELSE 1095 END * pg_temp.u(i, 2)) $$`,
    // Openers open within 14 days of registering (most in the first days); NULL when never or not yet.
    `CREATE FUNCTION pg_temp.opened(i bigint) RETURNS timestamptz LANGUAGE sql STABLE PARALLEL SAFE AS
       $$ SELECT CASE WHEN pg_temp.u(i, 3) < ${OPENING_RATE} AND pg_temp.reg(i) + make_interval(secs => 86400 * 14 * pg_temp.u(i, 4) ^ 2) <= ${at}
                      THEN pg_temp.reg(i) + make_interval(secs => 86400 * 14 * pg_temp.u(i, 4) ^ 2) END $$`,
    // The customer an activity event belongs to: 40% of activity comes from the 10% most active customers.
    `CREATE FUNCTION pg_temp.actor(j bigint, salt integer) RETURNS bigint LANGUAGE sql STABLE PARALLEL SAFE AS
       $$ SELECT 1 + floor(${customers} * CASE WHEN pg_temp.u(j, salt) < 0.4 THEN 0.1 ELSE 1 END * pg_temp.u(j, salt + 1))::bigint $$`,
  ];
}

/** The id of customer `i` (SQL), fixed width so that text order is numeric order. */
const customerId = (prefix: string, i: string) => `${prefix}::text || '-' || lpad(${i}::text, 8, '0')`;

/** INSERT ... SELECT of customers first..last. `$1` is the prefix. */
function customersSql(): string {
  return `
    INSERT INTO customers (id, traits, created_at, updated_at)
    SELECT ${customerId('$1', 'i')}, jsonb_build_object(
        'registered_at', to_char(pg_temp.reg(i) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
        'risk_level', CASE WHEN pg_temp.u(i, 6) < 0.15 THEN 'C1' WHEN pg_temp.u(i, 6) < 0.40 THEN 'C2'
                           WHEN pg_temp.u(i, 6) < 0.70 THEN 'C3' WHEN pg_temp.u(i, 6) < 0.90 THEN 'C4' ELSE 'C5' END,
        'account_status', CASE WHEN pg_temp.opened(i) IS NULL THEN 'registered'
                               WHEN pg_temp.u(i, 5) < 0.05 THEN 'closed' WHEN pg_temp.u(i, 5) < 0.15 THEN 'dormant' ELSE 'active' END,
        'assets', CASE WHEN pg_temp.opened(i) IS NULL OR pg_temp.u(i, 5) < 0.05 THEN 0
                       ELSE round((1000 * exp(ln(5000) * pg_temp.u(i, 7)))::numeric, 2) END,
        'city', (ARRAY['Shanghai', 'Beijing', 'Shenzhen', 'Guangzhou', 'Hangzhou', 'Chengdu', 'Nanjing', 'Wuhan', 'Suzhou', 'Xi''an', 'Chongqing', 'Tianjin'])
                [1 + floor(12 * pg_temp.u(i, 8) ^ 1.5)::int],
        'channel', (ARRAY['app_store', 'wechat', 'referral', 'web'])[1 + floor(4 * pg_temp.u(i, 9))::int],
        'phone', '+86138' || lpad(i::text, 8, '0'),
        'timeZone', 'Asia/Shanghai'),
      pg_temp.reg(i), pg_temp.reg(i)
    FROM generate_series($2::bigint, $3::bigint) i
    ON CONFLICT (id) DO NOTHING`;
}

/** One kind of event: its rows for j in first..last (`$1` prefix, `$2`/`$3` the range). */
interface EventKind {
  name: string;
  sql: string;
}

/** Columns of every event insert; arrival and dispatch equal the event time (history, not pending work). */
const insertEvents = (select: string) => `
  INSERT INTO events (event_id, customer_id, name, event_time, received_at, dispatched_at, properties)
  SELECT event_id, customer_id, name, t, t, t, properties FROM (${select}) generated
  ON CONFLICT (event_id) DO NOTHING`;

function eventKinds(now: Date): EventKind[] {
  const at = `'${now.toISOString()}'::timestamptz`;
  /** An activity event j of `name` by customer pg_temp.actor(j, salt), after `since`, skewed towards now. */
  const activity = (name: string, salt: number, since: (k: string) => string, properties: string, where = 'true') =>
    insertEvents(`
      SELECT $1::text || '-${name}-' || j AS event_id, ${customerId('$1', 'k')} AS customer_id, '${name}' AS name,
             s + (${at} - s) * (pg_temp.u(j, ${salt + 2}) ^ 0.7) AS t, ${properties} AS properties
        FROM (SELECT j, k, ${since('k')} AS s FROM generate_series($2::bigint, $3::bigint) j, LATERAL (SELECT pg_temp.actor(j, ${salt}) AS k) a) e
       WHERE ${where}`);
  const fund = (j: string, salt: number) => `'F' || lpad((1 + floor(60 * pg_temp.u(${j}, ${salt}) ^ 2))::text, 4, '0')`;
  return [
    {
      name: 'registered',
      sql: insertEvents(`
        SELECT $1::text || '-registered-' || i AS event_id, ${customerId('$1', 'i')} AS customer_id, 'registered' AS name, pg_temp.reg(i) AS t,
               jsonb_build_object('channel', (ARRAY['app_store', 'wechat', 'referral', 'web'])[1 + floor(4 * pg_temp.u(i, 9))::int]) AS properties
          FROM generate_series($2::bigint, $3::bigint) i`),
    },
    {
      name: 'account_opened',
      sql: insertEvents(`
        SELECT $1::text || '-account_opened-' || i AS event_id, ${customerId('$1', 'i')} AS customer_id, 'account_opened' AS name,
               pg_temp.opened(i) AS t, '{}'::jsonb AS properties
          FROM generate_series($2::bigint, $3::bigint) i WHERE pg_temp.opened(i) IS NOT NULL`),
    },
    {
      name: 'page_view',
      sql: activity(
        'page_view',
        20,
        (k) => `pg_temp.reg(${k})`,
        `CASE WHEN pg_temp.u(j, 25) < 0.55 THEN jsonb_build_object('page', 'fund_detail', 'fund_code', ${fund('j', 26)})
              ELSE jsonb_build_object('page', (ARRAY['home', 'market', 'news', 'account_opening', 'profile'])[1 + floor(5 * pg_temp.u(j, 27))::int]) END`,
      ),
    },
    { name: 'app_launch', sql: activity('app_launch', 30, (k) => `pg_temp.reg(${k})`, `jsonb_build_object('platform', CASE WHEN pg_temp.u(j, 35) < 0.7 THEN 'android' ELSE 'ios' END)`) },
    {
      name: 'trade',
      sql: activity(
        'trade',
        40,
        (k) => `pg_temp.opened(${k})`,
        `jsonb_build_object('fund_code', ${fund('j', 45)}, 'side', CASE WHEN pg_temp.u(j, 46) < 0.6 THEN 'buy' ELSE 'sell' END,
                            'amount', round((100 * exp(ln(1000) * pg_temp.u(j, 47)))::numeric, 2))`,
        's IS NOT NULL',
      ),
    },
    {
      name: 'deposit',
      sql: activity('deposit', 50, (k) => `pg_temp.opened(${k})`, `jsonb_build_object('amount', round((500 * exp(ln(400) * pg_temp.u(j, 55)))::numeric, 2))`, 's IS NOT NULL'),
    },
  ];
}

/** How many generator rows (series values) each event kind gets for `events` in total; trades and deposits are oversampled for non-openers. */
export function eventPlan(customers: number, events: number): Record<string, number> {
  const activity = Math.max(0, events - customers * (1 + OPENING_RATE));
  const plan: Record<string, number> = { registered: customers, account_opened: customers };
  for (const [name, share] of Object.entries(ACTIVITY_SHARES)) {
    const rows = activity * share;
    plan[name] = Math.round(name === 'trade' || name === 'deposit' ? rows / OPENING_RATE : rows);
  }
  return plan;
}

/** A one-line progress bar, redrawn in place on stderr. */
class ProgressBar {
  private readonly started = performance.now();
  private done = 0;

  constructor(private readonly total: number) {}

  advance(rows: number, what: string): void {
    this.done += rows;
    const share = this.total === 0 ? 1 : Math.min(1, this.done / this.total);
    const width = 30;
    const filled = Math.round(share * width);
    const seconds = ((performance.now() - this.started) / 1000).toFixed(1);
    process.stderr.write(`\rgenerate: [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(share * 100).toFixed(0).padStart(3)}%  ${what.padEnd(24)} ${seconds} s `);
  }

  finish(): void {
    process.stderr.write('\n');
  }
}

/** Generates the population; returns the rows the tables hold for this prefix. */
export async function generatePopulation(opts: PopulationOptions): Promise<{ customers: number; events: number; seconds: number }> {
  const started = performance.now();
  const client = new pg.Client({ connectionString: opts.databaseUrl, application_name: 'je-generate-population' });
  await client.connect();
  try {
    await client.query(`SET synchronous_commit = off`);
    for (const sql of sessionFunctions(opts.seed, opts.now, opts.customers)) await client.query(sql);
    const plan = eventPlan(opts.customers, opts.events);
    const bar = new ProgressBar(opts.customers + Object.values(plan).reduce((a, b) => a + b, 0));
    const inChunks = async (sql: string, rows: number, what: string) => {
      for (let first = 1; first <= rows; first += CHUNK) {
        const last = Math.min(rows, first + CHUNK - 1);
        await client.query(sql, [opts.prefix, first, last]);
        bar.advance(last - first + 1, what);
      }
    };
    await inChunks(customersSql(), opts.customers, 'customers');
    for (const kind of eventKinds(opts.now)) await inChunks(kind.sql, plan[kind.name], `events: ${kind.name}`);
    bar.finish();
    await client.query(`ANALYZE customers`);
    await client.query(`ANALYZE events`);
    const pattern = `${opts.prefix}-%`;
    const [{ customers }] = (await client.query(`SELECT count(*)::int AS customers FROM customers WHERE id LIKE $1`, [pattern])).rows;
    const [{ events }] = (await client.query(`SELECT count(*)::int AS events FROM events WHERE event_id LIKE $1`, [pattern])).rows;
    return { customers, events, seconds: Number(((performance.now() - started) / 1000).toFixed(1)) };
  } finally {
    await client.end();
  }
}

/** Reads `--name value` / `--name=value` flags. */
export function parseArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): PopulationOptions {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(argv[i]);
    if (!match) throw new Error(`generate: unexpected argument "${argv[i]}"`);
    flags.set(match[1], match[2] ?? argv[++i] ?? '');
  }
  const known = ['customers', 'events', 'database-url', 'seed', 'prefix', 'now'];
  for (const name of flags.keys()) if (!known.includes(name)) throw new Error(`generate: unknown flag --${name} (known: ${known.map((k) => `--${k}`).join(', ')})`);
  const count = (name: string, fallback: number, max: number) => {
    const value = flags.has(name) ? Number(flags.get(name)) : fallback;
    if (!Number.isSafeInteger(value) || value < 0 || value > max) throw new Error(`generate: --${name} must be a whole number from 0 to ${max}`);
    return value;
  };
  const customers = count('customers', 10_000, 99_999_999);
  const databaseUrl = flags.get('database-url') ?? env.DATABASE_URL;
  if (!databaseUrl) throw new Error('generate: give --database-url or set DATABASE_URL');
  const prefix = flags.get('prefix') ?? 'gen';
  if (!/^[a-z0-9_]{1,20}$/.test(prefix)) throw new Error('generate: --prefix must be 1 to 20 lower-case letters, digits or _');
  const now = flags.has('now') ? new Date(flags.get('now') as string) : new Date();
  if (Number.isNaN(now.getTime())) throw new Error('generate: --now must be an ISO 8601 instant');
  return { databaseUrl, customers, events: count('events', customers * 20, 2_000_000_000), seed: count('seed', 1, 1_000_000), prefix, now };
}

async function main(): Promise<void> {
  let opts: PopulationOptions;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error((err as Error).message);
    process.exit(2);
  }
  await migrate(opts.databaseUrl);
  console.error(`generate: ${opts.customers} customers, about ${opts.events} events, seed ${opts.seed}, prefix "${opts.prefix}", now ${opts.now.toISOString()}`);
  const result = await generatePopulation(opts);
  console.log(JSON.stringify(result));
}

// Run as a script (`npm run generate`); imported (bench/segments.ts), it only provides generatePopulation.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    console.error(`generate: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
