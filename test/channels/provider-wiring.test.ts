/**
 * Provider settings reach the channels: the real worker process, configured through TWILIO_* like an
 * operator would, sends a journey's SMS through the `twilio` SDK to the fake Twilio, with delivery
 * reports pointed at JE_PUBLIC_BASE_URL; without settings, touches stay on the recording channel.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { defaultChannelDescriptors, defaultChannels } from '../../activities/channels/registry.js';
import type { Canvas } from '../../engine/canvas.js';
import { startFakeTwilio, type FakeTwilio } from '../fakes/twilio-server.js';
import { endedEnrollments, eventually, startRuntime, type RuntimeHarness } from '../support/runtime-harness.js';
import { spawnWorkerProcess, type WorkerProcess } from '../support/worker-process.js';

let rt: RuntimeHarness;
let fake: FakeTwilio;
let worker: WorkerProcess | undefined;

beforeAll(async () => {
  [rt, fake] = await Promise.all([startRuntime('wiring', { worker: false }), startFakeTwilio()]);
});
afterAll(async () => {
  await worker?.stop();
  await fake?.close();
  await rt?.stop();
});

describe('channel wiring', () => {
  it('keeps every touch on the recording channel when no provider is configured', () => {
    const channels = defaultChannels({ db: rt.db });
    expect(channels.map((c) => c.action)).toEqual(defaultChannelDescriptors().map((d) => d.action));
    expect(channels.filter((c) => c.kind === 'touch').every((c) => typeof c.lookup === 'function')).toBe(true);
  });

  it('sends through Twilio when TWILIO_* is set, from the real worker process', async () => {
    const journeyId = `twilio-wiring-${Date.now().toString(36)}`;
    const canvas: Canvas = {
      schemaVersion: 2,
      name: 'wiring',
      nodes: [
        { id: 'start', type: 'trigger', trigger: { kind: 'api' } },
        { id: 'sms', type: 'action', action: 'sms', params: { body: 'Hi {{ traits.first_name }}' } },
        { id: 'done', type: 'exit' },
      ],
      edges: [
        { from: 'start', to: 'sms' },
        { from: 'sms', to: 'done' },
      ],
    };
    const published = await rt.publishing.publish(journeyId, canvas);
    if (!published.ok) throw new Error(JSON.stringify(published.errors));
    const customerId = `${journeyId}-c`;
    await rt.ingestion.upsertCustomer(customerId, { first_name: 'Mei', phone: '+8613800000042' });

    worker = spawnWorkerProcess(rt.taskQueue, {
      TWILIO_ACCOUNT_SID: fake.accountSid,
      TWILIO_AUTH_TOKEN: fake.authToken,
      TWILIO_FROM: '+15005550006',
      TWILIO_API_BASE_URL: fake.baseUrl,
      JE_PUBLIC_BASE_URL: 'https://journeys.example.com',
    });
    const output = worker.output;
    await eventually('the worker to poll', async () => output().includes('polling task queue'), 60_000);

    await rt.enrollments.enroll({ versionId: published.versionId, customerId, entry: { kind: 'api', payload: {} } });
    const [run] = await endedEnrollments(rt.db, journeyId, 1, 60_000);
    expect(run.status).toBe('completed');

    expect(fake.messages).toHaveLength(1);
    expect(fake.messages[0]).toMatchObject({
      to: '+8613800000042',
      from: '+15005550006',
      body: 'Hi Mei',
      status_callback: 'https://journeys.example.com/v1/providers/twilio/status',
    });
    const ledger: { provider: string; provider_message_id: string; status: string }[] = await rt.db.query(
      `SELECT provider, provider_message_id, status FROM messages WHERE enrollment_id = $1`,
      [run.id],
    );
    expect(ledger).toEqual([{ provider: 'twilio', provider_message_id: fake.messages[0].sid, status: 'sent' }]);
    const recorded: unknown[] = await rt.db.query(`SELECT 1 FROM recorded_sends WHERE customer_id = $1`, [customerId]);
    expect(recorded).toHaveLength(0);
    // The auth token never reaches the logs.
    expect(output()).not.toContain(fake.authToken);
  }, 120_000);
});
