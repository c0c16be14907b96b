/**
 * CRM tasks end to end: a journey creates a task for the account manager and waits for it to be
 * completed (the existing wait_for_event node on `crm_task_completed`), staff work the task through
 * `/v1/crm/tasks`, and the run goes on accordingly. Real app, PostgreSQL, Temporal dev server, worker.
 */
import type { NestExpressApplication } from '@nestjs/platform-express';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { DataSource } from 'typeorm';
import { defaultChannels } from '../../activities/channels/registry.js';
import { createApp } from '../../api/app.factory.js';
import { createDataSource } from '../../store/data-source.js';
import { canvas } from '../api/api-harness.js';
import { testDatabaseUrl } from '../support/env.js';
import { endedEnrollments, eventually, FAST_DEFAULTS, startRuntime, type RuntimeHarness } from '../support/runtime-harness.js';
import { adminHttp } from '../support/api-keys.js';

const unique = `${Date.now().toString(36)}-${process.pid}`;
let channelDb: DataSource;
let rt: RuntimeHarness;
let app: NestExpressApplication;
let http: Awaited<ReturnType<typeof adminHttp>>;

beforeAll(async () => {
  // The worker's channels get their own pool: the runtime creates its DataSource itself.
  channelDb = createDataSource(testDatabaseUrl(), { poolSize: 2, applicationName: 'test-crm-channels' });
  await channelDb.initialize();
  // The registry without provider settings: the real crm_task channel, the rest recording.
  rt = await startRuntime('crm', { channels: defaultChannels({ db: channelDb }) });
  app = await createApp({ db: rt.db, temporal: rt.client, taskQueue: rt.taskQueue, defaults: FAST_DEFAULTS });
  http = await adminHttp(app.getHttpServer(), rt.db);
});
afterAll(async () => {
  await app?.close();
  await rt?.stop();
  await channelDb?.destroy();
});

/** crm_task -> wait for its completion (`timeout`) -> matched: exit called / timed_out: SMS B -> exit not_called. */
function callJourney(timeout: string) {
  return canvas(
    'Call the drop-outs',
    [
      { id: 'start', type: 'trigger', trigger: { kind: 'api' } },
      {
        id: 'crm_call_dropout',
        type: 'action',
        action: 'crm_task',
        params: { title: 'Call {{ customer.id }}: stopped in the middle of account opening', due: 'P1D' },
      },
      {
        id: 'wait_called',
        type: 'wait_for_event',
        event: 'crm_task_completed',
        where: [{ property: 'nodeId', op: 'eq', value: 'crm_call_dropout' }],
        timeout,
      },
      { id: 'sms_b', type: 'action', action: 'sms', params: { body: 'We could not reach you: your account is one step away.' } },
      { id: 'called', type: 'exit', reason: 'called' },
      { id: 'not_called', type: 'exit', reason: 'not_called' },
    ],
    [
      { from: 'start', to: 'crm_call_dropout' },
      { from: 'crm_call_dropout', to: 'wait_called' },
      { from: 'wait_called', port: 'matched', to: 'called' },
      { from: 'wait_called', port: 'timed_out', to: 'sms_b' },
      { from: 'sms_b', to: 'not_called' },
    ],
  );
}

async function enroll(journeyId: string, customerId: string, traits: Record<string, unknown>): Promise<string> {
  await http().put(`/v1/customers/${customerId}`).send({ traits }).expect(200);
  const res = await http().post(`/v1/journeys/${journeyId}/enrollments`).send({ customerId }).expect(201);
  return res.body.enrollmentId;
}

/** Resolves once the run is waiting at wait_called (its window has started). */
async function waitingForCall(enrollmentId: string): Promise<void> {
  await eventually(`${enrollmentId} waiting at wait_called`, async () => {
    const rows: unknown[] = await rt.db.query(
      `SELECT 1 FROM enrollment_steps WHERE enrollment_id = $1 AND node_id = 'wait_called' AND kind = 'wait_started'`,
      [enrollmentId],
    );
    return rows.length > 0;
  });
}

interface HistoryStep {
  nodeId: string | null;
  kind: string;
  detail: Record<string, unknown>;
}

async function stepsOf(customerId: string): Promise<HistoryStep[]> {
  const res = await http().get(`/v1/customers/${customerId}/history`).expect(200);
  return res.body.enrollments[0].steps;
}

