/** Benchmark parameters: a size preset, then environment variables, then `--name=value` flags. */

export type Size = 'small' | 'default';

/** SQLite `synchronous` of the benchmarks' Temporal dev server: its own default, or fewer fsyncs. */
export const TEMPORAL_SYNC = ['default', 'normal', 'off'] as const;
export type TemporalSync = (typeof TEMPORAL_SYNC)[number];

/**
 * Which Temporal the benchmarks run on: the dev server (SQLite on disk, real time), or the
 * time-skipping test server (state in memory; the clock jumps on request), which only the waiting
 * benchmark uses: its wait can then be days long, as in a real journey.
 */
export const TEMPORAL_SERVERS = ['dev', 'time-skipping'] as const;
export type TemporalServer = (typeof TEMPORAL_SERVERS)[number];

export const BENCHMARKS = ['enrollment', 'latency', 'ingestion', 'waiting'] as const;
export type BenchName = (typeof BENCHMARKS)[number];

export interface BenchParams {
  size: Size;
  /** Which benchmarks to run. */
  only: BenchName[];
  customers: number;
  enrollBatch: number;
  plainStartConcurrency: number;
  latencyLight: number;
  latencyHeavy: number;
  latencyConcurrency: number;
  ingestEvents: number;
  ingestBatch: number;
  ingestConcurrency: number;
  waitingCustomers: number;
  waitingStartConcurrency: number;
  /** Starts made but not yet parked, at most; 0 = no limit. */
  waitingMaxUnparked: number;
  /**
   * Seconds from the first start to the wake-up; 0 = estimated from the number of customers on the
   * dev server, 3 days on the time-skipping server.
   */
  waitingWakeAfter: number;
  /** Seconds the wake-ups are spread over after the wake-up instant (the wait's `spread`); 0 = none. */
  waitingSpread: number;
  /**
   * `--sqlite-pragma synchronous=...` for the dev server: 'default' leaves it alone; 'off' stops the
   * fsync on every commit (what a throw-away benchmark server can afford, not a durable one).
   */
  temporalSync: TemporalSync;
  temporal: TemporalServer;
}

const PRESETS: Record<Size, Omit<BenchParams, 'size' | 'only' | 'temporalSync' | 'temporal'>> = {
  small: {
    customers: 20,
    enrollBatch: 500,
    plainStartConcurrency: 10,
    latencyLight: 10,
    latencyHeavy: 40,
    latencyConcurrency: 20,
    ingestEvents: 1_000,
    ingestBatch: 500,
    ingestConcurrency: 1,
    waitingCustomers: 10,
    waitingStartConcurrency: 10,
    waitingMaxUnparked: 0,
    waitingWakeAfter: 0,
    waitingSpread: 0,
  },
  default: {
    customers: 500,
    enrollBatch: 500,
    plainStartConcurrency: 10,
    latencyLight: 50,
    latencyHeavy: 200,
    latencyConcurrency: 20,
    ingestEvents: 20_000,
    ingestBatch: 500,
    ingestConcurrency: 1,
    waitingCustomers: 2_000,
    waitingStartConcurrency: 20,
    waitingMaxUnparked: 0,
    waitingWakeAfter: 0,
    waitingSpread: 0,
  },
};

/** Environment variable and flag of each numeric parameter. */
const NUMERIC: [keyof Omit<BenchParams, 'size' | 'only' | 'temporalSync' | 'temporal'>, string, string][] = [
  ['customers', 'BENCH_CUSTOMERS', 'customers'],
  ['enrollBatch', 'BENCH_ENROLL_BATCH', 'enroll-batch'],
  ['plainStartConcurrency', 'BENCH_PLAIN_START_CONCURRENCY', 'plain-start-concurrency'],
  ['latencyLight', 'BENCH_LATENCY_LIGHT', 'latency-light'],
  ['latencyHeavy', 'BENCH_LATENCY_HEAVY', 'latency-heavy'],
  ['latencyConcurrency', 'BENCH_LATENCY_CONCURRENCY', 'latency-concurrency'],
  ['ingestEvents', 'BENCH_INGEST_EVENTS', 'ingest-events'],
  ['ingestBatch', 'BENCH_INGEST_BATCH', 'ingest-batch'],
  ['ingestConcurrency', 'BENCH_INGEST_CONCURRENCY', 'ingest-concurrency'],
  ['waitingCustomers', 'BENCH_WAITING_CUSTOMERS', 'waiting-customers'],
  ['waitingStartConcurrency', 'BENCH_WAITING_START_CONCURRENCY', 'waiting-start-concurrency'],
  ['waitingMaxUnparked', 'BENCH_WAITING_MAX_UNPARKED', 'waiting-max-unparked'],
  ['waitingWakeAfter', 'BENCH_WAITING_WAKE_AFTER', 'waiting-wake-after'],
  ['waitingSpread', 'BENCH_WAITING_SPREAD', 'waiting-spread'],
];

