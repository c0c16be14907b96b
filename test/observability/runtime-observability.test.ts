/**
 * Observability of a real run: the activities' JSON log lines carry the run's ids, the worker's
 * metrics server counts activities and provider calls, the API's /metrics agrees with PostgreSQL,
 * and liveness/readiness tell a dead Temporal apart from a dead process.
 * Real PostgreSQL, Temporal dev server, in-process worker and Nest app.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Client, Connection } from '@temporalio/client';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { TransientChannelError, type ActionChannel } from '../../core/channels/channel.js';
import { createProfileChannel } from '../../activities/channels/profile/index.js';
import { createRecordingChannel } from '../../activities/channels/recording/index.js';
import { createApp } from '../../api/app.factory.js';
import { BUILTIN_ACTIONS } from '../../engine/actions.js';
import { createLogger } from '../../observability/logger.js';
import { startMetricsServer, type MetricsServer } from '../../observability/metrics-server.js';
import { createWorkerMetrics, METRICS_CONTENT_TYPE } from '../../observability/metrics.js';
import { workerReadiness } from '../../observability/worker-observability.js';
import { freePort } from '../../scripts/lib/temporal-dev-server.js';
import { createDataSource } from '../../store/data-source.js';
import { canvas } from '../api/api-harness.js';
import { testDatabaseUrl } from '../support/env.js';
import { endedEnrollments, eventually, FAST_DEFAULTS, startRuntime, type RuntimeHarness } from '../support/runtime-harness.js';
import { parsePromText, valueOf } from './prom-text.js';
import { adminHttp } from '../support/api-keys.js';
import { ApiKeysService } from '../../core/access/api-keys.js';

const unique = Date.now().toString(36);
const touches = `obs-touch-${unique}`;
const waits = `obs-wait-${unique}`;
const okCustomer = `obs-ok-${unique}`;
const noPhoneCustomer = `obs-nophone-${unique}`;
const waitingCustomer = `obs-wait-${unique}`;

type Line = Record<string, unknown>;
const workerLines: Line[] = [];
const metrics = createWorkerMetrics({ processMetrics: false });
let channelDb: DataSource;
let rt: RuntimeHarness;
let app: NestExpressApplication;
let metricsServer: MetricsServer;
const enrollmentOf: Record<string, string> = {};

/** A webhook channel whose first call fails as a provider 503 would (nothing sent), then succeeds. */
function flakyWebhook(): ActionChannel {
  let calls = 0;
  return {
    action: 'webhook',
    kind: 'touch',
    spec: BUILTIN_ACTIONS.webhook,
    async execute() {
      calls++;
      if (calls === 1) throw new TransientChannelError('provider_unavailable', 'the CRM answered 503');
      return { provider: 'flaky-crm', providerMessageId: `crm-${calls}` };
    },
  };
}