describe('a journey waiting for the account manager to complete a CRM task', () => {
  const called = `crm-called-${unique}`;
  const timedOut = `crm-timeout-${unique}`;
  const manager = `am-${unique}`;

  beforeAll(async () => {
    await http().put(`/v1/journeys/${called}/publish`).send(callJourney('PT30S')).expect(201);
    await http().put(`/v1/journeys/${timedOut}/publish`).send(callJourney('PT3S')).expect(201);
  });

  it('lists the task for the account manager; claimed and completed through the API, the run exits called', async () => {
    const customerId = `cust-called-${unique}`;
    const enrollmentId = await enroll(called, customerId, { account_manager: manager, phone: '+8613800000101' });

    const listed = await eventually('the task in the manager list', async () => {
      const res = await http().get('/v1/crm/tasks').query({ assignee: manager }).expect(200);
      return res.body.items.length > 0 ? res.body : null;
    });
    expect(listed.items).toHaveLength(1);
    const task = listed.items[0];
    expect(task).toMatchObject({
      customerId,
      enrollmentId,
      journeyId: called,
      nodeId: 'crm_call_dropout',
      assignee: manager,
      queue: null,
      title: `Call ${customerId}: stopped in the middle of account opening`,
      status: 'open',
      claimedBy: null,
    });
    expect(Math.abs(Date.parse(task.dueAt) - Date.parse(task.createdAt) - 24 * 3600 * 1000)).toBeLessThan(5000);
    expect(listed.nextCursor).toBeNull();
    await waitingForCall(enrollmentId);

    const claimed = await http().post(`/v1/crm/tasks/${task.id}/claim`).send({ by: manager }).expect(200);
    expect(claimed.body).toMatchObject({ id: task.id, status: 'claimed', claimedBy: manager });
    // Claiming again by the same person changes nothing; by someone else is refused.
    const again = await http().post(`/v1/crm/tasks/task-${task.id}/claim`).send({ by: manager }).expect(200);
    expect(again.body.claimedAt).toBe(claimed.body.claimedAt);
    const other = await http().post(`/v1/crm/tasks/${task.id}/claim`).send({ by: 'am-someone-else' }).expect(409);
    expect(other.body.error).toMatchObject({ code: 'task_not_open', status: 'claimed' });

    const done = await http().post(`/v1/crm/tasks/${task.id}/complete`).send({ by: manager, outcome: 'reached; will finish tonight' }).expect(200);
    expect(done.body).toMatchObject({ status: 'completed', completedBy: manager, outcome: 'reached; will finish tonight' });

    const [ended] = await endedEnrollments(rt.db, called, 1);
    expect(ended).toMatchObject({ customer_id: customerId, status: 'completed', exit_reason: 'called' });

    const steps = await stepsOf(customerId);
    const decision = steps.find((s) => s.nodeId === 'wait_called' && s.kind === 'decision');
    expect(decision?.detail).toMatchObject({
      port: 'matched',
      event: 'crm_task_completed',
      matchedEvent: { eventId: `crm_task_completed:${task.id}`, eventTime: done.body.completedAt },
    });
    const action = steps.find((s) => s.nodeId === 'crm_call_dropout' && s.kind === 'action');
    expect(action?.detail).toMatchObject({ action: 'crm_task', status: 'sent', provider: 'crm', providerMessageId: `task-${task.id}` });
    expect(steps.some((s) => s.nodeId === 'sms_b')).toBe(false);

    const events: { event_id: string; name: string; event_time: Date; properties: Record<string, unknown> }[] = await rt.db.query(
      `SELECT event_id, name, event_time, properties FROM events WHERE customer_id = $1 AND name = 'crm_task_completed'`,
      [customerId],
    );
    expect(events).toEqual([
      {
        event_id: `crm_task_completed:${task.id}`,
        name: 'crm_task_completed',
        event_time: new Date(done.body.completedAt),
        properties: {
          taskId: task.id,
          nodeId: 'crm_call_dropout',
          journeyId: called,
          enrollmentId,
          outcome: 'reached; will finish tonight',
          completedBy: manager,
        },
      },
    ]);

    // Completing twice is refused (and stores no second event).
    const twice = await http().post(`/v1/crm/tasks/${task.id}/complete`).send({ by: manager }).expect(409);
    expect(twice.body.error).toMatchObject({ code: 'task_already_completed', status: 'completed' });
    const after: unknown[] = await rt.db.query(`SELECT 1 FROM events WHERE customer_id = $1 AND name = 'crm_task_completed'`, [customerId]);
    expect(after).toHaveLength(1);
    const claimDone = await http().post(`/v1/crm/tasks/${task.id}/claim`).send({ by: manager }).expect(409);
    expect(claimDone.body.error.code).toBe('task_not_open');
  });

  it('sends SMS B and exits not_called when the task is not completed in time', async () => {
    const customerId = `cust-timeout-${unique}`;
    const enrollmentId = await enroll(timedOut, customerId, { account_manager: manager, phone: '+8613800000102' });

    const [ended] = await endedEnrollments(rt.db, timedOut, 1);
    expect(ended).toMatchObject({ id: enrollmentId, status: 'completed', exit_reason: 'not_called' });
    const sends: { recipient: string; payload: { body: string } }[] = await rt.db.query(
      `SELECT recipient, payload FROM recorded_sends WHERE customer_id = $1 AND channel = 'sms'`,
      [customerId],
    );
    expect(sends).toEqual([{ recipient: '+8613800000102', payload: { body: 'We could not reach you: your account is one step away.' } }]);

    const steps = await stepsOf(customerId);
    expect(steps.find((s) => s.nodeId === 'wait_called' && s.kind === 'decision')?.detail).toMatchObject({ port: 'timed_out', matchedEvent: null });

    // The task is still open on the manager's list; completing it now (straight from open) is allowed.
    const res = await http().get('/v1/crm/tasks').query({ customerId, status: 'open' }).expect(200);
    expect(res.body.items).toHaveLength(1);
    const late = await http().post(`/v1/crm/tasks/${res.body.items[0].id}/complete`).send({ by: manager }).expect(200);
    expect(late.body).toMatchObject({ status: 'completed', claimedBy: null, outcome: null });
    const [still] = await endedEnrollments(rt.db, timedOut, 1);
    expect(still.exit_reason).toBe('not_called');
  });
});

