/**
 * Benchmark: waiting at scale. N customers are enrolled (API entry, `startConcurrency` at a time)
 * into a journey whose first node waits until one instant, `wakeAt`, far enough ahead that every run
 * is parked at the wait before it ends; then an `update_traits` action and an exit. Reported: the
 * start rate, how many runs were waiting at once, this process's memory while they waited (the
 * worker runs in it), Temporal's storage per waiting run (the dev server's SQLite file) and the
 * server's memory, and the time from `wakeAt` until every run has moved on and ended.
 *
 * On the dev server the clock is real, so `wakeAt` must leave time for every run to park. On the
 * time-skipping server (`clock` given) the wait is days long, as in a journey: the bench waits until
 * every run is parked, then jumps the server's clock to `wakeAt`, and times the move-on from there.
 */
import fs from 'node:fs';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Canvas } from '../engine/canvas.js';
import { publish } from './journeys.js';
import { findProcessByPort, processRssBytes, type MemorySample } from './memory.js';
import type { BenchDeps } from './runtime.js';
import { mapLimit, round, sleep, waitFor } from './stats.js';

/** The time-skipping server's clock: where it stands, and a jump forward (timers due on the way fire). */
export interface WaitingClock {
  nowMs(): Promise<number>;
  skip(ms: number): Promise<void>;
}

/** The clock and the server process of a time-skipping environment, as the waiting bench uses them. */
export function timeSkippingServer(env: TestWorkflowEnvironment): { clock: WaitingClock; pid: number | null } {
  return {
    clock: { nowMs: () => env.currentTimeMs(), skip: (ms) => env.sleep(ms) },
    pid: findProcessByPort('temporal-test-server', Number(env.address.split(':').pop())),
  };
}

const THREE_DAYS_S = 3 * 86_400;
/** A skip lands this far past the wake-up instant, so every timer due at it has fired. */
const SKIP_PAST_MS = 1000;

export interface WaitingBenchOptions {
  customers: number;
  /** Enrollments in flight at once (20). */
  startConcurrency?: number;
  /**
   * Starts made but not yet parked at the wait, at most (0 or unset: no limit). Pacing the starts to
   * the rate runs park keeps the dev server's task backlog small; unpaced, 100,000 starts outran
   * parking five to one.
   */
  maxUnparked?: number;
  /**
   * Seconds from the first start to the wake-up instant; 0 = estimated from N (N / 8 + 60 s: a dev
   * server on 2 cores parks about 10 runs/s), or 3 days with a `clock`.
   */
  wakeAfterSeconds?: number;
  /** Spread the wake-ups over this many seconds after the wake-up instant (the wait's `spread`); 0 = all at once. */
  spreadSeconds?: number;
  /** Given: the server's clock is skipped to the wake-up once every run is parked (time-skipping server). */
  clock?: WaitingClock;
  /** Process id of the Temporal server, to sample its memory (RSS) before and while the runs wait. */
  temporalPid?: number | null;
  /** The dev server's database file (and its -wal), to measure storage; null when in memory. */
  temporalDbFile?: string | null;
  timeoutMs?: number;
}

export interface WaitingBenchResult {
  customers: number;
  /** `mostUnparked`: the most starts begun and not yet seen parked, when a start was made. */
  start: { seconds: number; perSecond: number; concurrency: number; maxUnparked: number; mostUnparked: number };
  /** Runs parked at the wait at the wake-up instant (all of them, unless starting took longer than planned). */
  waitingAtWake: number;
  wakeAfterSeconds: number;
  /** The wait's spread: runs wake from the wake-up instant to this many seconds after it. */
  spreadSeconds: number;
  /** `real`: the wake-up came in real time; `skipped`: the server's clock jumped to it once all were parked. */
  clock: 'real' | 'skipped';
  /** From the wake-up instant until every run has ended. */
  moveOn: { seconds: number; perSecond: number; firstEndedAfterMs: number };
  memory: { before: MemorySample; whileWaiting: MemorySample; afterMoveOn: MemorySample };
  temporalStorage: { bytesBefore: number; bytesWhileWaiting: number; bytesPerWaitingRun: number } | null;
  /** The Temporal server process's resident memory; null when its process id is unknown. */
  temporalMemory: { rssBeforeMiB: number; rssWhileWaitingMiB: number; bytesPerWaitingRun: number } | null;
  statuses: Record<string, number>;
  traitsSet: number;
}

/** trigger (api) -> wait until `wakeAt` -> update_traits (woke_at) -> exit. */
export function waitingCanvas(wakeAt: Date, spreadSeconds = 0): Canvas {
  return {
    schemaVersion: 2,
    name: 'bench: waiting at scale',
    settings: { reentry: { policy: 'after_exit' } },
    nodes: [
      { id: 'start', type: 'trigger', trigger: { kind: 'api' } },
      { id: 'wait', type: 'wait', until: wakeAt.toISOString(), ...(spreadSeconds > 0 ? { spread: `PT${spreadSeconds}S` } : {}) },
      { id: 'mark', type: 'action', action: 'update_traits', params: { set: { bench_woke: true } } },
      { id: 'done', type: 'exit', reason: 'bench_done' },
    ],
    edges: [
      { from: 'start', to: 'wait' },
      { from: 'wait', to: 'mark' },
      { from: 'mark', to: 'done' },
    ],
  } as Canvas;
}

