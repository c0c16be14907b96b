/**
 * CRM re-delivery from many processes: every worker runs the outbound retry loop, and each owed copy
 * is still POSTed exactly once. Two "processes" (two DataSources, each its own connection pool, each
 * running the loop and extra overlapping rounds) share one database and one fake CRM webhook receiver
 * that answers slowly, so that without claims the rounds would overlap on the same tasks.
 * Its own scratch database: other test files' owed copies (and their retry rounds) stay out of it.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { DataSource } from 'typeorm';
import { retryOutbound, startOutboundRetryLoop } from '../../activities/channels/crm-task/index.js';
import { CrmTasksRepository } from '../../store/crm-tasks.repository.js';
import { createDataSource } from '../../store/data-source.js';
import { startFakeWebhookReceiver, type FakeWebhookReceiver } from '../fakes/webhook-receiver.js';
import { createScratchDatabase, type ScratchDatabase } from '../support/scratch-database.js';

const TASKS = 40;
let scratch: ScratchDatabase;
let processA: DataSource;
let processB: DataSource;
let receiver: FakeWebhookReceiver;

beforeAll(async () => {
  scratch = await createScratchDatabase('je_crm_claims');
  processA = createDataSource(scratch.url, { poolSize: 3, applicationName: 'crm-claims-a' });
  processB = createDataSource(scratch.url, { poolSize: 3, applicationName: 'crm-claims-b' });
  await processA.initialize();
  await processA.runMigrations();
  await processB.initialize();
  receiver = await startFakeWebhookReceiver();
});

afterAll(async () => {
  await receiver?.close();
  await processA?.destroy();
  await processB?.destroy();
  await scratch?.drop();
});

/** Tasks whose first POST failed: each owes the CRM one copy. Returns their idempotency keys. */
async function owedCopies(n: number): Promise<string[]> {
  const tasks = new CrmTasksRepository(processA);
  const keys: string[] = [];
  for (let i = 0; i < n; i++) {
    const key = `touch-${i}`;
    const task = await tasks.insertIfNew({
      idempotencyKey: key,
      enrollmentId: `enr-${i}`,
      journeyId: 'claims',
      nodeId: 'call',
      customerId: `cust-${i}`,
      assignee: 'am-li',
      queue: null,
      title: `Call cust-${i}`,
      details: null,
      dueAt: null,
      outboundStatus: 'pending',
    });
    await tasks.recordOutboundAttempt(task!.id, 'failed', 'HTTP 503');
    keys.push(key);
  }
  return keys;
}

describe('CRM outbound re-delivery across processes', () => {
  it('posts each owed copy exactly once while two processes run the retry loop at the same time', async () => {
    const keys = await owedCopies(TASKS);
    // Every answer takes 50 ms: rounds of both processes are in flight together for a while.
    receiver.failNext({ kind: 'delay', ms: 50 }, TASKS * 3);
    const opts = { outboundUrl: `${receiver.baseUrl}/crm/tasks`, limit: 5, intervalMs: 20 };
    const loops = [startOutboundRetryLoop(processA, opts), startOutboundRetryLoop(processB, opts)];
    // Extra rounds besides the loops, as a second worker on each side would run.
    const extra = await Promise.all([retryOutbound(processA, opts), retryOutbound(processB, opts), retryOutbound(processA, opts)]);
    const deadline = Date.now() + 30_000;
    while (receiver.deliveries.length < TASKS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await Promise.all(loops.map((l) => l.stop()));

    // Exactly one request per task reached the CRM: no repeat, not even one the receiver deduplicated.
    const perKey = new Map<string, number>();
    for (const r of receiver.requests) perKey.set(r.idempotencyKey ?? '', (perKey.get(r.idempotencyKey ?? '') ?? 0) + 1);
    expect([...perKey.keys()].sort()).toEqual([...keys].sort());
    expect([...perKey.values()].every((n) => n === 1)).toBe(true);
    expect(receiver.requests.filter((r) => r.duplicate)).toEqual([]);
    expect(receiver.deliveries).toHaveLength(TASKS);
    expect(extra.reduce((sum, c) => sum + c.delivered, 0)).toBeGreaterThan(0);

    const rows: { outbound_status: string; outbound_attempts: number; outbound_lease_until: Date | null }[] = await processB.query(
      `SELECT outbound_status, outbound_attempts, outbound_lease_until FROM crm_tasks`,
    );
    expect(rows).toHaveLength(TASKS);
    expect(rows.every((r) => r.outbound_status === 'delivered' && r.outbound_attempts === 2 && r.outbound_lease_until === null)).toBe(true);
  });

  it('lets another process take over a copy whose claim expired (its claimer died mid-POST)', async () => {
    const tasks = new CrmTasksRepository(processA);
    const task = await tasks.insertIfNew({
      idempotencyKey: 'touch-crashed',
      enrollmentId: 'enr-crashed',
      journeyId: 'claims',
      nodeId: 'call',
      customerId: 'cust-crashed',
      assignee: 'am-li',
      queue: null,
      title: 'Call cust-crashed',
      details: null,
      dueAt: null,
      outboundStatus: 'pending',
    });
    await tasks.recordOutboundAttempt(task!.id, 'failed', 'HTTP 503');
    // Process A claims it for 200 ms and "dies" before posting.
    expect((await tasks.claimOutboundToRetry(10, 60_000, 200)).map((t) => t.idempotency_key)).toEqual(['touch-crashed']);
    // While the claim lasts, process B gets nothing.
    expect(await new CrmTasksRepository(processB).claimOutboundToRetry(10, 60_000, 200)).toEqual([]);
    await new Promise((r) => setTimeout(r, 300));
    const counts = await retryOutbound(processB, { outboundUrl: `${receiver.baseUrl}/crm/tasks` });
    expect(counts).toEqual({ delivered: 1, failed: 0, rejected: 0 });
    expect(receiver.requests.filter((r) => r.idempotencyKey === 'touch-crashed')).toHaveLength(1);
  });
});