beforeAll(async () => {
  channelDb = createDataSource(testDatabaseUrl(), { poolSize: 2, applicationName: 'test-observability-channels' });
  await channelDb.initialize();
  const channels = [
    createRecordingChannel(channelDb, 'sms'),
    createRecordingChannel(channelDb, 'push'),
    createRecordingChannel(channelDb, 'crm_task'),
    flakyWebhook(),
    createProfileChannel(channelDb),
  ];
  const logger = createLogger({ service: 'worker', level: 'debug', write: (line) => workerLines.push(JSON.parse(line)) });
  rt = await startRuntime('observability', { channels, logger, metrics });
  app = await createApp({ db: rt.db, temporal: rt.client, taskQueue: rt.taskQueue, defaults: FAST_DEFAULTS });
  metricsServer = await startMetricsServer({ port: 0, registry: metrics.registry, ready: () => workerReadiness(rt.worker!) });

  const http = await adminHttp(app.getHttpServer(), rt.db);
  await http()
    .put(`/v1/journeys/${touches}/publish`)
    .send(
      canvas(
        'Touches',
        [
          { id: 'start', type: 'trigger', trigger: { kind: 'api' } },
          { id: 'sms', type: 'action', action: 'sms', params: { body: 'Hello' } },
          { id: 'hook', type: 'action', action: 'webhook', params: { url: 'https://crm.example/leads' } },
          { id: 'done', type: 'exit', reason: 'touched' },
        ],
        [
          { from: 'start', to: 'sms' },
          { from: 'sms', to: 'hook' },
          { from: 'hook', to: 'done' },
        ],
      ),
    )
    .expect(201);
  await http()
    .put(`/v1/journeys/${waits}/publish`)
    .send(
      canvas(
        'Waits',
        [
          { id: 'start', type: 'trigger', trigger: { kind: 'api' } },
          { id: 'long', type: 'wait', duration: 'P1D' },
          { id: 'done', type: 'exit' },
        ],
        [
          { from: 'start', to: 'long' },
          { from: 'long', to: 'done' },
        ],
      ),
    )
    .expect(201);
  await http().put(`/v1/customers/${okCustomer}`).send({ traits: { phone: '+8613800000077' } }).expect(200);
  await http().put(`/v1/customers/${noPhoneCustomer}`).send({ traits: {} }).expect(200);
  await http().put(`/v1/customers/${waitingCustomer}`).send({ traits: {} }).expect(200);
  // One after the other, so that the flaky webhook fails the first customer's call.
  for (const [journey, customer] of [
    [touches, okCustomer],
    [touches, noPhoneCustomer],
    [waits, waitingCustomer],
  ]) {
    const res = await http().post(`/v1/journeys/${journey}/enrollments`).send({ customerId: customer }).expect(201);
    enrollmentOf[customer] = res.body.enrollmentId;
    if (journey === touches) await endedEnrollments(rt.db, touches, Object.keys(enrollmentOf).length);
  }
  await eventually('the waiting run to record its wait', async () => {
    const rows: unknown[] = await rt.db.query(`SELECT 1 FROM enrollments WHERE id = $1 AND waiting_until IS NOT NULL`, [enrollmentOf[waitingCustomer]]);
    return rows.length === 1;
  });
});

afterAll(async () => {
  await metricsServer?.close();
  await app?.close();
  await rt?.stop();
  await channelDb?.destroy();
});

describe('activity log lines', () => {
  it('log each action outcome as one JSON line with the run ids', () => {
    const ok = enrollmentOf[okCustomer];
    const sms = workerLines.filter((l) => l.msg === 'action performed' && l.enrollmentId === ok && l.nodeId === 'sms');
    expect(sms).toEqual([
      expect.objectContaining({
        level: 'info',
        service: 'worker',
        journeyId: touches,
        versionId: `${touches}@1`,
        enrollmentId: ok,
        workflowId: ok,
        customerId: okCustomer,
        activity: 'performAction',
        action: 'sms',
        status: 'sent',
        provider: 'recorder',
        providerMessageId: expect.stringMatching(/^rec-\d+$/),
      }),
    ]);
    expect(sms[0].time).toEqual(expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/));
  });

  it('log a failed touch at warn with its reason, and a failed try with the error type', () => {
    const noPhone = enrollmentOf[noPhoneCustomer];
    expect(workerLines.filter((l) => l.enrollmentId === noPhone && l.nodeId === 'sms')).toEqual([
      expect.objectContaining({ level: 'warn', msg: 'action performed', workflowId: noPhone, status: 'failed', errorCode: 'no_recipient' }),
    ]);
    const ok = enrollmentOf[okCustomer];
    expect(workerLines.filter((l) => l.msg === 'action try failed')).toEqual([
      expect.objectContaining({
        level: 'warn',
        enrollmentId: ok,
        workflowId: ok,
        journeyId: touches,
        nodeId: 'hook',
        attempt: 1,
        errorType: 'TransientChannelError',
        error: 'the CRM answered 503',
      }),
    ]);
    expect(workerLines.filter((l) => l.msg === 'run ended' && l.enrollmentId === ok)).toEqual([
      expect.objectContaining({ level: 'info', workflowId: ok, status: 'completed', reason: 'touched' }),
    ]);
  });
});

