/**
 * Benchmark 2: event-to-send latency. Single events are POSTed to /v1/events; each one's latency runs
 * from the HTTP 202 to the moment the fake Twilio holds the SMS. The fake runs in this process and is
 * polled every 5 ms (first time each recipient is seen), so figures carry up to ~5 ms of polling slack
 * plus whatever the shared event loop adds.
 */
import { latencyCanvas, publish, upsertCustomers } from './journeys.js';
import type { BenchDeps } from './runtime.js';
import { deliveriesTo, distribution, mapLimit, phoneNumbers, round, waitFor, type Distribution } from './stats.js';

export interface LatencyBenchOptions {
  /** Events sent one after another, each after the previous SMS arrived (50). */
  light: number;
  /** Events sent by `concurrency` concurrent senders (200). */
  heavy: number;
  concurrency?: number;
  trigger?: string;
  pollMs?: number;
  timeoutMs?: number;
}

export interface LatencyPhase {
  events: number;
  /** HTTP 202 -> SMS at the fake, ms. */
  latencyMs: Distribution;
  /** Request sent -> HTTP 202, ms. */
  httpMs: Distribution;
  sms: ReturnType<typeof deliveriesTo>;
}

export interface LatencyBenchResult {
  light: LatencyPhase;
  heavy: LatencyPhase & { concurrency: number };
  ended: number;
}

export async function runLatencyBench(deps: BenchDeps, opts: LatencyBenchOptions): Promise<LatencyBenchResult> {
  const trigger = opts.trigger ?? 'registered';
  const concurrency = opts.concurrency ?? 20;
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const journeyId = `${deps.prefix}-latency`;
  await publish(deps, journeyId, latencyCanvas(trigger));

  const seen = new Map<string, number>();
  let scanned = 0;
  const scan = () => {
    const messages = deps.fake.messages;
    const now = performance.now();
    for (; scanned < messages.length; scanned++) if (!seen.has(messages[scanned].to)) seen.set(messages[scanned].to, now);
  };
  scanned = deps.fake.messages.length;
  const poller = setInterval(scan, opts.pollMs ?? 5);
  try {
    const phase = async (label: string, block: number, count: number, lanes: number, waitEach: boolean): Promise<LatencyPhase> => {
      const phones = phoneNumbers(block, count);
      const ids = phones.map((_, i) => `${deps.prefix}-lat-${label}-c${i}`);
      await upsertCustomers(deps, ids.map((id, i) => ({ id, traits: { phone: phones[i] } })));
      const accepted = new Array<number>(count);
      const http = new Array<number>(count);
      await mapLimit(ids, lanes, async (customerId, i) => {
        const body = JSON.stringify({
          events: [{ eventId: `${deps.prefix}-lat-${label}-e${i}`, customerId, name: trigger, eventTime: new Date().toISOString() }],
        });
        const sent = performance.now();
        const res = await fetch(`${deps.apiUrl}/v1/events`, { method: 'POST', headers: deps.apiHeaders, body });
        accepted[i] = performance.now();
        http[i] = accepted[i] - sent;
        if (res.status !== 202) throw new Error(`bench: POST /v1/events answered ${res.status}: ${await res.text()}`);
        await res.arrayBuffer().catch(() => undefined);
        if (waitEach) await waitFor(`the SMS to ${phones[i]}`, async () => seen.has(phones[i]), timeoutMs, 2);
      });
      await waitFor(`${count} SMS of the ${label} phase`, async () => phones.every((p) => seen.has(p)), timeoutMs, 20);
      return {
        events: count,
        latencyMs: roundDist(distribution(phones.map((p, i) => seen.get(p)! - accepted[i]))),
        httpMs: roundDist(distribution(http)),
        sms: deliveriesTo(deps.fake.messages, phones),
      };
    };
    const light = await phase('light', 203, opts.light, 1, true);
    const heavy = await phase('heavy', 204, opts.heavy, concurrency, false);
    const total = opts.light + opts.heavy;
    const ended = await waitFor(
      `${total} ended runs of ${journeyId}`,
      async () => {
        const [row]: { ended: number }[] = await deps.db.query(
          `SELECT count(*)::int AS ended FROM enrollments WHERE journey_id = $1 AND ended_at IS NOT NULL`,
          [journeyId],
        );
        return row.ended >= total ? row.ended : null;
      },
      timeoutMs,
    );
    // Late duplicates would show up after the runs ended.
    scan();
    return {
      light: { ...light, sms: deliveriesTo(deps.fake.messages, phoneNumbers(203, opts.light)) },
      heavy: { ...heavy, concurrency, sms: deliveriesTo(deps.fake.messages, phoneNumbers(204, opts.heavy)) },
      ended,
    };
  } finally {
    clearInterval(poller);
    await deps.publishing.deactivate(journeyId);
  }
}

function roundDist(d: Distribution): Distribution {
  return { count: d.count, p50: round(d.p50), p95: round(d.p95), p99: round(d.p99), max: round(d.max) };
}
