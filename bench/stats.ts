/** Small helpers shared by the benchmarks: percentiles, timing, polling, bounded concurrency. */

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The q-th percentile (0..100) of `values` by nearest rank; NaN when empty. */
export function percentile(values: number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((q / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export interface Distribution {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function distribution(values: number[]): Distribution {
  return {
    count: values.length,
    p50: percentile(values, 50),
    p95: percentile(values, 95),
    p99: percentile(values, 99),
    max: values.length ? Math.max(...values) : Number.NaN,
  };
}

/** Runs `fn` over `items` with at most `limit` calls in flight. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      results[i] = await fn(items[i], i);
    }
  });
  await Promise.all(lanes);
  return results;
}

/** Polls `probe` every `intervalMs` until it returns a truthy value; throws after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs: number, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`bench: timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** `n` E.164 numbers in a block of their own (`block` 100..999), e.g. +1201 0000007. */
export function phoneNumbers(block: number, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `+1${block}${String(i).padStart(7, '0')}`);
}

/** How many messages the fake accepted per recipient, for the recipients given. */
export function deliveriesTo(messages: { to: string }[], recipients: string[]): { distinct: number; duplicates: number; missing: number } {
  const wanted = new Set(recipients);
  const counts = new Map<string, number>();
  for (const m of messages) if (wanted.has(m.to)) counts.set(m.to, (counts.get(m.to) ?? 0) + 1);
  let duplicates = 0;
  for (const c of counts.values()) duplicates += c - 1;
  return { distinct: counts.size, duplicates, missing: recipients.length - counts.size };
}

export const round = (x: number, digits = 1) => (Number.isFinite(x) ? Number(x.toFixed(digits)) : x);
