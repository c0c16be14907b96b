/**
 * Drill: the API is restarted while a client is posting event batches. The client sends each batch
 * (fresh `registered` events, unique event ids, one new customer each) and retries it on any error or
 * connection failure until it is answered 202; `duplicate` on a retry means an earlier try stored it.
 * Mid-loop the Nest app is closed and a new one listens on the same port ~1 s later (with the
 * recovery sweeper on, as the real API runs). Checked: every event the client believes accepted is
 * stored exactly once, every customer enrolled exactly once, every run completed, each SMS delivered
 * once at the fake Twilio.
 */
import type { NestExpressApplication } from '@nestjs/platform-express';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createApp } from '../../api/app.factory.js';
import { createDataSource } from '../../store/data-source.js';
import { startFakeTwilio, type FakeTwilio } from '../fakes/twilio-server.js';
import { testDatabaseUrl } from '../support/env.js';
import { FAST_DEFAULTS } from '../support/runtime-harness.js';
import { freePort } from '../support/temporal-dev-server.js';
import type { WorkerProcess } from '../support/worker-process.js';
import { allEnded, deliveryAt, eventsCheck, ledgerOf, publishTwoSmsJourney, report, seedCustomers, sleep, spawnReadySmsWorker, startServices, type DrillServices } from './support.js';
import { TEST_BOOTSTRAP_KEY } from '../support/api-keys.js';

const CUSTOMERS = 20;
const BATCH = 4;
let fake: FakeTwilio;
let svc: DrillServices;
let worker: WorkerProcess | undefined;
let app: NestExpressApplication | undefined;

/** One API instance on `port`: its own pool (closed at shutdown), the shared Temporal client. */
async function startApp(port: number): Promise<NestExpressApplication> {
  const db = createDataSource(testDatabaseUrl(), { poolSize: 5, applicationName: 'journey-engine-api' });
  await db.initialize();
  const instance = await createApp({
    db,
    temporal: svc.client,
    taskQueue: svc.taskQueue,
    defaults: FAST_DEFAULTS,
    recovery: { intervalMs: 1_000, olderThanMs: 2_000 },
    onShutdown: () => db.destroy(),
    adminApiKey: TEST_BOOTSTRAP_KEY,
  });
  await instance.listen(port, '127.0.0.1');
  return instance;
}

beforeAll(async () => {
  [svc, fake] = await Promise.all([startServices('api-restart'), startFakeTwilio()]);
  worker = await spawnReadySmsWorker(svc.taskQueue, fake);
}, 85_000);

afterAll(async () => {
  await app?.close();
  await worker?.kill();
  await svc?.stop();
  await fake?.close();
});

describe('API closed and restarted while a client posts event batches', () => {
  it('stores every accepted event once, enrolls each customer once, sends each SMS once', async () => {
    const journeyId = `drill-api-${Date.now().toString(36)}`;
    const eventName = `registered_${journeyId.replace(/-/g, '_')}`;
    await publishTwoSmsJourney(svc.publishing, journeyId, { kind: 'event', event: eventName });
    const phoneOf = await seedCustomers(svc.ingestion, journeyId, CUSTOMERS, '86136');
    const customers = [...phoneOf.keys()];
    const port = await freePort();
    app = await startApp(port);

    const believedAccepted: string[] = [];
    let failedTries = 0;
    let duplicatesOnRetry = 0;
    let restarted = false;
    let restart: Promise<void> = Promise.resolve();
    for (let b = 0; b * BATCH < CUSTOMERS; b++) {
      const events = customers.slice(b * BATCH, (b + 1) * BATCH).map((customerId) => ({
        eventId: `${customerId}-registered`,
        customerId,
        name: eventName,
        eventTime: new Date().toISOString(),
      }));
      if (b === 2 && !restarted) {
        // Mid-loop: close the app (concurrently with this batch) and start a new one ~1 s later.
        restarted = true;
        const old = app;
        restart = (async () => {
          await old.close();
          await sleep(1_000);
          app = await startApp(port);
        })();
      }
      for (;;) {
        try {
          const res = await fetch(`http://127.0.0.1:${port}/v1/events`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_BOOTSTRAP_KEY}` },
            body: JSON.stringify({ events }),
            signal: AbortSignal.timeout(15_000),
          });
          const body = (await res.json()) as { results?: { eventId: string; status: string }[] };
          if (res.status === 202 && body.results?.every((r) => r.status === 'accepted' || r.status === 'duplicate')) {
            duplicatesOnRetry += body.results.filter((r) => r.status === 'duplicate').length;
            believedAccepted.push(...body.results.map((r) => r.eventId));
            break;
          }
          failedTries++;
        } catch {
          failedTries++;
        }
        await sleep(200);
      }
      await sleep(150);
    }
    await restart;

    const ended = await allEnded(svc.db, journeyId, CUSTOMERS, 70_000);
    const events = await eventsCheck(svc.db, believedAccepted);
    const perCustomer: { customer_id: string; n: string }[] = await svc.db.query(
      `SELECT customer_id, count(*) AS n FROM enrollments WHERE journey_id = $1 GROUP BY customer_id`,
      [journeyId],
    );
    const delivery = deliveryAt(fake, phoneOf.values());
    const ledger = await ledgerOf(svc.db, journeyId);
    report(
      'api-restart',
      { customers: CUSTOMERS, delivery, ledger, ended, events: { accepted: believedAccepted.length, stored: events.stored } },
      { failed_tries: failedTries, duplicate_on_retry: duplicatesOnRetry, enrollments: ended.length },
    );
    expect(new Set(believedAccepted).size).toBe(CUSTOMERS);
    expect(events.missing).toEqual([]);
    expect(events.repeated).toEqual([]);
    expect(events.stored).toBe(believedAccepted.length);
    expect(perCustomer.filter((r) => Number(r.n) !== 1)).toEqual([]);
    expect(perCustomer).toHaveLength(CUSTOMERS);
    expect(ended.filter((e) => e.status !== 'completed')).toEqual([]);
    expect(delivery.duplicates).toEqual([]);
    expect(delivery.missing).toEqual([]);
    expect(delivery.unexpected).toEqual([]);
    expect(ledger.filter((r) => r.status !== 'sent')).toEqual([]);
  }, 89_000);
});
