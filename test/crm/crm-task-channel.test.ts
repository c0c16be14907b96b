/**
 * The CRM task channel behind the send ledger, with the real database: one task per idempotency key,
 * the recipient rules, lookup, and the optional outbound copy to an external CRM with its retry.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { DataSource } from 'typeorm';
import { createActionActivities, idempotencyKeyOf } from '../../activities/actions.js';
import { createCrmTaskChannel, retryOutbound } from '../../activities/channels/crm-task/index.js';
import type { ActionRequest } from '../../engine/runtime.js';
import { createDataSource } from '../../store/data-source.js';
import { testDatabaseUrl } from '../support/env.js';
import { ledgerFixtures, ledgerOf } from '../channels/ledger-fixtures.js';

interface TaskRow {
  id: string;
  idempotency_key: string;
  enrollment_id: string;
  journey_id: string;
  node_id: string;
  customer_id: string;
  assignee: string | null;
  queue: string | null;
  title: string;
  details: string | null;
  due_at: Date | null;
  status: string;
  outbound_status: string | null;
  outbound_error: string | null;
  outbound_attempts: number;
}

let db: DataSource;
let fixtures: Awaited<ReturnType<typeof ledgerFixtures>>;

beforeAll(async () => {
  db = createDataSource(testDatabaseUrl(), { poolSize: 2 });
  await db.initialize();
  fixtures = await ledgerFixtures(db, 'crm-task');
});
afterAll(async () => {
  await db?.destroy();
});

/** A fresh customer with `traits`, enrolled, and a crm_task request for them. */
async function crmRequest(traits: Record<string, unknown>, params: Record<string, unknown> = {}): Promise<ActionRequest> {
  const base = await fixtures.smsRequest(traits);
  return { ...base, action: 'crm_task', nodeId: 'crm_call_dropout', params: { title: 'Call {{ customer.id }}', ...params } };
}

async function tasksOf(req: ActionRequest): Promise<TaskRow[]> {
  return db.query(`SELECT * FROM crm_tasks WHERE idempotency_key = $1`, [idempotencyKeyOf(req)]);
}

describe('CRM task channel', () => {
  it("creates one task for the customer's account manager, with rendered title and details and a due time", async () => {
    const req = await crmRequest(
      { account_manager: 'am-li', first_name: 'Mei' },
      { details: 'Ask {{ traits.first_name }} what stopped the opening', due: 'P1D' },
    );
    const before = Date.now();
    const outcome = await createActionActivities(db, [createCrmTaskChannel({ db })]).performAction(req);

    const [task] = await tasksOf(req);
    expect(outcome).toMatchObject({ status: 'sent', provider: 'crm', providerMessageId: `task-${task.id}` });
    expect(task).toMatchObject({
      enrollment_id: req.enrollmentId,
      journey_id: req.journeyId,
      node_id: 'crm_call_dropout',
      customer_id: req.customerId,
      assignee: 'am-li',
      queue: null,
      title: `Call ${req.customerId}`,
      details: 'Ask Mei what stopped the opening',
      status: 'open',
      outbound_status: null,
    });
    const dueIn = task.due_at!.getTime() - before;
    expect(dueIn).toBeGreaterThanOrEqual(24 * 3600 * 1000 - 5000);
    expect(dueIn).toBeLessThanOrEqual(24 * 3600 * 1000 + 5000);
    expect(await ledgerOf(db, req)).toMatchObject({ status: 'sent', provider: 'crm', provider_message_id: `task-${task.id}` });
  });

  it('assigns to the queue named by the params, even when the customer has an account manager; no due: no due time', async () => {
    const req = await crmRequest({ account_manager: 'am-li' }, { queue: 'onboarding-desk' });
    const channel = createCrmTaskChannel({ db });
    const outcome = await createActionActivities(db, [channel]).performAction(req);
    const [task] = await tasksOf(req);
    expect(task).toMatchObject({ assignee: null, queue: 'onboarding-desk', due_at: null });
    expect(outcome.providerMessageId).toBe(`task-${task.id}`);
    expect(await channel.lookup!(idempotencyKeyOf(req))).toEqual({
      provider: 'crm',
      providerMessageId: `task-${task.id}`,
      recipient: 'queue:onboarding-desk',
    });
  });

  it('creates one task however often the action is tried (ledger retry, and the channel called twice)', async () => {
    const req = await crmRequest({ account_manager: 'am-wang' });
    const channel = createCrmTaskChannel({ db });
    const first = await createActionActivities(db, [channel]).performAction(req);
    const second = await createActionActivities(db, [channel]).performAction(req);
    expect(second).toMatchObject({ status: 'sent', providerMessageId: first.providerMessageId, deduplicated: true });

    // The channel itself is idempotent too (a try that crashed after its insert, then sent again).
    const ctx = { request: req, idempotencyKey: idempotencyKeyOf(req), customer: { id: req.customerId, traits: { account_manager: 'am-wang' } }, params: { title: 'x' } };
    expect(await channel.execute(ctx)).toEqual({ provider: 'crm', providerMessageId: first.providerMessageId, recipient: 'manager:am-wang' });
    expect(await tasksOf(req)).toHaveLength(1);
  });

  it('settles a try that crashed mid-send through lookup: the task is found, none is added', async () => {
    const req = await crmRequest({ account_manager: 'am-zhao' });
    const channel = createCrmTaskChannel({ db });
    await createActionActivities(db, [channel]).performAction(req);
    // As if the worker died after the insert, before the ledger recorded the outcome.
    await db.query(`UPDATE messages SET status = 'sending', provider = NULL, provider_message_id = NULL WHERE idempotency_key = $1`, [
      idempotencyKeyOf(req),
    ]);
    const outcome = await createActionActivities(db, [channel]).performAction(req);
    const tasks = await tasksOf(req);
    expect(tasks).toHaveLength(1);
    expect(outcome).toMatchObject({ status: 'sent', providerMessageId: `task-${tasks[0].id}`, deduplicated: true });
    expect(await channel.lookup!(`${req.enrollmentId}:nowhere:1`)).toBeNull();
  });

  it('fails no_recipient without an account manager and without a queue, and creates nothing', async () => {
    const req = await crmRequest({ first_name: 'Mei', account_manager: '  ' });
    const outcome = await createActionActivities(db, [createCrmTaskChannel({ db })]).performAction(req);
    expect(outcome).toMatchObject({ status: 'failed', error: { code: 'no_recipient' } });
    expect(outcome.error!.message).toMatch(/account_manager/);
    expect(await tasksOf(req)).toHaveLength(0);
    expect(await ledgerOf(db, req)).toMatchObject({ status: 'failed', error_code: 'no_recipient', attempts: 1 });
  });
});

