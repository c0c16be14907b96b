/**
 * `npm run bench:segments -- [--customers 100000] [--events 2000000] [--database-url URL] [--samples 300]`:
 * segments at brokerage scale. Fills the database with scripts/generate-population.ts (skipped when
 * the population is already there), then reports for a set of typical segments: the whole-segment
 * count time, one-customer membership latency p50/p99, and the time to enroll a whole segment into
 * a journey, each beside the same figure for a hand-written SQL query of the same rule, in the same
 * run. Without --database-url it starts its own PostgreSQL (a fresh database on DATABASE_URL's
 * server, else an embedded one). Results go to bench/results/segments-<timestamp>.json.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DataSource } from 'typeorm';
import { segmentRunTriggerKey } from '../activities/segment-entry.js';
import type { SegmentEntryInput } from '../engine/workflow-contract.js';
import { EnrollmentService } from '../core/enrollment.js';
import { compileSegment, type SegmentRule } from '../engine/segments/index.js';
import { startPopulationBench } from './population.js';
import type { BenchRuntime } from './runtime.js';
import { distribution, mapLimit, round, waitFor, type Distribution } from './stats.js';

const RESULTS_DIR = fileURLToPath(new URL('./results/', import.meta.url));
const log = (line: string) => console.log(`bench:segments: ${line}`);
const DEFAULTS = { timeZone: 'Asia/Shanghai', lateEventGraceMs: 500, maxHistoryEvents: 10_000 };

/** A typical segment: the rule marketing authors, and the query an engineer would write for it by hand. */
interface BenchSegment {
  key: string;
  rule: SegmentRule;
  /** `SELECT c.id FROM customers c ...`: the members' ids, one row each. */
  hand: string;
}

const FUND_VIEW = { property: 'page', op: 'eq', value: 'fund_detail' } as const;

const SEGMENTS: BenchSegment[] = [
  {
    key: 'bench-onboarding',
    rule: {
      and: [
        { trait: 'registered_at', op: 'within_last', value: 'P7D' },
        { not: { event: 'account_opened' } },
        { trait: 'risk_level', op: 'gte', value: 'C3', order: ['C1', 'C2', 'C3', 'C4', 'C5'] },
        { event: 'page_view', where: [FUND_VIEW], count: { gte: 3 } },
      ],
    },
    hand: `SELECT c.id FROM customers c JOIN events v ON v.customer_id = c.id AND v.name = 'page_view' AND v.properties->>'page' = 'fund_detail'
            WHERE (c.traits->>'registered_at')::timestamptz > now() - interval '7 days' AND c.traits->>'risk_level' IN ('C3', 'C4', 'C5')
              AND NOT EXISTS (SELECT 1 FROM events o WHERE o.customer_id = c.id AND o.name = 'account_opened')
            GROUP BY c.id HAVING count(*) >= 3`,
  },
  {
    key: 'bench-wealthy',
    rule: {
      and: [
        { trait: 'account_status', op: 'eq', value: 'active' },
        { trait: 'assets', op: 'gte', value: 1_000_000 },
        { trait: 'city', op: 'in', value: ['Shanghai', 'Beijing'] },
      ],
    },
    hand: `SELECT c.id FROM customers c WHERE c.traits->>'account_status' = 'active' AND (c.traits->>'assets')::numeric >= 1000000
              AND c.traits->>'city' IN ('Shanghai', 'Beijing')`,
  },
  {
    key: 'bench-traded-7d',
    rule: { event: 'trade', within: 'P7D' },
    hand: `SELECT DISTINCT e.customer_id AS id FROM events e WHERE e.name = 'trade' AND e.event_time > now() - interval '7 days' AND e.event_time <= now()`,
  },
  {
    key: 'bench-quiet-openers',
    rule: { and: [{ event: 'account_opened' }, { not: { event: 'app_launch', within: 'P30D' } }] },
    hand: `SELECT o.customer_id AS id FROM events o WHERE o.name = 'account_opened'
              AND NOT EXISTS (SELECT 1 FROM events a WHERE a.customer_id = o.customer_id AND a.name = 'app_launch' AND a.event_time > now() - interval '30 days')`,
  },
];

