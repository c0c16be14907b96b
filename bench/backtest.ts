/**
 * `npm run bench:backtest -- [--customers 100000] [--events 2000000] [--database-url URL] [--baseline 2000]`:
 * backtest throughput for examples/onboarding.json over the generator's population (every customer
 * who registered), in one run:
 * - baseline: the single-customer path looped: one customer's reads (traits, events, ledger) then
 *   the replay, customer after customer (what looping the simulate route would cost);
 * - batched: pages of 1000 customers, read in a few batched queries (the next part while one is
 *   replayed) and replayed in process, as the backtest's activity does;
 * - pure: the replay alone over facts already in memory;
 * - durable: the real backtest (core/simulation/backtests.ts) on the Temporal worker, end to end.
 * Each with customers/s of wall time and of this process's CPU time (the machine may be shared: CPU
 * time says what the work costs), latency percentiles; memory (peak RSS and heap) for the whole run. The
 * durable backtest's figures must equal the batched ones. Results go to bench/results/backtest-<timestamp>.json.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultChannelDescriptors } from '../activities/channels/registry.js';
import { actionSpecsOf } from '../core/channels/descriptor.js';
import { readStoredCustomers, replayFigures, replayPage } from '../core/simulation/backtest-runner.js';
import { BACKTEST_BATCH } from '../core/operations.js';
import { Backtests } from '../core/simulation/backtests.js';
import { compileCanvas } from '../engine/compile.js';
import { backtestCustomer, mergeFigures, type BacktestSpec, type StoredCustomer } from '../engine/simulation/backtest.js';
import { simulatedChannels } from '../engine/simulation/world.js';
import { startPopulationBench } from './population.js';
import { distribution, round, waitFor, type Distribution } from './stats.js';
import type { Queryable } from '../store/queryable.js';

const RESULTS_DIR = fileURLToPath(new URL('./results/', import.meta.url));
const log = (line: string) => console.log(`bench:backtest: ${line}`);
const DAY = 86_400_000;
const DEFAULTS = { timeZone: 'Asia/Shanghai', lateEventGraceMs: 500, maxHistoryEvents: 10_000 };
/** Customers whose facts are kept in memory for the pure measurement. */
const PURE_SAMPLE = 20_000;

interface Phase {
  customers: number;
  seconds: number;
  perSecond: number;
  /** Customers per second of this process's CPU time (user + system): the capacity, whatever else shares the machine. */
  perCpuSecond: number;
  /** Customers per second of CPU time of this process and the PostgreSQL backends it used together. */
  perTotalCpuSecond: number;
  /** Per customer (baseline, pure) or per page (batched), in ms. */
  latencyMs: Distribution;
}

interface BacktestBenchReport {
  startedAt: string;
  population: { customers: number; events: number; generateSeconds: number | null; taken: number };
  baseline: Phase;
  batched: Phase & { batch: number };
  pure: Phase;
  durable: { customers: number; seconds: number; perSecond: number; perCpuSecond: number; perTotalCpuSecond: number; progress: string[] };
  memory: { peakRssMb: number; peakHeapMb: number };
  speedup: { batchedOverBaseline: number; durableOverBaseline: number };
}

const ms = (t0: number) => performance.now() - t0;
/** CPU seconds this process used since `from` (a process.cpuUsage() reading). */
const cpuSince = (from: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(from);
  return (used.user + used.system) / 1e6;
};
/**
 * CPU seconds (user + system) the PostgreSQL backends serving `db`'s database have used so far, read
 * from /proc (the bench's PostgreSQL runs on this machine). Each phase uses the pool's connections, so
 * the difference over a phase is PostgreSQL's share of its work.
 */
async function pgCpuSeconds(db: Queryable): Promise<number> {
  const rows: { pid: number }[] = await db.query(`SELECT pid FROM pg_stat_activity WHERE datname = current_database()`);
  let ticks = 0;
  for (const { pid } of rows) {
    try {
      const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // A backend that ended meanwhile, or a PostgreSQL on another machine: not counted.
    }
  }
  return ticks / 100;
}
/** CPU of this process and of PostgreSQL since a reading of both. */
const cpuMark = async (db: Queryable) => ({ node: process.cpuUsage(), pg: await pgCpuSeconds(db) });
const cpuOf = async (db: Queryable, mark: Awaited<ReturnType<typeof cpuMark>>) => {
  const node = cpuSince(mark.node);
  return { node, total: node + (await pgCpuSeconds(db)) - mark.pg };
};
const phase = (customers: number, seconds: number, cpu: { node: number; total: number }, latencies: number[], digits = 2): Phase => {
  const d = distribution(latencies);
  return {
    customers,
    seconds: round(seconds, 2),
    perSecond: round(customers / seconds, 0),
    perCpuSecond: round(customers / cpu.node, 0),
    perTotalCpuSecond: round(customers / cpu.total, 0),
    latencyMs: { count: d.count, p50: round(d.p50, digits), p95: round(d.p95, digits), p99: round(d.p99, digits), max: round(d.max, digits) },
  };
};