export const USAGE = `usage: npm run bench -- [--size small|default] [--only enrollment,latency,ingestion,waiting] [--temporal ${TEMPORAL_SERVERS.join('|')}] [--temporal-sync ${TEMPORAL_SYNC.join('|')}] ${NUMERIC.map(([, , flag]) => `[--${flag}=N]`).join(' ')}
environment: BENCH_SIZE, BENCH_ONLY, BENCH_TEMPORAL, BENCH_TEMPORAL_SYNC, ${NUMERIC.map(([, env]) => env).join(', ')}; DATABASE_URL (a fresh database is created on that server)`;

/** Parses `--name value` / `--name=value` flags over the environment over the size preset. */
export function parseParams(argv: string[], env: NodeJS.ProcessEnv = process.env): BenchParams {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') throw new Error(USAGE);
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!m) throw new Error(`bench: unexpected argument "${arg}"\n${USAGE}`);
    const value = m[2] ?? argv[++i];
    if (value === undefined) throw new Error(`bench: --${m[1]} needs a value\n${USAGE}`);
    flags.set(m[1], value);
  }
  const size = (flags.get('size') ?? env.BENCH_SIZE ?? 'default') as Size;
  if (!(size in PRESETS)) throw new Error(`bench: --size must be small or default, not "${size}"`);
  const known = new Set(['size', 'only', 'temporal', 'temporal-sync', ...NUMERIC.map(([, , flag]) => flag)]);
  for (const flag of flags.keys()) if (!known.has(flag)) throw new Error(`bench: unknown flag --${flag}\n${USAGE}`);

  const params: BenchParams = { size, only: [...BENCHMARKS], temporalSync: 'default', temporal: 'dev', ...PRESETS[size] };
  for (const [key, envName, flag] of NUMERIC) {
    const raw = flags.get(flag) ?? env[envName];
    if (raw === undefined || raw === '') continue;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1) throw new Error(`bench: ${flags.has(flag) ? `--${flag}` : envName} must be a positive integer, not "${raw}"`);
    params[key] = n;
  }
  const sync = flags.get('temporal-sync') ?? env.BENCH_TEMPORAL_SYNC;
  if (sync) {
    if (!(TEMPORAL_SYNC as readonly string[]).includes(sync)) throw new Error(`bench: --temporal-sync must be ${TEMPORAL_SYNC.join(', ')}, not "${sync}"`);
    params.temporalSync = sync as TemporalSync;
  }
  const only = flags.get('only') ?? env.BENCH_ONLY;
  if (only) {
    const names = only.split(',').map((s) => s.trim());
    for (const name of names) if (!(BENCHMARKS as readonly string[]).includes(name)) throw new Error(`bench: unknown benchmark "${name}" in --only`);
    params.only = names as BenchParams['only'];
  }
  const server = flags.get('temporal') ?? env.BENCH_TEMPORAL;
  if (server) {
    if (!(TEMPORAL_SERVERS as readonly string[]).includes(server)) throw new Error(`bench: --temporal must be ${TEMPORAL_SERVERS.join(' or ')}, not "${server}"`);
    params.temporal = server as TemporalServer;
  }
  if (params.temporal === 'time-skipping') {
    // Its figures describe the engine's waiting, not a production server's throughput.
    if (params.only.join() !== 'waiting') throw new Error('bench: --temporal time-skipping runs only the waiting benchmark; add --only waiting');
    if (params.temporalSync !== 'default') throw new Error('bench: --temporal-sync applies to the dev server; the time-skipping server keeps its state in memory');
  }
  return params;
}
