/**
 * Drill: the Temporal server dies (SIGKILL) mid-traffic and comes back on the same SQLite file and
 * port. A private dev server is used (never the shared one). The worker process keeps running and
 * reconnects (or is replaced if it gave up); enrollments made while Temporal was down stay `pending`
 * and are started by the recovery sweep (`startPending`, called here as the API's sweeper would).
 * Checked: every run completed, each SMS reached the fake Twilio exactly once.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startFakeTwilio, type FakeTwilio } from '../fakes/twilio-server.js';
import { temporalCliPath } from '../support/env.js';
import { startDevServer, type DevServer } from '../support/temporal-dev-server.js';
import type { WorkerProcess } from '../support/worker-process.js';
import { allEnded, deliveryAt, ledgerOf, pollUntil, publishTwoSmsJourney, report, seedCustomers, sleep, spawnReadySmsWorker, spawnSmsWorker, startServices, type DrillServices } from './support.js';

const CUSTOMERS = 20;
let dir: string;
let server: DevServer;
let fake: FakeTwilio;
let svc: DrillServices;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'je-drill-temporal-'));
  [server, fake] = await Promise.all([
    startDevServer({ dbFile: path.join(dir, 'temporal.db'), cliPath: temporalCliPath() }),
    startFakeTwilio({ latencyMs: 200 }),
  ]);
  svc = await startServices('temporal-restart', { temporalAddress: server.address });
  workers.push(await spawnReadySmsWorker(svc.taskQueue, fake, { TEMPORAL_ADDRESS: server.address }));
}, 85_000);

afterAll(async () => {
  await Promise.all(workers.map((w) => w.kill()));
  await svc?.stop();
  await fake?.close();
  await server?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}, 30_000);

describe('Temporal server killed and restarted mid-traffic', () => {
  it('finishes every run, each SMS delivered exactly once', async () => {
    const journeyId = `drill-temporal-${Date.now().toString(36)}`;
    const versionId = await publishTwoSmsJourney(svc.publishing, journeyId);
    const phoneOf = await seedCustomers(svc.ingestion, journeyId, CUSTOMERS, '86138');
    const customers = [...phoneOf.keys()];
    const spawn = () => {
      const w = spawnSmsWorker(svc.taskQueue, fake, { TEMPORAL_ADDRESS: server.address });
      workers.push(w);
      return w;
    };

    const enroll = (customerId: string) => svc.enrollments.enroll({ versionId, customerId, entry: { kind: 'api', payload: {} } });
    for (const c of customers.slice(0, CUSTOMERS / 2)) expect((await enroll(c)).enrolled).toBe(true);
    await pollUntil('first sends at the fake', async () => fake.messages.length >= 5, 60_000);

    await server.kill();
    const deliveredAtKill = fake.messages.length;
    // Enrollments during the outage: recorded `pending`, their workflow start fails (or waits).
    const lateEnrollments = Promise.all(customers.slice(CUSTOMERS / 2).map(enroll));
    await sleep(2_000);
    await server.restart();
    const late = await lateEnrollments;
    expect(late.every((r) => r.enrolled)).toBe(true);

    // The API's recovery sweeper, and a replacement worker if the first one gave up.
    let restartedWorker = 0;
    let sweptStarts = 0;
    const sweeper = setInterval(() => {
      // Only this drill's journey: the database is shared with tests that run beside it on other Temporal servers.
      svc.enrollments.startPending(0, { journeyId }).then((n) => (sweptStarts += n), () => undefined);
      const live = workers.filter((w) => w.child.exitCode === null && w.child.signalCode === null);
      if (live.length === 0) {
        restartedWorker++;
        spawn();
      }
    }, 2_000);
    let ended;
    try {
      ended = await allEnded(svc.db, journeyId, CUSTOMERS, 70_000);
    } finally {
      clearInterval(sweeper);
    }

    const delivery = deliveryAt(fake, phoneOf.values());
    const ledger = await ledgerOf(svc.db, journeyId);
    report('temporal-restart', { customers: CUSTOMERS, delivery, ledger, ended }, {
      delivered_at_kill: deliveredAtKill,
      swept_starts: sweptStarts,
      worker_respawns: restartedWorker,
    });
    expect(ended).toHaveLength(CUSTOMERS);
    expect(ended.filter((e) => e.status !== 'completed')).toEqual([]);
    expect(delivery.duplicates).toEqual([]);
    expect(delivery.missing).toEqual([]);
    expect(delivery.unexpected).toEqual([]);
    expect(ledger.filter((r) => r.status !== 'sent')).toEqual([]);
    expect(ledger).toHaveLength(2 * CUSTOMERS);
  }, 89_000);
});
