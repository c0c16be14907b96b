/**
 * Drill: PostgreSQL drops the worker's and the API's connections (pg_terminate_backend on every
 * backend of this drill's worker and API, repeated for ~3 s from a separate admin connection) while
 * runs are sending and waiting. Activities fail and are retried by Temporal; the pools reconnect. Checked:
 * every run completed, each SMS reached the fake Twilio exactly once, every ledger row `sent`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startFakeTwilio, type FakeTwilio } from '../fakes/twilio-server.js';
import type { WorkerProcess } from '../support/worker-process.js';
import { allEnded, deliveryAt, ledgerOf, pollUntil, publishTwoSmsJourney, report, seedCustomers, sleep, spawnReadySmsWorker, startServices, type DrillServices } from './support.js';

const CUSTOMERS = 20;
const DROP_MS = 3_000;
/**
 * The application_name prefix of this drill's worker (JE_DB_APPLICATION_NAME) and API side. Only
 * these backends are dropped: tests running beside it share the database, and once lost a
 * migration in `npm run generate` to a drill that dropped every `journey-engine%` backend.
 */
const APP = `je-drill-pgdrop-${process.pid}-${Date.now().toString(36)}`;
let fake: FakeTwilio;
/** The test's own view (admin and checks); its connections are never terminated. */
let admin: DrillServices;
/** The API side (enrollments), connected as `<APP>-api` so the drill drops it too. */
let api: DrillServices;
let worker: WorkerProcess | undefined;

beforeAll(async () => {
  [admin, fake] = await Promise.all([startServices('postgres-drop-admin'), startFakeTwilio({ latencyMs: 200 })]);
  api = await startServices('postgres-drop', { applicationName: `${APP}-api`, taskQueue: admin.taskQueue });
  worker = await spawnReadySmsWorker(admin.taskQueue, fake, { JE_DB_APPLICATION_NAME: APP });
}, 85_000);

afterAll(async () => {
  await worker?.kill();
  await api?.stop();
  await admin?.stop();
  await fake?.close();
});

// This drill found a crash: node-postgres emits 'error' (FATAL 57P01) on a client checked out between
// two queries, which had no listener, and the worker process died; its runs stalled until another
// worker started. store/data-source.ts now gives every pooled client a listener (guardPoolClients).
describe('PostgreSQL terminates the engine connections while runs are active', () => {
  it('finishes every run, each SMS delivered exactly once', async () => {
    const journeyId = `drill-pgdrop-${Date.now().toString(36)}`;
    const versionId = await publishTwoSmsJourney(admin.publishing, journeyId);
    const phoneOf = await seedCustomers(admin.ingestion, journeyId, CUSTOMERS, '86135');
    for (const customerId of phoneOf.keys()) {
      expect((await api.enrollments.enroll({ versionId, customerId, entry: { kind: 'api', payload: {} } })).enrolled).toBe(true);
    }
    await pollUntil('sends in flight at the fake', async () => fake.messages.length >= 3, 60_000);

    // The worker, busy sending, is connected under APP: its name comes from JE_DB_APPLICATION_NAME.
    const sides: { name: string }[] = await admin.db.query(
      `SELECT DISTINCT application_name AS name FROM pg_stat_activity WHERE application_name LIKE $1 || '-%'`,
      [APP],
    );
    expect(sides.map((s) => s.name)).toContain(`${APP}-worker`);
    let terminated = 0;
    const until = Date.now() + DROP_MS;
    const deliveredAtDrop = fake.messages.length;
    while (Date.now() < until) {
      const rows: { pid: number }[] = await admin.db.query(
        `SELECT pid FROM pg_stat_activity
          WHERE application_name LIKE $1 || '-%' AND datname = current_database() AND pg_terminate_backend(pid)`,
        [APP],
      );
      terminated += rows.length;
      await sleep(100);
    }
    // The API side after the drop: its pool reconnects (a query or two may fail first).
    await pollUntil('the API pool answering again', async () => (await api.db.query('SELECT 1 AS ok'))[0].ok === 1, 30_000);

    const ended = await allEnded(admin.db, journeyId, CUSTOMERS, 70_000).catch(async (err: Error) => {
      // Where the worker's connections are, and what Temporal says about a stuck run's activity.
      const backends: Record<string, unknown>[] = await admin.db.query(
        `SELECT state, wait_event_type, wait_event, now() - xact_start AS in_xact, left(query, 160) AS query
           FROM pg_stat_activity WHERE application_name LIKE $1 || '-%' AND datname = current_database()`,
        [APP],
      );
      const stuck: { id: string }[] = await admin.db.query(`SELECT id FROM enrollments WHERE journey_id = $1 AND ended_at IS NULL LIMIT 3`, [journeyId]);
      const pending = await Promise.all(
        stuck.map(async ({ id }) => {
          const d = await admin.client.workflow.getHandle(id).describe();
          return { id, status: d.status.name, pendingActivities: d.raw.pendingActivities?.map((a) => ({ type: a.activityType?.name, attempt: a.attempt, state: a.state, failure: a.lastFailure?.message })) };
        }),
      );
      const complaints = (worker?.output() ?? '').split('\n').filter((l) => /"level":"(warn|error)"/.test(l));
      const logFile = path.join(os.tmpdir(), `${journeyId}-worker.log`);
      fs.writeFileSync(logFile, worker?.output() ?? '');
      const exit = `worker exit code=${worker?.child.exitCode} signal=${worker?.child.signalCode}; full output in ${logFile}`;
      throw new Error(
        `${exit}\n` +
          `${err.message}\nbackends: ${JSON.stringify(backends, null, 1)}\nstuck runs: ${JSON.stringify(pending, null, 1)}\n` +
          `worker warnings/errors (last 8):\n${complaints.slice(-8).map((l) => l.slice(0, 400)).join('\n')}`,
      );
    });
    const delivery = deliveryAt(fake, phoneOf.values());
    const ledger = await ledgerOf(admin.db, journeyId);
    report('postgres-drop', { customers: CUSTOMERS, delivery, ledger, ended }, {
      backends_terminated: terminated,
      delivered_at_drop: deliveredAtDrop,
      worker_alive: worker && worker.child.exitCode === null && worker.child.signalCode === null ? 1 : 0,
    });
    expect(terminated).toBeGreaterThan(0);
    expect(ended).toHaveLength(CUSTOMERS);
    expect(ended.filter((e) => e.status !== 'completed')).toEqual([]);
    expect(delivery.duplicates).toEqual([]);
    expect(delivery.missing).toEqual([]);
    expect(delivery.unexpected).toEqual([]);
    expect(ledger).toHaveLength(2 * CUSTOMERS);
    expect(ledger.filter((r) => r.status !== 'sent')).toEqual([]);
  }, 89_000);
});