describe('worker metrics server', () => {
  it('serves activity timings, failures and provider latency measured in this worker', async () => {
    const res = await fetch(`http://127.0.0.1:${metricsServer.port}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(METRICS_CONTENT_TYPE);
    const { samples, types } = parsePromText(await res.text());
    expect(types.get('je_activity_duration_seconds')).toBe('histogram');
    expect(types.get('je_activity_failures_total')).toBe('counter');
    expect(valueOf(samples, 'je_provider_latency_seconds_count', { action: 'sms', provider: 'recorder' })).toBe(1);
    // The customer without a phone: the channel threw before any provider answered.
    expect(valueOf(samples, 'je_provider_latency_seconds_count', { action: 'sms', provider: 'unknown' })).toBe(1);
    expect(valueOf(samples, 'je_provider_latency_seconds_count', { action: 'webhook', provider: 'unknown' })).toBe(1);
    expect(valueOf(samples, 'je_provider_latency_seconds_count', { action: 'webhook', provider: 'flaky-crm' })).toBe(2);
    // 2 sms (sent, failed) + 2 webhooks completed; the 503 try failed and was retried.
    expect(valueOf(samples, 'je_activity_duration_seconds_count', { activity: 'performAction', outcome: 'success' })).toBe(4);
    expect(valueOf(samples, 'je_activity_duration_seconds_count', { activity: 'performAction', outcome: 'failure' })).toBe(1);
    expect(valueOf(samples, 'je_activity_failures_total', { activity: 'performAction', error_type: 'TransientChannelError' })).toBe(1);
    expect(valueOf(samples, 'je_activity_duration_seconds_count', { activity: 'recordSteps', outcome: 'success' })).toBeGreaterThanOrEqual(3);
    expect(valueOf(samples, 'je_activity_duration_seconds_bucket', { activity: 'performAction', outcome: 'success', le: '+Inf' })).toBe(4);
  });

  it('answers live, and ready only while the worker runs', async () => {
    const live = await fetch(`http://127.0.0.1:${metricsServer.port}/health/live`);
    expect([live.status, await live.json()]).toEqual([200, { status: 'ok' }]);
    const ready = await fetch(`http://127.0.0.1:${metricsServer.port}/health/ready`);
    expect([ready.status, await ready.json()]).toEqual([200, { status: 'ok' }]);

    const draining = await startMetricsServer({ port: 0, registry: metrics.registry, ready: () => workerReadiness({ getState: () => 'DRAINING' }) });
    try {
      const res = await fetch(`http://127.0.0.1:${draining.port}/health/ready`);
      expect([res.status, await res.json()]).toEqual([503, { status: 'error', error: { code: 'not_ready', message: 'worker state is DRAINING' } }]);
    } finally {
      await draining.close();
    }
  });
});

describe('GET /metrics', () => {
  async function count(sql: string, params: unknown[] = []): Promise<number> {
    const [{ n }]: { n: number }[] = await rt.db.query(`SELECT count(*)::int AS n FROM ${sql}`, params);
    return n;
  }

  it('reports what PostgreSQL says, in the text exposition format', async () => {
    const sentBefore = await count(`messages WHERE action = 'sms' AND status = 'sent'`);
    const noRecipientBefore = await count(`messages WHERE action = 'sms' AND status = 'failed' AND error_code = 'no_recipient'`);
    // Behind a key: the labels carry journey and node ids. A viewer key (what a scraper gets) is enough.
    await request(app.getHttpServer()).get('/metrics').expect(401);
    const viewerKey = (await new ApiKeysService(rt.db).create('prometheus', 'viewer', null)).key;
    const res = await request(app.getHttpServer()).get('/metrics').set('Authorization', `Bearer ${viewerKey}`).expect(200);
    const sentAfter = await count(`messages WHERE action = 'sms' AND status = 'sent'`);
    const noRecipientAfter = await count(`messages WHERE action = 'sms' AND status = 'failed' AND error_code = 'no_recipient'`);

    expect(res.headers['content-type']).toBe(METRICS_CONTENT_TYPE);
    const { samples, types } = parsePromText(res.text);
    // Counts of rows only ever added are counters (`_total`); counts by a current state are gauges.
    for (const family of ['je_enrollments_total', 'je_node_transitions_total', 'je_messages_total', 'je_suppressed_sends_total']) {
      expect([family, types.get(family)]).toEqual([family, 'counter']);
    }
    for (const family of ['je_enrollments', 'je_waits_in_progress', 'je_messages', 'je_stuck_runs']) {
      expect([family, types.get(family)]).toEqual([family, 'gauge']);
    }
    // Every gauge-typed family is named without `_total`, every counter with it.
    for (const [family, type] of types) {
      if (family.startsWith('je_')) expect([family, type === 'counter']).toEqual([family, family.endsWith('_total')]);
    }
    expect(res.text).toContain(`je_enrollments{journey_id="${touches}",status="completed"} 2\n`);
    expect(res.text).toContain(`je_enrollments_total{journey_id="${touches}"} 2\n`);
    expect(res.text).toContain(`je_waits_in_progress{journey_id="${waits}",node_id="long"} 1\n`);
    expect(valueOf(samples, 'je_enrollments', { journey_id: waits, status: 'active' })).toBe(1);
    expect(valueOf(samples, 'je_enrollments_total', { journey_id: waits })).toBe(1);
    expect(valueOf(samples, 'je_metrics_scrape_success')).toBe(1);

    for (const node of ['sms', 'hook', 'done']) {
      const inDb = await count(
        `enrollment_steps s JOIN enrollments e ON e.id = s.enrollment_id WHERE e.journey_id = $1 AND s.node_id = $2 AND s.kind = 'node_entered'`,
        [touches, node],
      );
      expect([node, inDb]).toEqual([node, 2]);
      expect([node, valueOf(samples, 'je_node_transitions_total', { journey_id: touches, node_id: node })]).toEqual([node, inDb]);
    }

    // The ledger is shared with tests running alongside: the scrape lies between the counts around it.
    const sent = valueOf(samples, 'je_messages', { action: 'sms', status: 'sent' })!;
    expect(sent).toBeGreaterThanOrEqual(Math.max(sentBefore, 1));
    expect(sent).toBeLessThanOrEqual(sentAfter);
    expect(valueOf(samples, 'je_messages_total', { action: 'sms' })!).toBeGreaterThanOrEqual(sent);
    const suppressed = valueOf(samples, 'je_suppressed_sends_total', { action: 'sms', reason: 'no_recipient' })!;
    expect(suppressed).toBeGreaterThanOrEqual(Math.max(noRecipientBefore, 1));
    expect(suppressed).toBeLessThanOrEqual(noRecipientAfter);
  });
});

describe('GET /health/live and /health/ready', () => {
  it('are both 200 when PostgreSQL and Temporal answer; /health stays the alias of ready', async () => {
    const http = () => request(app.getHttpServer());
    expect((await http().get('/health/live').expect(200)).body).toEqual({ status: 'ok' });
    const ready = { status: 'ok', database: 'up', temporal: 'up' };
    expect((await http().get('/health/ready').expect(200)).body).toEqual(ready);
    expect((await http().get('/health').expect(200)).body).toEqual(ready);
  });

  it('ready is 503 naming Temporal when its frontend is unreachable; live stays 200', async () => {
    const connection = Connection.lazy({ address: `127.0.0.1:${await freePort()}`, connectTimeout: 1_000 });
    const deadTemporal = new Client({ connection });
    const other = await createApp({ db: rt.db, temporal: deadTemporal, taskQueue: rt.taskQueue, defaults: FAST_DEFAULTS });
    try {
      const res = await request(other.getHttpServer()).get('/health/ready').expect(503);
      expect(res.body).toEqual({
        status: 'error',
        database: 'up',
        temporal: 'down',
        error: { code: 'dependency_down', message: expect.stringMatching(/^temporal: /) },
      });
      await request(other.getHttpServer()).get('/health/live').expect(200, { status: 'ok' });
    } finally {
      await other.close();
      // The client's retry timer outlives the probe by one backoff (at most 5 s) and throws if the channel is closed by then.
      await new Promise((r) => setTimeout(r, 5_500));
      await connection.close().catch(() => undefined);
    }
  });
});