/** The segment enrolled into a journey: the issue's example (a few hundred members at 100k customers). */
const ENROLLED = 'bench-onboarding';

interface SegmentFigures {
  key: string;
  members: number;
  countMs: { engine: number; hand: number };
  membershipMs: { engine: Distribution; hand: Distribution };
}

interface SegmentsBenchReport {
  startedAt: string;
  population: { customers: number; events: number; generateSeconds: number | null };
  segments: SegmentFigures[];
  enrollment: { segment: string; members: number; engine: { seconds: number; perSecond: number }; hand: { seconds: number; perSecond: number } };
}

/** The median wall time of `runs` executions of `fn`, in ms. */
async function medianMs(runs: number, fn: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  return round(distribution(times).p50, 1);
}

/** Latencies of one-customer checks, sequential, in ms. */
async function latencies(ids: string[], check: (id: string) => Promise<unknown>): Promise<Distribution> {
  const times: number[] = [];
  for (const id of ids) {
    const t = performance.now();
    await check(id);
    times.push(performance.now() - t);
  }
  const d = distribution(times);
  return { count: d.count, p50: round(d.p50, 2), p95: round(d.p95, 2), p99: round(d.p99, 2), max: round(d.max, 2) };
}

async function measureSegment(db: DataSource, segment: BenchSegment, sampleIds: string[]): Promise<SegmentFigures> {
  const whole = compileSegment(segment.rule);
  const one = compileSegment(segment.rule, { paramOffset: 1 });
  const engineCount = `SELECT count(*)::int AS n FROM customers c WHERE ${whole.sql}`;
  const handCount = `SELECT count(*)::int AS n FROM (${segment.hand}) m`;
  const [engine] = await db.query(engineCount, whole.params);
  const [hand] = await db.query(handCount);
  if (engine.n !== hand.n) throw new Error(`bench:segments: ${segment.key}: the engine counts ${engine.n}, the hand-written query ${hand.n}`);
  return {
    key: segment.key,
    members: engine.n,
    countMs: { engine: await medianMs(3, () => db.query(engineCount, whole.params)), hand: await medianMs(3, () => db.query(handCount)) },
    membershipMs: {
      engine: await latencies(sampleIds, (id) => db.query(`SELECT ${one.sql} AS member FROM customers c WHERE c.id = $1`, [id, ...one.params])),
      hand: await latencies(sampleIds, (id) => db.query(`SELECT EXISTS (SELECT 1 FROM (${segment.hand}) m WHERE m.id = $1) AS member`, [id])),
    },
  };
}

/** Publishes `trigger(api) -> exit` as journey `journeyId`. */
async function publishJourney(rt: BenchRuntime, journeyId: string): Promise<void> {
  const canvas = { schemaVersion: 2, name: journeyId, nodes: [{ id: 'start', type: 'trigger', trigger: { kind: 'api' } }, { id: 'done', type: 'exit' }], edges: [{ from: 'start', to: 'done' }] };
  const published = await rt.publishing.publish(journeyId, canvas);
  if (!published.ok) throw new Error(`bench:segments: publishing ${journeyId} failed: ${JSON.stringify(published.errors)}`);
}

