/** Benchmark parameters: a size preset, then environment variables, then `--name=value` flags. */

export type Size = 'small' | 'default';

export interface BenchParams {
  size: Size;
  /** Which benchmarks to run. */
  only: ('enrollment' | 'latency' | 'ingestion')[];
  customers: number;
  enrollBatch: number;
  plainStartConcurrency: number;
  latencyLight: number;
  latencyHeavy: number;
  latencyConcurrency: number;
  ingestEvents: number;
  ingestBatch: number;
  ingestConcurrency: number;
}

const PRESETS: Record<Size, Omit<BenchParams, 'size' | 'only'>> = {
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
  },
};

/** Environment variable and flag of each numeric parameter. */
const NUMERIC: [keyof Omit<BenchParams, 'size' | 'only'>, string, string][] = [
  ['customers', 'BENCH_CUSTOMERS', 'customers'],
  ['enrollBatch', 'BENCH_ENROLL_BATCH', 'enroll-batch'],
  ['plainStartConcurrency', 'BENCH_PLAIN_START_CONCURRENCY', 'plain-start-concurrency'],
  ['latencyLight', 'BENCH_LATENCY_LIGHT', 'latency-light'],
  ['latencyHeavy', 'BENCH_LATENCY_HEAVY', 'latency-heavy'],
  ['latencyConcurrency', 'BENCH_LATENCY_CONCURRENCY', 'latency-concurrency'],
  ['ingestEvents', 'BENCH_INGEST_EVENTS', 'ingest-events'],
  ['ingestBatch', 'BENCH_INGEST_BATCH', 'ingest-batch'],
  ['ingestConcurrency', 'BENCH_INGEST_CONCURRENCY', 'ingest-concurrency'],
];

export const USAGE = `usage: npm run bench -- [--size small|default] [--only enrollment,latency,ingestion] ${NUMERIC.map(([, , flag]) => `[--${flag}=N]`).join(' ')}
environment: BENCH_SIZE, BENCH_ONLY, ${NUMERIC.map(([, env]) => env).join(', ')}; DATABASE_URL (a fresh database is created on that server)`;

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
  const known = new Set(['size', 'only', ...NUMERIC.map(([, , flag]) => flag)]);
  for (const flag of flags.keys()) if (!known.has(flag)) throw new Error(`bench: unknown flag --${flag}\n${USAGE}`);

  const params: BenchParams = { size, only: ['enrollment', 'latency', 'ingestion'], ...PRESETS[size] };
  for (const [key, envName, flag] of NUMERIC) {
    const raw = flags.get(flag) ?? env[envName];
    if (raw === undefined || raw === '') continue;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1) throw new Error(`bench: ${flags.has(flag) ? `--${flag}` : envName} must be a positive integer, not "${raw}"`);
    params[key] = n;
  }
  const only = flags.get('only') ?? env.BENCH_ONLY;
  if (only) {
    const names = only.split(',').map((s) => s.trim());
    for (const name of names) if (!['enrollment', 'latency', 'ingestion'].includes(name)) throw new Error(`bench: unknown benchmark "${name}" in --only`);
    params.only = names as BenchParams['only'];
  }
  return params;
}
