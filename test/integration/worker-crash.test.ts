/**
 * A worker process killed with SIGKILL in the middle of traffic, then started again: every run
 * finishes, every message leaves exactly once, and no step record is missing or doubled.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { endedEnrollments, eventually, startRuntime, type RuntimeHarness } from '../support/runtime-harness.js';
import { publishTwoSmsJourney } from '../support/journeys.js';
import { spawnWorkerProcess, type WorkerProcess } from '../support/worker-process.js';

const CUSTOMERS = 40;
let rt: RuntimeHarness;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  // Services only: the runs are executed by the worker processes spawned below.
  rt = await startRuntime('crash', { worker: false });
});
afterAll(async () => {
  await Promise.all(workers.map((w) => w.kill()));
  await rt?.stop();
});

describe('worker killed mid-run', () => {
  it('finishes every run with each message sent exactly once', async () => {
    const journeyId = `crash-${Date.now().toString(36)}`;
    const versionId = await publishTwoSmsJourney(rt.publishing, journeyId);
    const customers = Array.from({ length: CUSTOMERS }, (_, i) => `${journeyId}-c${i}`);
    for (const id of customers) await rt.ingestion.upsertCustomer(id, { phone: `+86138${String(customers.indexOf(id)).padStart(8, '0')}` });

    const first = spawnWorkerProcess(rt.taskQueue);
    workers.push(first);
    for (const customerId of customers) {
      await rt.enrollments.enroll({ versionId, customerId, entry: { kind: 'api', payload: {} } });
    }
    const sendsSoFar = async () => {
      const [{ n }]: { n: string }[] = await rt.db.query(`SELECT count(*) AS n FROM recorded_sends WHERE customer_id LIKE $1`, [`${journeyId}-%`]);
      return Number(n);
    };
    // Mid-run: some first messages out, the journeys far from done.
    await eventually('the first messages to go out', async () => (await sendsSoFar()) >= 5, 60_000);
    await first.kill();
    const atKill = await sendsSoFar();
    expect(atKill).toBeLessThan(2 * CUSTOMERS);

    workers.push(spawnWorkerProcess(rt.taskQueue));
    const ended = await endedEnrollments(rt.db, journeyId, CUSTOMERS, 150_000);
    expect(ended.every((e) => e.status === 'completed')).toBe(true);

    const perMessage: { idempotency_key: string; n: string }[] = await rt.db.query(
      `SELECT idempotency_key, count(*) AS n FROM recorded_sends WHERE customer_id LIKE $1 GROUP BY idempotency_key`,
      [`${journeyId}-%`],
    );
    expect(perMessage).toHaveLength(2 * CUSTOMERS);
    expect(perMessage.filter((m) => Number(m.n) !== 1)).toEqual([]);

    const ledger: { status: string; n: string }[] = await rt.db.query(
      `SELECT m.status, count(*) AS n FROM messages m JOIN enrollments e ON e.id = m.enrollment_id WHERE e.journey_id = $1 GROUP BY m.status`,
      [journeyId],
    );
    expect(ledger).toEqual([{ status: 'sent', n: String(2 * CUSTOMERS) }]);

    const gaps: unknown[] = await rt.db.query(
      `SELECT e.id FROM enrollments e JOIN enrollment_steps s ON s.enrollment_id = e.id WHERE e.journey_id = $1
        GROUP BY e.id HAVING count(*) <> max(s.seq) + 1 OR min(s.seq) <> 0`,
      [journeyId],
    );
    expect(gaps).toEqual([]);
  }, 240_000);
});