function format(r: BacktestBenchReport): string {
  const line = (name: string, p: Phase, unit: string) =>
    `${name.padEnd(10)} ${String(p.customers).padStart(8)} customers  ${String(p.seconds).padStart(8)} s  ${String(p.perSecond).padStart(8)}/s (${String(p.perCpuSecond).padStart(6)}/CPU-s, ${String(p.perTotalCpuSecond).padStart(6)}/CPU-s with PostgreSQL)   ${unit} p50 ${p.latencyMs.p50} p95 ${p.latencyMs.p95} p99 ${p.latencyMs.p99} max ${p.latencyMs.max} ms`;
  return [
    `population: ${r.population.customers} customers, ${r.population.events} events; taken by the onboarding trigger: ${r.population.taken}`,
    line('baseline', r.baseline, 'per customer'),
    line('batched', r.batched, `per page of ${r.batched.batch}`),
    line('pure', r.pure, 'per customer'),
    `durable    ${String(r.durable.customers).padStart(8)} customers  ${String(r.durable.seconds).padStart(8)} s  ${String(r.durable.perSecond).padStart(8)}/s (${String(r.durable.perCpuSecond).padStart(6)}/CPU-s, ${String(r.durable.perTotalCpuSecond).padStart(6)}/CPU-s with PostgreSQL; worker and API in this process)   (Temporal workflow, pages of ${BACKTEST_BATCH}, progress recorded per page)`,
    `memory: peak RSS ${r.memory.peakRssMb} MB, peak heap ${r.memory.peakHeapMb} MB`,
    `speed-up over the single-customer baseline: batched x${r.speedup.batchedOverBaseline}, durable x${r.speedup.durableOverBaseline}`,
  ].join('\n');
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const baselineAt = argv.indexOf('--baseline');
  const baselineCount = baselineAt >= 0 ? Number(argv.splice(baselineAt, 2)[1]) : 2000;
  const startedAt = new Date();
  const memory = { rss: 0, heap: 0 };
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    memory.rss = Math.max(memory.rss, m.rss);
    memory.heap = Math.max(memory.heap, m.heapUsed);
  }, 100);
  const bench = await startPopulationBench('bench-backtest', argv, log);
  const { rt } = bench;
  try {
    const canvas = JSON.parse(fs.readFileSync(new URL('../examples/onboarding.json', import.meta.url), 'utf8'));
    const journeyId = `${rt.prefix}-onboarding`;
    const published = await rt.publishing.publish(journeyId, canvas);
    if (!published.ok) throw new Error(`publishing the onboarding journey failed: ${JSON.stringify(published.errors)}`);
    const descriptors = defaultChannelDescriptors();
    const compiled = compileCanvas(canvas, { actions: actionSpecsOf(descriptors) });
    if (!compiled.ok) throw new Error('onboarding does not compile');
    // Every registration the generator made (three years back), each customer followed for 30 days.
    const now = Date.now();
    const spec: BacktestSpec = {
      plan: compiled.plan,
      journeyId,
      versionId: `${journeyId}@1`,
      channels: simulatedChannels(descriptors),
      caps: {},
      defaults: DEFAULTS,
      from: now - 1200 * DAY,
      to: now,
      horizonMs: 30 * DAY,
      runUntil: now,
    };
    const ids: string[] = (
      await rt.db.query(
        `SELECT customer_id FROM (SELECT DISTINCT customer_id FROM events WHERE name = 'registered' AND event_time >= $1 AND event_time < $2) d ORDER BY md5(customer_id), customer_id`,
        [new Date(spec.from), new Date(spec.to)],
      )
    ).map((r: { customer_id: string }) => r.customer_id);
    log(`${ids.length} customers registered in the window`);

    log(`baseline: ${Math.min(baselineCount, ids.length)} customers, one at a time`);
    const baseLatencies: number[] = [];
    let t = performance.now();
    let cpu = await cpuMark(rt.db);
    for (const id of ids.slice(0, baselineCount)) {
      const t1 = performance.now();
      const [customer] = await readStoredCustomers(rt.db, spec, [id]);
      backtestCustomer(spec, customer);
      baseLatencies.push(ms(t1));
    }
    const baseline = phase(baseLatencies.length, ms(t) / 1000, await cpuOf(rt.db, cpu), baseLatencies);

    log(`batched: ${ids.length} customers in pages of ${BACKTEST_BATCH} (read ahead while replaying, as the backtest's pages are)`);
    const pageLatencies: number[] = [];
    let figures = replayFigures(spec, []);
    t = performance.now();
    cpu = await cpuMark(rt.db);
    for (let i = 0; i < ids.length; i += BACKTEST_BATCH) {
      const t1 = performance.now();
      figures = mergeFigures(figures, await replayPage(rt.db, spec, ids.slice(i, i + BACKTEST_BATCH)));
      pageLatencies.push(ms(t1));
    }
    const batched = { ...phase(ids.length, ms(t) / 1000, await cpuOf(rt.db, cpu), pageLatencies, 1), batch: BACKTEST_BATCH };
    // The pure replay's customers, read once more (not timed).
    const kept: StoredCustomer[] = [];
    for (let i = 0; i < Math.min(PURE_SAMPLE, ids.length); i += BACKTEST_BATCH) kept.push(...(await readStoredCustomers(rt.db, spec, ids.slice(i, Math.min(i + BACKTEST_BATCH, PURE_SAMPLE)))));

    log(`pure: ${kept.length} customers replayed from memory`);
    const pureLatencies: number[] = [];
    t = performance.now();
    cpu = await cpuMark(rt.db);
    for (const customer of kept) {
      const t1 = performance.now();
      backtestCustomer(spec, customer);
      pureLatencies.push(ms(t1));
    }
    const pure = phase(kept.length, ms(t) / 1000, await cpuOf(rt.db, cpu), pureLatencies, 3);

    log('durable: the backtest workflow over the same window');
    const backtests = new Backtests({
      db: rt.db,
      temporal: rt.client,
      taskQueue: rt.taskQueue,
      actions: actionSpecsOf(descriptors),
      channels: spec.channels,
      caps: {},
      defaults: DEFAULTS,
      now: () => now,
    });
    t = performance.now();
    cpu = await cpuMark(rt.db);
    const started = await backtests.request({ journeyId, source: { version: 1 }, from: spec.from, to: spec.to, horizonMs: spec.horizonMs, sample: null, segment: null, requestedBy: 'bench' });
    const progress: string[] = [];
    const done = await waitFor(
      'the backtest',
      async () => {
        const view = await backtests.view(journeyId, started.id);
        progress.push(`${round(ms(t) / 1000, 1)} s: ${view.progress.processed}/${view.progress.total ?? '?'}`);
        return view.status === 'running' ? null : view;
      },
      3_600_000,
      1000,
    );
    const durableSeconds = ms(t) / 1000;
    const durableCpu = await cpuOf(rt.db, cpu);
    if (done.status !== 'completed') throw new Error(`the backtest ended ${done.status}: ${done.error}`);
    const { summary: _summary, ...durableFigures } = done.figures!;
    // Same customers, same spec: the durable job must add up to the in-process pages (key order aside).
    const sorted = (x: unknown) => JSON.stringify(x, (_k, v) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort()) : v));
    if (sorted(durableFigures) !== sorted(figures)) throw new Error(`durable figures differ from the batched ones:\n${sorted(durableFigures)}\n${sorted(figures)}`);

    const report: BacktestBenchReport = {
      startedAt: startedAt.toISOString(),
      population: { ...bench.counts, generateSeconds: bench.generateSeconds, taken: ids.length },
      baseline,
      batched,
      pure,
      durable: { customers: done.progress.processed, seconds: round(durableSeconds, 2), perSecond: round(done.progress.processed / durableSeconds, 0), perCpuSecond: round(done.progress.processed / durableCpu.node, 0), perTotalCpuSecond: round(done.progress.processed / durableCpu.total, 0), progress: progress.filter((_, i) => i % 5 === 0) },
      memory: { peakRssMb: round(memory.rss / 2 ** 20, 0), peakHeapMb: round(memory.heap / 2 ** 20, 0) },
      speedup: { batchedOverBaseline: round(batched.perSecond / baseline.perSecond, 1), durableOverBaseline: round(done.progress.processed / durableSeconds / baseline.perSecond, 1) },
    };
    console.log(`\n${format(report)}\n`);
    log(`figures: entered ${figures.entered}, goal ${figures.goal.reached}, messages ${JSON.stringify(figures.messages)}, ended ${JSON.stringify(figures.ended)}`);
    fs.mkdirSync(RESULTS_DIR, { recursive: true });
    const file = path.join(RESULTS_DIR, `backtest-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
    fs.writeFileSync(file, `${JSON.stringify({ ...report, figures }, null, 2)}\n`);
    log(`results written to ${path.relative(process.cwd(), file)}`);
  } finally {
    clearInterval(sampler);
    await bench.stop();
  }
}

main().catch((err) => {
  console.error(`bench:backtest: ${err instanceof Error ? err.stack : String(err)}`);
  process.exit(1);
});