/** A stand-in for an external CRM's intake: answers the queued statuses in turn, then 200. */
async function startReceiver() {
  const requests: { headers: http.IncomingHttpHeaders; body: Record<string, unknown>; answered: number }[] = [];
  const answers: number[] = [];
  const server = http.createServer((req, res) => {
    let data = '';
    req.on('data', (chunk) => (data += chunk));
    req.on('end', () => {
      const status = answers.shift() ?? 200;
      requests.push({ headers: req.headers, body: JSON.parse(data), answered: status });
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: status < 300 }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/tasks`,
    requests,
    answers,
    for: (key: string) => requests.filter((r) => r.headers['idempotency-key'] === key),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('CRM task channel: outbound copy to an external CRM', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
  });

  it('keeps the task when the POST fails with 500, and retryOutbound delivers it once, with the Idempotency-Key', async () => {
    const req = await crmRequest({ account_manager: 'am-qian' }, { due: 'PT4H' });
    const key = idempotencyKeyOf(req);
    receiver.answers.push(500);
    const outcome = await createActionActivities(db, [createCrmTaskChannel({ db, outboundUrl: receiver.url })]).performAction(req);

    // The task is ours and stored: the action succeeded, only the copy is owed.
    expect(outcome).toMatchObject({ status: 'sent', provider: 'crm' });
    let [task] = await tasksOf(req);
    expect(task).toMatchObject({ status: 'open', outbound_status: 'failed', outbound_error: 'HTTP 500', outbound_attempts: 1 });
    expect(receiver.for(key)).toHaveLength(1);

    const counts = await retryOutbound(db, { outboundUrl: receiver.url });
    expect(counts.delivered).toBeGreaterThanOrEqual(1);
    [task] = await tasksOf(req);
    expect(task).toMatchObject({ outbound_status: 'delivered', outbound_error: null, outbound_attempts: 2 });

    const seen = receiver.for(key);
    expect(seen.map((r) => r.answered)).toEqual([500, 200]);
    expect(seen.filter((r) => r.answered === 200)).toHaveLength(1);
    for (const r of seen) {
      expect(r.headers['content-type']).toMatch(/^application\/json/);
      expect(r.body).toMatchObject({
        taskId: task.id,
        customerId: req.customerId,
        enrollmentId: req.enrollmentId,
        nodeId: 'crm_call_dropout',
        assignee: 'am-qian',
        queue: null,
        title: `Call ${req.customerId}`,
        status: 'open',
      });
    }

    // Delivered copies are not posted again.
    await retryOutbound(db, { outboundUrl: receiver.url });
    expect(receiver.for(key)).toHaveLength(2);
  });

  it('keeps the task when the CRM cannot be reached, and marks a 4xx answer rejected (not retried)', async () => {
    const unreachable = await crmRequest({ account_manager: 'am-sun' });
    const closed = await startReceiver();
    await closed.close();
    await createActionActivities(db, [createCrmTaskChannel({ db, outboundUrl: closed.url })]).performAction(unreachable);
    const [lost] = await tasksOf(unreachable);
    expect(lost).toMatchObject({ status: 'open', outbound_status: 'failed' });
    expect(lost.outbound_error).toMatch(/fetch failed|ECONNREFUSED/);
    // Delivered by the next retry against a CRM that answers.
    await retryOutbound(db, { outboundUrl: receiver.url });
    expect((await tasksOf(unreachable))[0].outbound_status).toBe('delivered');

    const refused = await crmRequest({ account_manager: 'am-sun' });
    receiver.answers.push(422);
    await createActionActivities(db, [createCrmTaskChannel({ db, outboundUrl: receiver.url })]).performAction(refused);
    expect((await tasksOf(refused))[0]).toMatchObject({ outbound_status: 'rejected', outbound_error: 'HTTP 422' });
    await retryOutbound(db, { outboundUrl: receiver.url });
    expect(receiver.for(idempotencyKeyOf(refused))).toHaveLength(1);
  });
});