const mib = (bytes: number) => round(bytes / 2 ** 20);
const memory = (): MemorySample => {
  const m = process.memoryUsage();
  return { rssMiB: mib(m.rss), heapUsedMiB: mib(m.heapUsed) };
};

function storageBytes(dbFile: string): number {
  return ['', '-wal', '-shm'].reduce((sum, suffix) => sum + (fs.existsSync(dbFile + suffix) ? fs.statSync(dbFile + suffix).size : 0), 0);
}

async function statusCounts(deps: BenchDeps, journeyId: string): Promise<Record<string, number>> {
  const rows: { status: string; n: string }[] = await deps.db.query(
    `SELECT status, count(*) AS n FROM enrollments WHERE journey_id = $1 GROUP BY status ORDER BY status`,
    [journeyId],
  );
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

let waitingRuns = 0;

export async function runWaitingBench(deps: BenchDeps, opts: WaitingBenchOptions, log: (line: string) => void = () => {}): Promise<WaitingBenchResult> {
  const n = opts.customers;
  const concurrency = opts.startConcurrency ?? 20;
  const clock = opts.clock ?? null;
  const wakeAfterSeconds = opts.wakeAfterSeconds || (clock ? THREE_DAYS_S : Math.ceil(n / 8 + 60));
  const timeoutMs = opts.timeoutMs ?? Math.max(300_000, n * 200);
  // Its own journey and customers on every call, so that two calls on one runtime count only their own runs.
  const journeyId = `${deps.prefix}-waiting-${(waitingRuns++).toString(36)}`;
  const customerIds = Array.from({ length: n }, (_, i) => `${journeyId}-c${i}`);
  const dbFile = opts.temporalDbFile ?? null;
  /** Logs `line()` every 10 s, the same way in each phase, until the returned function is called. */
  const progressEvery10s = (line: () => string) => {
    const timer = setInterval(() => log(line()), 10_000);
    return () => clearInterval(timer);
  };

  for (let i = 0; i < n; i += 5000) {
    await deps.db.query(`INSERT INTO customers (id) SELECT unnest($1::text[]) ON CONFLICT (id) DO NOTHING`, [customerIds.slice(i, i + 5000)]);
  }
  const firstStart = Date.now();
  const wakeAt = new Date((clock ? await clock.nowMs() : firstStart) + wakeAfterSeconds * 1000);
  const spreadSeconds = opts.spreadSeconds ?? 0;
  await publish(deps, journeyId, waitingCanvas(wakeAt, spreadSeconds));
  const [{ id: versionId }]: { id: string }[] = await deps.db.query(`SELECT id FROM journey_versions WHERE journey_id = $1 AND active`, [journeyId]);
  const before = memory();
  const bytesBefore = dbFile ? storageBytes(dbFile) : 0;
  const serverRss = () => (opts.temporalPid ? processRssBytes(opts.temporalPid) : null);
  const serverRssBefore = serverRss();

  const maxUnparked = opts.maxUnparked ?? 0;
  // Runs that have reached the wait (or, should T come first, gone past it): their node is set.
  let reachedSoFar = 0;
  let counting: Promise<void> | null = null;
  /** One count at a time, however many lanes are held back. */
  const recount = () =>
    (counting ??= deps.db
      .query(`SELECT count(*) AS count FROM enrollments WHERE journey_id = $1 AND current_node IS NOT NULL`, [journeyId])
      .then(([{ count }]: { count: string }[]) => void (reachedSoFar = Number(count)))
      .finally(() => (counting = null)));
  let begun = 0;
  let mostUnparked = 0;

  let started = 0;
  const stopStartProgress = progressEvery10s(() => `waiting: ${started}/${n} enrolled${maxUnparked ? `, ${reachedSoFar} parked` : ''}`);
  try {
    await mapLimit(customerIds, concurrency, async (customerId) => {
      while (maxUnparked > 0 && begun - reachedSoFar >= maxUnparked) {
        await sleep(200);
        await recount();
      }
      begun++;
      mostUnparked = Math.max(mostUnparked, begun - reachedSoFar);
      const result = await deps.enrollments.enroll({ versionId, customerId, entry: { kind: 'api', payload: {} } });
      if (!result.enrolled) throw new Error(`bench: ${customerId} was not enrolled (${result.reason})`);
      started++;
    });
  } finally {
    stopStartProgress();
  }
  const startSeconds = (Date.now() - firstStart) / 1000;
  log(`waiting: ${n} enrolled in ${round(startSeconds)} s; waking at ${wakeAt.toISOString()}`);

  // Every run records its wait (current_node, waiting_until) as it parks; count them just before waking.
  const parked = async () => {
    const [{ count }]: { count: string }[] = await deps.db.query(
      `SELECT count(*) AS count FROM enrollments WHERE journey_id = $1 AND status = 'active' AND current_node = 'wait'`,
      [journeyId],
    );
    return Number(count);
  };
  let parkedSoFar = await parked();
  const stopParkProgress = progressEvery10s(
    () =>
      `waiting: ${parkedSoFar}/${n} parked at the wait; wake-up ${clock ? 'once all are parked' : `in ${round((wakeAt.getTime() - Date.now()) / 1000)} s`}`,
  );
  // Real clock: count until just before the wake-up. Skipping clock: until all are parked (or the timeout).
  const parkUntil = clock ? firstStart + timeoutMs : wakeAt.getTime() - 1500;
  try {
    while (Date.now() < parkUntil && parkedSoFar < n) {
      await sleep(500);
      parkedSoFar = await parked();
    }
  } finally {
    stopParkProgress();
  }
  const lastLook = clock ? 0 : wakeAt.getTime() - 1000 - Date.now();
  if (lastLook > 0) await sleep(lastLook);
  const waitingAtWake = await parked();
  const whileWaiting = memory();
  const bytesWhileWaiting = dbFile ? storageBytes(dbFile) : 0;
  const serverRssWhileWaiting = serverRss();
  log(
    `waiting: ${waitingAtWake} runs parked at the wait; RSS ${whileWaiting.rssMiB} MiB` +
      (serverRssWhileWaiting === null ? '' : `, Temporal server RSS ${mib(serverRssWhileWaiting)} MiB`),
  );

  /** The wake-up in real time: when the server's clock reaches `wakeAt`. */
  let wokeAt: number;
  if (clock) {
    const skipBy = wakeAt.getTime() - (await clock.nowMs()) + SKIP_PAST_MS;
    log(`waiting: skipping the server's clock ${round(skipBy / 3_600_000)} h ahead to the wake-up`);
    wokeAt = Date.now();
    await clock.skip(skipBy);
  } else {
    await sleep(Math.max(0, wakeAt.getTime() - Date.now()));
    wokeAt = wakeAt.getTime();
  }
  // The runs' ended_at are on the server's clock. A real clock: the earliest of them. A skipped one
  // does not run at real speed while it skips, so: when the first end was seen, in real time.
  let firstEndedAt = 0;
  let endedSoFar = 0;
  const stopMoveOnProgress = progressEvery10s(
    () => `waiting: ${endedSoFar}/${n} moved on and ended, ${round((Date.now() - wokeAt) / 1000)} s after the wake-up`,
  );
  try {
    await waitFor(
      'every waiting run to move on and end',
      async () => {
        const [{ ended, first }]: { ended: string; first: Date | null }[] = await deps.db.query(
          `SELECT count(*) FILTER (WHERE ended_at IS NOT NULL) AS ended, min(ended_at) AS first FROM enrollments WHERE journey_id = $1`,
          [journeyId],
        );
        endedSoFar = Number(ended);
        if (first && !clock) firstEndedAt = first.getTime();
        if (endedSoFar > 0 && clock && !firstEndedAt) firstEndedAt = Date.now();
        return endedSoFar >= n;
      },
      timeoutMs,
      250,
    );
  } finally {
    stopMoveOnProgress();
  }
  const moveOnSeconds = (Date.now() - wokeAt) / 1000;
  const [{ woke }]: { woke: string }[] = await deps.db.query(
    `SELECT count(*) AS woke FROM customers WHERE id = ANY($1) AND traits->>'bench_woke' = 'true'`,
    [customerIds],
  );
  return {
    customers: n,
    start: { seconds: round(startSeconds), perSecond: round(n / startSeconds), concurrency, maxUnparked, mostUnparked },
    waitingAtWake,
    wakeAfterSeconds,
    spreadSeconds,
    clock: clock ? 'skipped' : 'real',
    moveOn: { seconds: round(moveOnSeconds), perSecond: round(n / moveOnSeconds), firstEndedAfterMs: Math.max(0, firstEndedAt - wokeAt) },
    memory: { before, whileWaiting, afterMoveOn: memory() },
    temporalStorage: dbFile
      ? { bytesBefore, bytesWhileWaiting, bytesPerWaitingRun: Math.round((bytesWhileWaiting - bytesBefore) / Math.max(1, waitingAtWake)) }
      : null,
    temporalMemory:
      serverRssBefore !== null && serverRssWhileWaiting !== null
        ? {
            rssBeforeMiB: mib(serverRssBefore),
            rssWhileWaitingMiB: mib(serverRssWhileWaiting),
            bytesPerWaitingRun: Math.round((serverRssWhileWaiting - serverRssBefore) / Math.max(1, waitingAtWake)),
          }
        : null,
    statuses: await statusCounts(deps, journeyId),
    traitsSet: Number(woke),
  };
}
