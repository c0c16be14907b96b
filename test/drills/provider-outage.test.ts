/**
 * Drill: Twilio is down for a minute (every send answered 500 or 429, nothing accepted), then recovers.
 * The touch retry policy (2 s doubling, 10 attempts) retries the failed sends (at about 2, 6, 14, 30
 * and 62 s); each is sent once the provider is back. Checked: every run completed, each SMS reached the fake exactly once, every
 * ledger row `sent`, and the rows whose sends were refused show attempts > 1.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startFakeTwilio, type FakeTwilio } from '../fakes/twilio-server.js';
import type { WorkerProcess } from '../support/worker-process.js';
import { allEnded, BODIES, deliveryAt, ledgerOf, pairOf, pollUntil, publishTwoSmsJourney, report, seedCustomers, sleep, spawnReadySmsWorker, startServices, type DrillServices } from './support.js';

const CUSTOMERS = 20;
const OUTAGE_MS = 60_000;
let fake: FakeTwilio;
let svc: DrillServices;
let worker: WorkerProcess | undefined;

beforeAll(async () => {
  [svc, fake] = await Promise.all([startServices('provider-outage'), startFakeTwilio()]);
  worker = await spawnReadySmsWorker(svc.taskQueue, fake);
}, 85_000);

afterAll(async () => {
  await worker?.kill();
  await svc?.stop();
  await fake?.close();
});

describe('Twilio answers 500/429 to every send for a minute', () => {
  it('delivers every message exactly once after recovery', async () => {
    const journeyId = `drill-outage-${Date.now().toString(36)}`;
    const versionId = await publishTwoSmsJourney(svc.publishing, journeyId);
    const phoneOf = await seedCustomers(svc.ingestion, journeyId, CUSTOMERS, '86139');
    // The outage: half the recipients get 500s, the other half 429s, until clearFaults().
    [...phoneOf.values()].forEach((phone, i) => fake.failRecipient(phone, { kind: i % 2 === 0 ? 'server_error' : 'rate_limited' }));
    for (const customerId of phoneOf.keys()) {
      expect((await svc.enrollments.enroll({ versionId, customerId, entry: { kind: 'api', payload: {} } })).enrolled).toBe(true);
    }
    await pollUntil('the first refused send', async () => fake.requests.some((r) => r.method === 'POST'), 60_000);
    await sleep(OUTAGE_MS);
    const refused = fake.requests.filter((r) => r.method === 'POST').length;
    const acceptedDuringOutage = fake.messages.length;
    fake.clearFaults();

    // A retry that fell just before the recovery waits one more backoff (64 s): allow for it.
    const ended = await allEnded(svc.db, journeyId, CUSTOMERS, 150_000);
    const delivery = deliveryAt(fake, phoneOf.values());
    const ledger = await ledgerOf(svc.db, journeyId);
    const phone = (customerId: string) => phoneOf.get(customerId)!;
    const body = (nodeId: string) => (nodeId === 'first' ? BODIES.first : BODIES.second);
    // A row whose (to, body) saw more POSTs than deliveries was refused at least once.
    const failedOnce = ledger.filter((r) => (delivery.postsOf.get(pairOf(phone(r.customer_id), body(r.node_id))) ?? 0) > 1);
    report('provider-outage', { customers: CUSTOMERS, delivery, ledger, ended }, {
      refused_sends: refused,
      accepted_during_outage: acceptedDuringOutage,
      rows_refused_at_least_once: failedOnce.length,
      max_attempts: Math.max(...ledger.map((r) => r.attempts)),
    });
    expect(acceptedDuringOutage).toBe(0);
    expect(ended).toHaveLength(CUSTOMERS);
    expect(ended.filter((e) => e.status !== 'completed')).toEqual([]);
    expect(delivery.duplicates).toEqual([]);
    expect(delivery.missing).toEqual([]);
    expect(delivery.unexpected).toEqual([]);
    expect(ledger).toHaveLength(2 * CUSTOMERS);
    expect(ledger.filter((r) => r.status !== 'sent')).toEqual([]);
    // Every first message was refused during the outage, and its row counts each try.
    expect(failedOnce.filter((r) => r.node_id === 'first')).toHaveLength(CUSTOMERS);
    for (const r of failedOnce) {
      expect({ key: r.idempotency_key, attempts: r.attempts > 1 }).toEqual({ key: r.idempotency_key, attempts: true });
    }
    // Each try claimed the row once and made one POST: attempts == POSTs for that message.
    for (const r of ledger) {
      const posts = delivery.postsOf.get(pairOf(phone(r.customer_id), body(r.node_id))) ?? 0;
      expect({ key: r.idempotency_key, attempts: r.attempts }).toEqual({ key: r.idempotency_key, attempts: posts });
    }
    // Nothing was sent at the fake to a number of this drill without a matching ledger row.
    expect(new Set(ledger.map((r) => r.provider_message_id)).size).toBe(ledger.length);
  }, 300_000);
});
