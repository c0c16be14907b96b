/**
 * Benchmark 3: ingestion. Batches of events whose name no journey triggers on are POSTed to
 * /v1/events; events/s accepted (HTTP 202) from the first request to the last answer.
 */
import type { BenchDeps } from './runtime.js';
import { mapLimit, round } from './stats.js';

export interface IngestionBenchOptions {
  events: number;
  batchSize?: number;
  /** Requests in flight at once (1). */
  concurrency?: number;
  /** Distinct customers the events belong to (1000). */
  customers?: number;
}

export interface IngestionBenchResult {
  events: number;
  batchSize: number;
  concurrency: number;
  seconds: number;
  perSecond: number;
  /** Events of this benchmark found in the events table afterwards. */
  stored: number;
}

export async function runIngestionBench(deps: BenchDeps, opts: IngestionBenchOptions): Promise<IngestionBenchResult> {
  const batchSize = opts.batchSize ?? 500;
  const concurrency = opts.concurrency ?? 1;
  const customers = opts.customers ?? 1000;
  const name = `${deps.prefix}-noise`;
  const idPrefix = `${deps.prefix}-ing-`;
  const eventTime = new Date().toISOString();
  const bodies: string[] = [];
  for (let start = 0; start < opts.events; start += batchSize) {
    const events = [];
    for (let i = start; i < Math.min(opts.events, start + batchSize); i++) {
      events.push({ eventId: `${idPrefix}e${i}`, customerId: `${idPrefix}c${i % customers}`, name, eventTime, properties: { page: 'home', i } });
    }
    bodies.push(JSON.stringify({ events }));
  }

  const started = performance.now();
  await mapLimit(bodies, concurrency, async (body) => {
    const res = await fetch(`${deps.apiUrl}/v1/events`, { method: 'POST', headers: deps.apiHeaders, body });
    if (res.status !== 202) throw new Error(`bench: POST /v1/events answered ${res.status}: ${await res.text()}`);
    await res.arrayBuffer();
  });
  const seconds = (performance.now() - started) / 1000;
  const [row]: { n: number }[] = await deps.db.query(`SELECT count(*)::int AS n FROM events WHERE name = $1`, [name]);
  return { events: opts.events, batchSize, concurrency, seconds: round(seconds, 2), perSecond: round(opts.events / seconds), stored: row.n };
}