describe('/v1/crm/tasks errors and paging', () => {
  const queue = `desk-${unique}`;
  const ids: string[] = [];

  beforeAll(async () => {
    for (const n of [1, 2, 3]) {
      const rows: { id: string }[] = await rt.db.query(
        `INSERT INTO crm_tasks (idempotency_key, enrollment_id, journey_id, node_id, customer_id, queue, title)
         VALUES ($1, 'e', 'j', 'n', $2, $3, $4) RETURNING id`,
        [`paging-${unique}-${n}`, `cust-paging-${unique}`, queue, `Task ${n}`],
      );
      ids.push(String(rows[0].id));
    }
  });

  it('pages a queue newest first', async () => {
    const first = await http().get('/v1/crm/tasks').query({ queue, limit: 2 }).expect(200);
    expect(first.body.items.map((t: { id: string }) => t.id)).toEqual([ids[2], ids[1]]);
    expect(first.body.nextCursor).toBe(ids[1]);
    const second = await http().get('/v1/crm/tasks').query({ queue, limit: 2, cursor: first.body.nextCursor }).expect(200);
    expect(second.body).toMatchObject({ items: [{ id: ids[0], title: 'Task 1', queue, status: 'open' }], nextCursor: null });
    const got = await http().get(`/v1/crm/tasks/${ids[0]}`).expect(200);
    expect(got.body).toMatchObject({ id: ids[0], queue, assignee: null });
  });

  it('answers 404 for unknown tasks and 400 for bad queries and bodies', async () => {
    for (const id of ['999999999999', 'nope', '0']) {
      const res = await http().get(`/v1/crm/tasks/${id}`).expect(404);
      expect(res.body.error.code).toBe('task_not_found');
    }
    expect((await http().post('/v1/crm/tasks/999999999999/claim').send({ by: 'x' }).expect(404)).body.error.code).toBe('task_not_found');
    expect((await http().post('/v1/crm/tasks/999999999999/complete').send({ by: 'x' }).expect(404)).body.error.code).toBe('task_not_found');

    const badQuery = await http().get('/v1/crm/tasks').query({ status: 'done', limit: 0, cursor: 'abc' }).expect(400);
    expect(badQuery.body.error.code).toBe('invalid_query');
    expect(badQuery.body.error.issues.map((i: { path: string }) => i.path)).toEqual(['$query.status', '$query.limit', '$query.cursor']);

    const noBy = await http().post(`/v1/crm/tasks/${ids[0]}/claim`).send({}).expect(400);
    expect(noBy.body.error).toMatchObject({ code: 'invalid_body', issues: [{ path: '$.by', code: 'required' }] });
    const badOutcome = await http().post(`/v1/crm/tasks/${ids[0]}/complete`).send({ by: 'x', outcome: 42 }).expect(400);
    expect(badOutcome.body.error).toMatchObject({ code: 'invalid_body', issues: [{ path: '$.outcome', code: 'invalid_type' }] });
    expect((await http().get(`/v1/crm/tasks/${ids[0]}`).expect(200)).body.status).toBe('open');
  });

  it('refuses to complete a cancelled task', async () => {
    await rt.db.query(`UPDATE crm_tasks SET status = 'cancelled' WHERE id = $1`, [ids[1]]);
    const res = await http().post(`/v1/crm/tasks/${ids[1]}/complete`).send({ by: 'x' }).expect(409);
    expect(res.body.error).toMatchObject({ code: 'task_cancelled', status: 'cancelled' });
    expect((await http().post(`/v1/crm/tasks/${ids[1]}/claim`).send({ by: 'x' }).expect(409)).body.error.code).toBe('task_not_open');
  });
});