/** Enrolls the segment with a segment run (engine), then the hand-written query's members through EnrollmentService (hand). */
async function measureEnrollment(rt: BenchRuntime, segment: BenchSegment, members: number): Promise<SegmentsBenchReport['enrollment']> {
  const engineJourney = `${rt.prefix}-segment-run`;
  const handJourney = `${rt.prefix}-hand-enroll`;
  await publishJourney(rt, engineJourney);
  await publishJourney(rt, handJourney);
  const input: SegmentEntryInput = { journeyId: engineJourney, segment: segment.key, batchSize: 500, ratePerSecond: null, scheduleId: null, defaults: DEFAULTS };
  const runId = `segment-run:${engineJourney}:bench`;
  let t = performance.now();
  await rt.client.workflow.start('segmentEntry', { taskQueue: rt.taskQueue, workflowId: runId, args: [input] });
  await waitFor(
    'the segment run',
    async () => ((await rt.db.query(`SELECT status FROM segment_runs WHERE id = $1`, [runId]))[0]?.status === 'completed' ? true : null),
    Math.max(600_000, members * 200),
    250,
  );
  const engineSeconds = (performance.now() - t) / 1000;

  const enrollments = new EnrollmentService({ db: rt.db, temporal: rt.client, taskQueue: rt.taskQueue, defaults: DEFAULTS });
  const [{ id: versionId }] = await rt.db.query(`SELECT id FROM journey_versions WHERE journey_id = $1 AND active`, [handJourney]);
  t = performance.now();
  const ids: { id: string }[] = await rt.db.query(`${segment.hand} ORDER BY 1`);
  await mapLimit(ids, 8, ({ id }) =>
    enrollments.enroll({ versionId, customerId: id, entry: { kind: 'segment', segment: segment.key, payload: {} }, triggerKey: segmentRunTriggerKey(handJourney, id) }),
  );
  const handSeconds = (performance.now() - t) / 1000;
  const perSecond = (s: number) => round(members / s, 0);
  return {
    segment: segment.key,
    members,
    engine: { seconds: round(engineSeconds, 1), perSecond: perSecond(engineSeconds) },
    hand: { seconds: round(handSeconds, 1), perSecond: perSecond(handSeconds) },
  };
}

/** The human-readable table. */
function formatSegmentsReport(r: SegmentsBenchReport): string {
  const lines = [`population: ${r.population.customers} customers, ${r.population.events} events`];
  lines.push('segment                 members   count engine / hand (ms)   membership p50 engine / hand   p99 engine / hand (ms)');
  for (const s of r.segments) {
    lines.push(
      `${s.key.padEnd(22)} ${String(s.members).padStart(8)}   ${`${s.countMs.engine} / ${s.countMs.hand}`.padEnd(24)} ${`${s.membershipMs.engine.p50} / ${s.membershipMs.hand.p50}`.padEnd(30)} ${s.membershipMs.engine.p99} / ${s.membershipMs.hand.p99}`,
    );
  }
  const e = r.enrollment;
  lines.push(`enroll ${e.segment} (${e.members}): segment run ${e.engine.seconds} s (${e.engine.perSecond}/s), hand-written query + enroll ${e.hand.seconds} s (${e.hand.perSecond}/s)`);
  return lines.join('\n');
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const samplesAt = argv.indexOf('--samples');
  const samples = samplesAt >= 0 ? Number(argv.splice(samplesAt, 2)[1]) : 300;
  const startedAt = new Date();
  const bench = await startPopulationBench('bench-seg', argv, log);
  const { rt, counts, generateSeconds } = bench;
  try {
    for (const s of SEGMENTS) {
      await rt.db.query(`INSERT INTO segments (key, name, definition) VALUES ($1, $1, $2) ON CONFLICT (key) DO UPDATE SET definition = EXCLUDED.definition`, [s.key, JSON.stringify(s.rule)]);
    }
    const sampleIds: string[] = (await rt.db.query(`SELECT id FROM customers TABLESAMPLE SYSTEM (5) LIMIT $1`, [samples])).map((r: { id: string }) => r.id);
    const segments: SegmentFigures[] = [];
    for (const s of SEGMENTS) {
      log(`measuring ${s.key}`);
      segments.push(await measureSegment(rt.db, s, sampleIds));
    }
    const enrolled = SEGMENTS.find((s) => s.key === ENROLLED)!;
    log(`enrolling ${ENROLLED}`);
    const enrollment = await measureEnrollment(rt, enrolled, segments.find((s) => s.key === ENROLLED)!.members);
    const report: SegmentsBenchReport = { startedAt: startedAt.toISOString(), population: { ...counts, generateSeconds }, segments, enrollment };
    console.log(`\n${formatSegmentsReport(report)}\n`);
    fs.mkdirSync(RESULTS_DIR, { recursive: true });
    const file = path.join(RESULTS_DIR, `segments-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
    fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    log(`results written to ${path.relative(process.cwd(), file)}`);
  } finally {
    await bench.stop();
  }
}

main().catch((err) => {
  console.error(`bench:segments: ${err instanceof Error ? err.stack : String(err)}`);
  process.exit(1);
});
