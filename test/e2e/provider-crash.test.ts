/**
 * The crash drill counted at the provider: a real worker process sending through the `twilio` SDK to
 * the fake Twilio (slow, so sends are in flight) is killed with SIGKILL mid-traffic, a new one takes
 * over, and the fake's own record of what reached customers is compared with the send ledger.
 *
 * Twilio cannot be asked whether it got a message, so a send in flight at the kill is recorded
 * `unknown` and never sent again: at most once. The guarantee checked here is the customer's: no
 * (customer, body) pair arrives twice; and the ledger's honesty: every message the fake has is either
 * `sent` with its sid or `unknown`, and every `unknown` is one the fake has or lacks, never a resend.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Canvas } from '../../engine/canvas.js';
import { startFakeTwilio, type FakeTwilio } from '../fakes/twilio-server.js';
import { testDatabaseUrl, testTemporalAddress } from '../support/env.js';
import { ROOT } from '../support/runs.js';
import { endedEnrollments, eventually, startRuntime, type RuntimeHarness } from '../support/runtime-harness.js';

const CUSTOMERS = 30;
const FROM = '+15005550006';
let rt: RuntimeHarness;
let fake: FakeTwilio;
const children: ChildProcess[] = [];
let output = '';

/** The real worker entry point in its own process, configured with TWILIO_* like an operator would. */
function spawnWorker(taskQueue: string): ChildProcess {
  const child = spawn(process.execPath, ['--import', '@swc-node/register/esm-register', path.join(ROOT, 'worker', 'main.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: testDatabaseUrl(),
      TEMPORAL_ADDRESS: testTemporalAddress(),
      TEMPORAL_TASK_QUEUE: taskQueue,
      JE_WORKER_METRICS_PORT: '0',
      TWILIO_ACCOUNT_SID: fake.accountSid,
      TWILIO_AUTH_TOKEN: fake.authToken,
      TWILIO_FROM: FROM,
      TWILIO_API_BASE_URL: fake.baseUrl,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (output += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (output += c));
  children.push(child);
  return child;
}

function killed(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

beforeAll(async () => {
  // Services only (the runs are executed by the worker processes); the fake answers each send 300 ms late.
  [rt, fake] = await Promise.all([startRuntime('e2e-crash', { worker: false }), startFakeTwilio({ latencyMs: 300 })]);
});
afterAll(async () => {
  await Promise.all(children.map(killed));
  await fake?.close();
  await rt?.stop();
});

describe('worker killed while SMS sends are in flight', () => {
  it('delivers no message twice, and the ledger accounts for every message at the provider', async () => {
    const journeyId = `e2e-crash-${Date.now().toString(36)}`;
    const canvas: Canvas = {
      schemaVersion: 1,
      name: 'provider crash drill',
      nodes: [
        { id: 'start', type: 'trigger', trigger: { kind: 'api' } },
        { id: 'first', type: 'action', action: 'sms', params: { body: 'one' } },
        { id: 'pause', type: 'wait', duration: 'PT2S' },
        { id: 'second', type: 'action', action: 'sms', params: { body: 'two' } },
        { id: 'done', type: 'exit' },
      ],
      edges: [
        { from: 'start', to: 'first' },
        { from: 'first', to: 'pause' },
        { from: 'pause', to: 'second' },
        { from: 'second', to: 'done' },
      ],
    };
    const published = await rt.publishing.publish(journeyId, canvas);
    if (!published.ok) throw new Error(JSON.stringify(published.errors));
    const phoneOf = new Map<string, string>();
    for (let i = 0; i < CUSTOMERS; i++) {
      const customerId = `${journeyId}-c${i}`;
      const phone = `+86137${String(i).padStart(8, '0')}`;
      phoneOf.set(customerId, phone);
      await rt.ingestion.upsertCustomer(customerId, { phone });
    }

    const first = spawnWorker(rt.taskQueue);
    for (const customerId of phoneOf.keys()) {
      await rt.enrollments.enroll({ versionId: published.versionId, customerId, entry: { kind: 'api', payload: {} } });
    }
    // Kill while the fake holds accepted messages whose answers have not gone out yet.
    await eventually('sends in flight at the fake', async () => fake.messages.length >= 5 && fake.inFlight > 0, 90_000);
    const inFlightAtKill = fake.inFlight;
    await killed(first);
    expect(inFlightAtKill).toBeGreaterThan(0);
    expect(fake.messages.length).toBeLessThan(2 * CUSTOMERS);

    spawnWorker(rt.taskQueue);
    const ended = await endedEnrollments(rt.db, journeyId, CUSTOMERS, 180_000);
    expect(ended.filter((e) => e.status !== 'completed')).toEqual([]);

    // What customers got, counted at the provider.
    const pair = (to: string, body: string) => `${to} ${body}`;
    const atFake = new Map<string, number>();
    for (const m of fake.messages) atFake.set(pair(m.to, m.body), (atFake.get(pair(m.to, m.body)) ?? 0) + 1);
    const duplicates = [...atFake].filter(([, n]) => n > 1);
    expect(duplicates).toEqual([]);
    const phones = new Set(phoneOf.values());
    expect(fake.messages.every((m) => m.from === FROM && phones.has(m.to))).toBe(true);

    // What the ledger says: one row per touch, each `sent` (with the fake's sid for that very message) or `unknown`.
    const ledger: { customer_id: string; node_id: string; status: string; provider: string | null; provider_message_id: string | null }[] =
      await rt.db.query(
        `SELECT m.customer_id, m.node_id, m.status, m.provider, m.provider_message_id
           FROM messages m JOIN enrollments e ON e.id = m.enrollment_id WHERE e.journey_id = $1`,
        [journeyId],
      );
    expect(ledger).toHaveLength(2 * CUSTOMERS);
    expect(ledger.filter((r) => r.status !== 'sent' && r.status !== 'unknown')).toEqual([]);
    const bodyOf = (nodeId: string) => (nodeId === 'first' ? 'one' : 'two');
    const sent = ledger.filter((r) => r.status === 'sent');
    const unknown = ledger.filter((r) => r.status === 'unknown');
    for (const row of sent) {
      const message = fake.messages.find((m) => m.sid === row.provider_message_id);
      expect({ provider: row.provider, to: message?.to, body: message?.body }).toEqual({
        provider: 'twilio',
        to: phoneOf.get(row.customer_id),
        body: bodyOf(row.node_id),
      });
    }
    const unknownDelivered = unknown.filter((r) => atFake.has(pair(phoneOf.get(r.customer_id)!, bodyOf(r.node_id)))).length;
    const unknownMissing = unknown.length - unknownDelivered;
    // Every message at the fake is a `sent` row or an `unknown` one: nothing reached a customer off the books.
    expect(fake.messages.length).toBe(sent.length + unknownDelivered);
    // The sends in flight at the kill are the unknowns (a request still inside the dead process is a missing one).
    expect(unknown.length).toBeGreaterThanOrEqual(inFlightAtKill);
    // At most once: Twilio was asked exactly once per delivered or unconfirmed touch, never again.
    expect(fake.requests.length).toBe(fake.messages.length);

    console.log(
      `provider crash drill: customers=${CUSTOMERS} delivered_at_fake=${fake.messages.length} ledger_sent=${sent.length} ` +
        `ledger_unknown=${unknown.length} (delivered_unconfirmed=${unknownDelivered}, missing=${unknownMissing}) ` +
        `in_flight_at_kill=${inFlightAtKill} duplicates=${duplicates.length}`,
    );
  }, 300_000);
});
