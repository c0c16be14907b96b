/** The benchmark journeys and the customers they run for. */
import type { Canvas } from '../engine/canvas.js';
import type { BenchDeps } from './runtime.js';

/** trigger -> wait PT1S -> condition (vip eq true) -> yes/no both SMS -> exit. */
export function enrollmentCanvas(trigger: string): Canvas {
  return {
    schemaVersion: 2,
    name: 'bench: enrollment throughput',
    settings: { reentry: { policy: 'after_exit' } },
    nodes: [
      { id: 'start', type: 'trigger', trigger: { kind: 'event', event: trigger } },
      { id: 'wait_1s', type: 'wait', duration: 'PT1S' },
      { id: 'is_vip', type: 'condition', condition: { trait: 'vip', op: 'eq', value: true } },
      { id: 'sms_vip', type: 'action', action: 'sms', params: { body: 'Welcome, valued customer.' } },
      { id: 'sms_regular', type: 'action', action: 'sms', params: { body: 'Welcome!' } },
      { id: 'done', type: 'exit', reason: 'bench_done' },
    ],
    edges: [
      { from: 'start', to: 'wait_1s' },
      { from: 'wait_1s', to: 'is_vip' },
      { from: 'is_vip', port: 'yes', to: 'sms_vip' },
      { from: 'is_vip', port: 'no', to: 'sms_regular' },
      { from: 'sms_vip', to: 'done' },
      { from: 'sms_regular', to: 'done' },
    ],
  } as Canvas;
}

/** trigger -> SMS -> exit. */
export function latencyCanvas(trigger: string): Canvas {
  return {
    schemaVersion: 2,
    name: 'bench: event-to-send latency',
    settings: { reentry: { policy: 'after_exit' } },
    nodes: [
      { id: 'start', type: 'trigger', trigger: { kind: 'event', event: trigger } },
      { id: 'sms', type: 'action', action: 'sms', params: { body: 'Thanks for registering.' } },
      { id: 'done', type: 'exit', reason: 'bench_done' },
    ],
    edges: [
      { from: 'start', to: 'sms' },
      { from: 'sms', to: 'done' },
    ],
  } as Canvas;
}

/** Creates (or overwrites) customers with a phone and the given traits. */
export async function upsertCustomers(deps: BenchDeps, customers: { id: string; traits: Record<string, unknown> }[]): Promise<void> {
  for (let i = 0; i < customers.length; i += 1000) {
    const chunk = customers.slice(i, i + 1000);
    await deps.db.query(
      `INSERT INTO customers (id, traits)
       SELECT c.id, c.traits FROM jsonb_to_recordset($1::jsonb) AS c(id text, traits jsonb)
       ON CONFLICT (id) DO UPDATE SET traits = EXCLUDED.traits, updated_at = now()`,
      [JSON.stringify(chunk)],
    );
  }
}

/** Publishes `canvas` as journey `journeyId` and fails loudly if it does not compile. */
export async function publish(deps: BenchDeps, journeyId: string, canvas: Canvas): Promise<void> {
  const result = await deps.publishing.publish(journeyId, canvas);
  if (!result.ok) throw new Error(`bench: journey ${journeyId} does not compile: ${JSON.stringify(result.errors)}`);
}
