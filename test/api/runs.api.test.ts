/**
 * HTTP API, run side: API-triggered enrollment, the customer history a support agent reads, and
 * exiting a waiting run. Real app, real PostgreSQL, Temporal dev server and worker.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { RecoverySweeper } from '../../api/recovery.sweeper.js';
import { endedEnrollments, eventually } from '../support/runtime-harness.js';
import { canvas, startApi, type ApiHarness } from './api-harness.js';

let api: ApiHarness;
const unique = Date.now().toString(36);

beforeAll(async () => {
  api = await startApi('api-runs');
});
afterAll(async () => {
  await api?.stop();
});

/** Publishes `body` as the journey's next version; answers the version id. */
async function publish(journeyId: string, body: object): Promise<string> {
  return (await api.http().put(`/v1/journeys/${journeyId}/publish`).send(body).expect(201)).body.versionId;
}

describe('POST /v1/journeys/:journeyId/enrollments', () => {
  const journeyId = `fund-${unique}`;
  const customerId = `fund-cust-${unique}`;

  beforeAll(async () => {
    await publish(
      journeyId,
      canvas(
        'Fund launch',
        [
          { id: 'start', type: 'trigger', trigger: { kind: 'api' } },
          { id: 'sms', type: 'action', action: 'sms', params: { body: 'Fund {{ entry.fund_code }} is open' } },
          { id: 'done', type: 'exit', reason: 'told' },
        ],
        [
          { from: 'start', to: 'sms' },
          { from: 'sms', to: 'done' },
        ],
        { settings: { reentry: { policy: 'after_exit' } } },
      ),
    );
    await api.http().put(`/v1/customers/${customerId}`).send({ traits: { phone: '+8613800000042' } }).expect(200);
  });

  it('enrolls once per idempotency key, and the run reads the payload', async () => {
    const body = { customerId, payload: { fund_code: 'F-007' }, idempotencyKey: `launch-${unique}` };
    const first = await api.http().post(`/v1/journeys/${journeyId}/enrollments`).send(body).expect(201);
    expect(first.body).toEqual({ enrolled: true, enrollmentId: `journey:${journeyId}:customer:${customerId}:run:1` });
    await endedEnrollments(api.rt.db, journeyId, 1);

    // The retry comes after the first run ended: re-entry would allow a new run, the key does not.
    const retry = await api.http().post(`/v1/journeys/${journeyId}/enrollments`).send(body).expect(200);
    expect(retry.body).toEqual({ enrolled: false, reason: 'duplicate_trigger', enrollmentId: first.body.enrollmentId });

    const runs: { trigger_key: string; status: string }[] = await api.rt.db.query(
      `SELECT trigger_key, status FROM enrollments WHERE journey_id = $1`,
      [journeyId],
    );
    expect(runs).toEqual([{ trigger_key: `api:launch-${unique}`, status: 'completed' }]);
    const sends: { recipient: string; payload: { body: string } }[] = await api.rt.db.query(
      `SELECT recipient, payload FROM recorded_sends WHERE customer_id = $1`,
      [customerId],
    );
    expect(sends).toEqual([{ recipient: '+8613800000042', payload: { body: 'Fund F-007 is open' } }]);
  });

  it('404s a journey without an active version and 409s one not triggered by the API', async () => {
    const missing = await api.http().post(`/v1/journeys/nope-${unique}/enrollments`).send({ customerId }).expect(404);
    expect(missing.body.error.code).toBe('journey_not_active');

    const eventJourney = `evt-${unique}`;
    await publish(
      eventJourney,
      canvas('Event', [{ id: 'start', type: 'trigger', trigger: { kind: 'event', event: 'registered' } }, { id: 'done', type: 'exit' }], [
        { from: 'start', to: 'done' },
      ]),
    );
    const mismatch = await api.http().post(`/v1/journeys/${eventJourney}/enrollments`).send({ customerId }).expect(409);
    expect(mismatch.body.error.code).toBe('trigger_mismatch');
    const runs: unknown[] = await api.rt.db.query(`SELECT 1 FROM enrollments WHERE journey_id = $1`, [eventJourney]);
    expect(runs).toHaveLength(0);
  });

  it('400s a request without a customer', async () => {
    const res = await api.http().post(`/v1/journeys/${journeyId}/enrollments`).send({ payload: {} }).expect(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_body', issues: [{ path: '$.customerId', code: 'required' }] });
  });
});

describe('GET /v1/customers/:customerId/history', () => {
  const customerId = `hist-${unique}`;
  const welcome = `welcome-${unique}`;
  const followUp = `follow-${unique}`;

  beforeAll(async () => {
    await publish(
      welcome,
      canvas(
        'Welcome',
        [
          { id: 'signup', type: 'trigger', trigger: { kind: 'event', event: `signed_up_${unique}` } },
          { id: 'vip', type: 'condition', condition: { trait: 'vip', op: 'eq', value: true } },
          { id: 'sms', type: 'action', action: 'sms', params: { body: 'Welcome {{ traits.first_name }}' } },
          { id: 'done', type: 'exit', reason: 'welcomed' },
          { id: 'skip', type: 'exit', reason: 'not_vip' },
        ],
        [
          { from: 'signup', to: 'vip' },
          { from: 'vip', port: 'yes', to: 'sms' },
          { from: 'vip', port: 'no', to: 'skip' },
          { from: 'sms', to: 'done' },
        ],
      ),
    );
    await publish(
      followUp,
      canvas('Follow-up', [{ id: 'start', type: 'trigger', trigger: { kind: 'api' } }, { id: 'bye', type: 'exit', reason: 'followed_up' }], [
        { from: 'start', to: 'bye' },
      ]),
    );
  });

  it('shows traits and each run newest first, with steps, decision values and the message sent', async () => {
    const upsert = await api.http().put(`/v1/customers/${customerId}`).send({ traits: { vip: true, first_name: 'Mei', phone: '+8613800000001' } });
    expect(upsert.status).toBe(200);
    expect(upsert.body).toEqual({ customerId, traits: { vip: true, first_name: 'Mei', phone: '+8613800000001' } });
    await api
      .http()
      .post('/v1/events')
      .send({ events: [{ eventId: `signup-${unique}`, customerId, name: `signed_up_${unique}`, eventTime: Date.now() }] })
      .expect(202);
    await endedEnrollments(api.rt.db, welcome, 1);
    await api.http().post(`/v1/journeys/${followUp}/enrollments`).send({ customerId }).expect(201);
    await endedEnrollments(api.rt.db, followUp, 1);

    const res = await api.http().get(`/v1/customers/${customerId}/history`).expect(200);
    const history = res.body;
    expect(history.customerId).toBe(customerId);
    expect(history.traits).toEqual({ vip: true, first_name: 'Mei', phone: '+8613800000001' });
    expect(history.enrollments.map((e: { journeyId: string }) => e.journeyId)).toEqual([followUp, welcome]);

    const run = history.enrollments[1];
    expect(run).toMatchObject({
      enrollmentId: `journey:${welcome}:customer:${customerId}:run:1`,
      versionId: `${welcome}@1`,
      status: 'completed',
      exitReason: 'welcomed',
      currentNode: 'done',
      waitingUntil: null,
      endedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
    });
    expect(run.steps.map((s: { kind: string; nodeId: string | null }) => `${s.kind}:${s.nodeId ?? ''}`)).toEqual([
      'enrolled:',
      'node_entered:vip',
      'decision:vip',
      'node_entered:sms',
      'action:sms',
      'node_entered:done',
      'ended:done',
    ]);
    expect(run.steps.map((s: { seq: number }) => s.seq)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(run.steps[2].detail).toMatchObject({ port: 'yes', values: { 'trait:vip': true } });
    expect(run.messages).toEqual([
      {
        nodeId: 'sms',
        channel: 'sms',
        action: 'sms',
        status: 'sent',
        recipient: '+8613800000001',
        recipientMasked: false,
        content: { body: 'Welcome Mei' },
        templateVersion: `${welcome}@1`,
        provider: 'recorder',
        providerMessageId: expect.stringMatching(/^rec-\d+$/),
        errorCode: null,
        errorMessage: null,
        deliveryStatus: null,
        deliveryErrorCode: null,
        deliveryReports: [],
        createdAt: expect.any(String),
      },
    ]);
    const [sent]: { id: string }[] = await api.rt.db.query(`SELECT id FROM recorded_sends WHERE customer_id = $1`, [customerId]);
    expect(run.messages[0].providerMessageId).toBe(`rec-${sent.id}`);
  });

  it('404s an unknown customer', async () => {
    const res = await api.http().get(`/v1/customers/nobody-${unique}/history`).expect(404);
    expect(res.body.error.code).toBe('customer_not_found');
  });
});

describe('POST /v1/enrollments/:enrollmentId/exit', () => {
  const journeyId = `hold-${unique}`;
  const customerId = `hold-cust-${unique}`;

  it('ends a waiting run as exited with the reason, then refuses a second exit', async () => {
    await publish(
      journeyId,
      canvas(
        'Hold',
        [
          { id: 'start', type: 'trigger', trigger: { kind: 'api' } },
          { id: 'hold', type: 'wait', duration: 'PT1H' },
          { id: 'done', type: 'exit' },
        ],
        [
          { from: 'start', to: 'hold' },
          { from: 'hold', to: 'done' },
        ],
      ),
    );
    const enrolled = await api.http().post(`/v1/journeys/${journeyId}/enrollments`).send({ customerId }).expect(201);
    const enrollmentId: string = enrolled.body.enrollmentId;
    await eventually('the run waiting at hold', async () => {
      const rows: unknown[] = await api.rt.db.query(
        `SELECT 1 FROM enrollments WHERE id = $1 AND status = 'active' AND current_node = 'hold' AND waiting_until IS NOT NULL`,
        [enrollmentId],
      );
      return rows.length === 1;
    });

    const exit = await api.http().post(`/v1/enrollments/${encodeURIComponent(enrollmentId)}/exit`).send({ reason: 'customer opted out by phone' });
    expect(exit.status).toBe(202);
    expect(exit.body).toEqual({ enrollmentId, exitRequested: true, reason: 'customer opted out by phone' });
    const [ended] = await endedEnrollments(api.rt.db, journeyId, 1, 20_000);
    expect([ended.status, ended.exit_reason]).toEqual(['exited', 'customer opted out by phone']);

    const history = await api.http().get(`/v1/customers/${customerId}/history`).expect(200);
    const last = history.body.enrollments[0].steps.at(-1);
    // Who asked: the key's role and name, in the run's last step and in the audit log.
    expect(last).toMatchObject({ kind: 'ended', detail: expect.objectContaining({ requestedBy: 'admin:api-runs admin' }) });
    const audit = await api.http().get('/v1/audit-log').query({ entityType: 'enrollment', entityId: enrollmentId }).expect(200);
    expect(audit.body.items).toMatchObject([{ action: 'enrollment.exit', actor: { role: 'admin' }, detail: { reason: 'customer opted out by phone' } }]);

    const again = await api.http().post(`/v1/enrollments/${encodeURIComponent(enrollmentId)}/exit`).send({ reason: 'again' }).expect(409);
    expect(again.body.error).toMatchObject({ code: 'enrollment_ended', status: 'exited' });
  });

  it('ends a run whose workflow has not started yet (still pending) at once', async () => {
    const pendingJourney = `hold-pending-${unique}`;
    const versionId = await publish(
      pendingJourney,
      canvas('Hold pending', [{ id: 'start', type: 'trigger', trigger: { kind: 'api' } }, { id: 'hold', type: 'wait', duration: 'PT1H' }, { id: 'done', type: 'exit' }], [
        { from: 'start', to: 'hold' },
        { from: 'hold', to: 'done' },
      ]),
    );
    // What a crash between recording an enrollment and starting its workflow leaves behind.
    const enrollmentId = `journey:${pendingJourney}:customer:p-${unique}:run:1`;
    await api.rt.db.query(
      `INSERT INTO enrollments (id, journey_id, version_id, customer_id, seq, status) VALUES ($1, $2, $3, $4, 1, 'pending')`,
      [enrollmentId, pendingJourney, versionId, `p-${unique}`],
    );
    await api.as('support').post(`/v1/enrollments/${encodeURIComponent(enrollmentId)}/exit`).send({ reason: 'duplicate sign-up' }).expect(202);
    const [ended] = await endedEnrollments(api.rt.db, pendingJourney, 1, 20_000);
    expect([ended.id, ended.status, ended.exit_reason]).toEqual([enrollmentId, 'exited', 'duplicate sign-up']);
  });

  it('404s an unknown enrollment and 400s a missing reason', async () => {
    const unknown = await api.http().post(`/v1/enrollments/journey:nope:customer:x:run:1/exit`).send({ reason: 'x' }).expect(404);
    expect(unknown.body.error.code).toBe('enrollment_not_found');
    const noReason = await api.http().post(`/v1/enrollments/journey:nope:customer:x:run:1/exit`).send({}).expect(400);
    expect(noReason.body.error).toMatchObject({ code: 'invalid_body', issues: [{ path: '$.reason' }] });
  });
});

describe('GET /v1/customers/:customerId/history pages', () => {
  it('pages the enrollments newest first with limit and cursor, and refuses a forged cursor', async () => {
    const journeyId = `paged-${unique}`;
    const customerId = `paged-cust-${unique}`;
    await publish(journeyId, canvas('Paged', [{ id: 'start', type: 'trigger', trigger: { kind: 'api' } }, { id: 'done', type: 'exit' }], [{ from: 'start', to: 'done' }]));
    for (const entryKey of ['order-1', 'order-2', 'order-3']) {
      await api.as('engineer').post(`/v1/journeys/${journeyId}/enrollments`).send({ customerId, entryKey }).expect(201);
    }
    const all = (await endedEnrollments(api.rt.db, journeyId, 3)).map((e) => e.id);
    const first = (await api.as('support').get(`/v1/customers/${customerId}/history`).query({ limit: 2 }).expect(200)).body;
    expect(first.enrollments).toHaveLength(2);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = (await api.as('support').get(`/v1/customers/${customerId}/history`).query({ limit: 2, cursor: first.nextCursor }).expect(200)).body;
    expect(second).toMatchObject({ nextCursor: null });
    const paged = [...first.enrollments, ...second.enrollments].map((e: { enrollmentId: string; enrolledAt: string }) => e);
    expect(paged.map((e) => e.enrollmentId).sort()).toEqual([...all].sort());
    const times = paged.map((e) => Date.parse(e.enrolledAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    const forged = await api.as('support').get(`/v1/customers/${customerId}/history`).query({ cursor: Buffer.from('"x"').toString('base64url') }).expect(400);
    expect(forged.body.error.code).toBe('invalid_query');
  });
});

describe('recovery sweep', () => {
  it('dispatches an event a crash left undispatched, and reports the count', async () => {
    const journeyId = `orphan-${unique}`;
    const name = `ping_${unique}`;
    await publish(
      journeyId,
      canvas('Orphan', [{ id: 'start', type: 'trigger', trigger: { kind: 'event', event: name } }, { id: 'done', type: 'exit' }], [
        { from: 'start', to: 'done' },
      ]),
    );
    await api.rt.db.query(
      `INSERT INTO events (event_id, customer_id, name, event_time, received_at) VALUES ($1, $2, $3, now(), now() - interval '1 minute')`,
      [`orphan-${unique}`, `orphan-cust-${unique}`, name],
    );
    const counts = await api.app.get(RecoverySweeper).sweep();
    expect(counts.dispatched).toBeGreaterThanOrEqual(1);
    const [ended] = await endedEnrollments(api.rt.db, journeyId, 1);
    expect(ended.customer_id).toBe(`orphan-cust-${unique}`);
  });
});
