/**
 * The runtime for real: events ingested into PostgreSQL, runs on the Temporal dev server executed by a
 * worker with the real activities, and the step, enrollment and message records that result.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client, Connection } from '@temporalio/client';
import type { Canvas } from '../../engine/canvas.js';
import { EnrollmentService } from '../../core/enrollment.js';
import { exitEnrollmentSignal } from '../../engine/workflow-contract.js';
import { endedEnrollments, eventually, FAST_DEFAULTS, startRuntime, type RuntimeHarness } from '../support/runtime-harness.js';

let rt: RuntimeHarness;
const unique = `${Date.now().toString(36)}`;

beforeAll(async () => {
  rt = await startRuntime('runtime');
});
afterAll(async () => {
  await rt?.stop();
});

function journey(name: string, nodes: Canvas['nodes'], edges: Canvas['edges'], extra: Partial<Canvas> = {}): Canvas {
  return { schemaVersion: 2, name, ...extra, nodes, edges };
}

async function publish(journeyId: string, canvas: Canvas): Promise<string> {
  const published = await rt.publishing.publish(journeyId, canvas);
  if (!published.ok) throw new Error(JSON.stringify(published.errors));
  return published.versionId;
}

describe('events in, runs executed, records out', () => {
  const journeyId = `welcome-${unique}`;
  const canvas = journey(
    'Welcome',
    [
      { id: 'signup', type: 'trigger', trigger: { kind: 'event', event: 'signed_up', where: [{ property: 'channel', op: 'eq', value: 'app' }] } },
      { id: 'pause', type: 'wait', duration: 'PT1S' },
      { id: 'vip', type: 'condition', condition: { trait: 'vip', op: 'eq', value: true } },
      { id: 'sms', type: 'action', action: 'sms', params: { body: 'Welcome {{ traits.first_name | default: "friend" }}' } },
      { id: 'push', type: 'action', action: 'push', params: { title: 'Welcome', body: 'Your app is ready' } },
      { id: 'done', type: 'exit', reason: 'welcomed' },
    ],
    [
      { from: 'signup', to: 'pause' },
      { from: 'pause', to: 'vip' },
      { from: 'vip', port: 'yes', to: 'sms' },
      { from: 'vip', port: 'no', to: 'push' },
      { from: 'sms', to: 'done' },
      { from: 'push', to: 'done' },
    ],
  );
  const vip = `vip-${unique}`;
  const regular = `reg-${unique}`;
  const web = `web-${unique}`;

  beforeAll(async () => {
    await publish(journeyId, canvas);
    await rt.ingestion.upsertCustomer(vip, { vip: true, first_name: 'Mei', phone: '+8613800000001' });
    await rt.ingestion.upsertCustomer(regular, { vip: false, push_tokens: ['tok-a', 'tok-b'] });
    const outcome = await rt.ingestion.ingest([
      { eventId: `e1-${unique}`, customerId: vip, name: 'signed_up', eventTime: new Date().toISOString(), properties: { channel: 'app' } },
      { eventId: `e2-${unique}`, customerId: regular, name: 'signed_up', eventTime: Date.now(), properties: { channel: 'app' } },
      { eventId: `e3-${unique}`, customerId: web, name: 'signed_up', eventTime: Date.now(), properties: { channel: 'web' } },
    ]);
    expect(outcome.map((o) => o.status)).toEqual(['accepted', 'accepted', 'accepted']);
  });

  it('enrolls only customers whose trigger event matches, and runs each to its exit', async () => {
    const ended = await endedEnrollments(rt.db, journeyId, 2);
    expect(ended.map((e) => [e.customer_id, e.status, e.exit_reason])).toEqual(
      [
        [regular, 'completed', 'welcomed'],
        [vip, 'completed', 'welcomed'],
      ].sort((a, b) => a[0].localeCompare(b[0])),
    );
    const webRuns: unknown[] = await rt.db.query(`SELECT 1 FROM enrollments WHERE customer_id = $1`, [web]);
    expect(webRuns).toHaveLength(0);
  });

  it('records every step, each decision with its values, and each action result', async () => {
    const steps: { kind: string; node_id: string | null; detail: Record<string, unknown> }[] = await rt.db.query(
      `SELECT s.kind, s.node_id, s.detail FROM enrollment_steps s JOIN enrollments e ON e.id = s.enrollment_id
        WHERE e.customer_id = $1 ORDER BY s.seq`,
      [vip],
    );
    expect(steps.map((s) => `${s.kind}:${s.node_id ?? ''}`)).toEqual([
      'enrolled:',
      'node_entered:pause',
      'wait_started:pause',
      'wait_ended:pause',
      'node_entered:vip',
      'decision:vip',
      'node_entered:sms',
      'action:sms',
      'node_entered:done',
      'ended:done',
    ]);
    expect(steps[5].detail).toMatchObject({ port: 'yes', values: { 'trait:vip': true } });
    expect(steps[7].detail).toMatchObject({ action: 'sms', status: 'sent', provider: 'recorder' });
  });

  it('sends each message once, rendered, to the right recipient, and keeps it in the ledger', async () => {
    const sends: { channel: string; recipient: string; payload: Record<string, unknown>; customer_id: string }[] = await rt.db.query(
      `SELECT channel, recipient, payload, customer_id FROM recorded_sends WHERE customer_id = ANY($1) ORDER BY channel`,
      [[vip, regular]],
    );
    expect(sends).toEqual([
      { channel: 'push', recipient: 'tok-a,tok-b', payload: { title: 'Welcome', body: 'Your app is ready' }, customer_id: regular },
      { channel: 'sms', recipient: '+8613800000001', payload: { body: 'Welcome Mei' }, customer_id: vip },
    ]);
    const ledger: { status: string; attempts: number }[] = await rt.db.query(
      `SELECT status, attempts FROM messages WHERE customer_id = ANY($1)`,
      [[vip, regular]],
    );
    expect(ledger).toEqual([
      { status: 'sent', attempts: 1 },
      { status: 'sent', attempts: 1 },
    ]);
  });

  it('accepts a retried batch without storing or enrolling anything twice', async () => {
    const again = await rt.ingestion.ingest([
      { eventId: `e1-${unique}`, customerId: vip, name: 'signed_up', eventTime: Date.now(), properties: { channel: 'app' } },
    ]);
    expect(again).toEqual([{ eventId: `e1-${unique}`, status: 'duplicate', dispatch: 'dispatched' }]);
    const events: unknown[] = await rt.db.query(`SELECT 1 FROM events WHERE event_id = $1`, [`e1-${unique}`]);
    expect(events).toHaveLength(1);
    const runs: unknown[] = await rt.db.query(`SELECT 1 FROM enrollments WHERE customer_id = $1`, [vip]);
    expect(runs).toHaveLength(1);
  });
});

describe('waiting runs react to ingested events', () => {
  const journeyId = `kyc-${unique}`;
  const canvas = journey(
    'KYC follow-up',
    [
      { id: 'start', type: 'trigger', trigger: { kind: 'event', event: 'registered' } },
      { id: 'kyc', type: 'wait_for_event', event: 'kyc_passed', timeout: 'PT1M' },
      { id: 'passed', type: 'exit', reason: 'kyc_passed' },
      { id: 'late', type: 'exit', reason: 'kyc_timed_out' },
    ],
    [
      { from: 'start', to: 'kyc' },
      { from: 'kyc', port: 'matched', to: 'passed' },
      { from: 'kyc', port: 'timed_out', to: 'late' },
    ],
    { goal: { event: 'deposited' }, exitCriteria: [{ id: 'closed', event: 'account_closed', reason: 'account_closed' }] },
  );

  it('matches a wait, converts on the goal and exits on an exit event, each while waiting', async () => {
    await publish(journeyId, canvas);
    const [a, b, c] = ['a', 'b', 'c'].map((x) => `${x}-kyc-${unique}`);
    await rt.ingestion.ingest([a, b, c].map((id) => ({ eventId: `reg-${id}`, customerId: id, name: 'registered', eventTime: Date.now() })));
    await eventually('three waiting runs', async () => {
      const rows: unknown[] = await rt.db.query(
        `SELECT 1 FROM enrollments WHERE journey_id = $1 AND status = 'active' AND current_node = 'kyc' AND waiting_until IS NOT NULL`,
        [journeyId],
      );
      return rows.length === 3;
    });
    await rt.ingestion.ingest([
      { eventId: `kyc-${a}`, customerId: a, name: 'kyc_passed', eventTime: Date.now() },
      { eventId: `dep-${b}`, customerId: b, name: 'deposited', eventTime: Date.now() },
      { eventId: `close-${c}`, customerId: c, name: 'account_closed', eventTime: Date.now() },
    ]);
    const ended = await endedEnrollments(rt.db, journeyId, 3, 20_000);
    expect(ended.map((e) => [e.customer_id, e.status, e.exit_reason])).toEqual([
      [a, 'completed', 'kyc_passed'],
      [b, 'converted', 'goal_reached'],
      [c, 'exited', 'account_closed'],
    ]);
  });
});

describe('re-entry policies and duplicate triggers', () => {
  const quick = (name: string, reentry: Canvas['settings']) =>
    journey(
      name,
      [
        { id: 'start', type: 'trigger', trigger: { kind: 'api' } },
        { id: 'done', type: 'exit' },
      ],
      [{ from: 'start', to: 'done' }],
      { settings: reentry },
    );
  const entry = { kind: 'api' as const, payload: {} };

  async function enrollAndFinish(versionId: string, journeyId: string, customerId: string, n: number) {
    const result = await rt.enrollments.enroll({ versionId, customerId, entry, triggerKey: `api:${customerId}:${n}` });
    if (result.enrolled) await endedEnrollments(rt.db, journeyId, n);
    return result;
  }

  it('once: a customer enters a journey a single time, ever', async () => {
    const journeyId = `once-${unique}`;
    const versionId = await publish(journeyId, quick('once', { reentry: { policy: 'once' } }));
    expect((await enrollAndFinish(versionId, journeyId, 'cust', 1)).enrolled).toBe(true);
    expect(await enrollAndFinish(versionId, journeyId, 'cust', 2)).toMatchObject({ enrolled: false, reason: 'reentry_not_allowed' });
  });

  it('after_exit: again once the previous run has ended, never two at once', async () => {
    const journeyId = `again-${unique}`;
    const versionId = await publish(
      journeyId,
      journey(
        'again',
        [
          { id: 'start', type: 'trigger', trigger: { kind: 'api' } },
          { id: 'hold', type: 'wait', duration: 'PT1S' },
          { id: 'done', type: 'exit' },
        ],
        [
          { from: 'start', to: 'hold' },
          { from: 'hold', to: 'done' },
        ],
        { settings: { reentry: { policy: 'after_exit' } } },
      ),
    );
    const first = await rt.enrollments.enroll({ versionId, customerId: 'cust', entry, triggerKey: 'api:1' });
    const whileLive = await rt.enrollments.enroll({ versionId, customerId: 'cust', entry, triggerKey: 'api:2' });
    expect(first.enrolled).toBe(true);
    expect(whileLive).toMatchObject({ enrolled: false, reason: 'already_enrolled' });
    await endedEnrollments(rt.db, journeyId, 1);
    const second = await rt.enrollments.enroll({ versionId, customerId: 'cust', entry, triggerKey: 'api:3' });
    expect(second).toMatchObject({ enrolled: true, enrollmentId: `journey:${journeyId}:customer:cust:run:2` });
  });

  it('cooldown: not again until the cooldown after the previous run has passed', async () => {
    const journeyId = `cool-${unique}`;
    const versionId = await publish(journeyId, quick('cool', { reentry: { policy: 'cooldown', cooldown: 'P1D' } }));
    expect((await enrollAndFinish(versionId, journeyId, 'cust', 1)).enrolled).toBe(true);
    expect(await enrollAndFinish(versionId, journeyId, 'cust', 2)).toMatchObject({ enrolled: false, reason: 'cooldown' });
    await rt.db.query(`UPDATE enrollments SET ended_at = now() - interval '25 hours' WHERE journey_id = $1`, [journeyId]);
    expect((await enrollAndFinish(versionId, journeyId, 'cust', 2)).enrolled).toBe(true);
  });

  it('customer x with entry key k and customer x:key:k are two enrollments (their run ids no longer collide)', async () => {
    const journeyId = `ids-${unique}`;
    const versionId = await publish(journeyId, quick('ids', { reentry: { policy: 'once' } }));
    const first = await rt.enrollments.enroll({ versionId, customerId: 'x', entryKey: 'k', entry, triggerKey: 'api:ids:1' });
    const second = await rt.enrollments.enroll({ versionId, customerId: 'x:key:k', entry, triggerKey: 'api:ids:2' });
    expect(first).toMatchObject({ enrolled: true });
    expect(second).toMatchObject({ enrolled: true });
    expect(second.enrollmentId).not.toBe(first.enrollmentId);
    const ended = await endedEnrollments(rt.db, journeyId, 2);
    expect(ended.map((e) => [e.customer_id, e.status])).toEqual([
      ['x', 'completed'],
      ['x:key:k', 'completed'],
    ]);
  });

  it('concurrent triggers for one customer enroll exactly once, and a repeated trigger never enrolls twice', async () => {
    const journeyId = `race-${unique}`;
    // The run waits, so every racer sees it live (a run that had already ended would rightly allow re-entry).
    const versionId = await publish(
      journeyId,
      journey(
        'race',
        [
          { id: 'start', type: 'trigger', trigger: { kind: 'api' } },
          { id: 'hold', type: 'wait', duration: 'P1D' },
          { id: 'done', type: 'exit' },
        ],
        [{ from: 'start', to: 'hold' }, { from: 'hold', to: 'done' }],
        { settings: { reentry: { policy: 'after_exit' } } },
      ),
    );
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => rt.enrollments.enroll({ versionId, customerId: 'racer', entry, triggerKey: `api:race:${i}` })),
    );
    const enrolled = results.filter((r) => r.enrolled);
    expect(enrolled).toHaveLength(1);
    await rt.client.workflow.getHandle(enrolled[0].enrollmentId!).signal(exitEnrollmentSignal, { reason: 'race_over' });
    await endedEnrollments(rt.db, journeyId, 1);
    const repeat = await rt.enrollments.enroll({ versionId, customerId: 'racer', entry, triggerKey: 'api:race:0' });
    const winner = results.findIndex((r) => r.enrolled);
    expect(repeat.enrolled).toBe(winner !== 0);
    if (winner === 0) expect(repeat).toMatchObject({ reason: 'duplicate_trigger' });
  });

  it('an entry payload is readable by later steps', async () => {
    const journeyId = `payload-${unique}`;
    const versionId = await publish(
      journeyId,
      journey(
        'payload',
        [
          { id: 'start', type: 'trigger', trigger: { kind: 'api' } },
          { id: 'sms', type: 'action', action: 'sms', params: { body: 'Fund {{ entry.fund_code }} is open' } },
          { id: 'done', type: 'exit' },
        ],
        [
          { from: 'start', to: 'sms' },
          { from: 'sms', to: 'done' },
        ],
      ),
    );
    await rt.ingestion.upsertCustomer(`pay-${unique}`, { phone: '+8613800000009' });
    await rt.enrollments.enroll({ versionId, customerId: `pay-${unique}`, entry: { kind: 'api', payload: { fund_code: 'F-007' } } });
    await endedEnrollments(rt.db, journeyId, 1);
    const [send]: { payload: { body: string } }[] = await rt.db.query(`SELECT payload FROM recorded_sends WHERE customer_id = $1`, [`pay-${unique}`]);
    expect(send.payload.body).toBe('Fund F-007 is open');
  });
});

describe('recovery', () => {
  it('an enrollment whose workflow could not be started is started later by startPending', async () => {
    const journeyId = `pending-${unique}`;
    const versionId = await publish(
      journeyId,
      journey('pending', [{ id: 'start', type: 'trigger', trigger: { kind: 'api' } }, { id: 'done', type: 'exit' }], [{ from: 'start', to: 'done' }]),
    );
    // A Temporal client whose every call fails: the enrollment is recorded, the start is deferred.
    const deadConnection = await Connection.connect({ address: 'localhost:1', connectTimeout: 200 }).catch(() => null);
    const brokenClient = deadConnection ? new Client({ connection: deadConnection }) : ({ workflow: { start: async () => { throw new Error('temporal unreachable'); } } } as unknown as Client);
    const broken = new EnrollmentService({ db: rt.db, temporal: brokenClient, taskQueue: rt.taskQueue, defaults: FAST_DEFAULTS });
    const result = await broken.enroll({ versionId, customerId: 'late-start', entry: { kind: 'api', payload: {} } });
    expect(result.enrolled).toBe(true);
    const [row]: { status: string }[] = await rt.db.query(`SELECT status FROM enrollments WHERE journey_id = $1`, [journeyId]);
    expect(row.status).toBe('pending');
    // A second journey's pending run is left alone by a sweep of the first journey only.
    const otherId = `pending-other-${unique}`;
    const otherVersion = await publish(
      otherId,
      journey('pending other', [{ id: 'start', type: 'trigger', trigger: { kind: 'api' } }, { id: 'done', type: 'exit' }], [{ from: 'start', to: 'done' }]),
    );
    expect((await broken.enroll({ versionId: otherVersion, customerId: 'late-start', entry: { kind: 'api', payload: {} } })).enrolled).toBe(true);

    expect(await rt.enrollments.startPending(0, { journeyId })).toBe(1);
    const ended = await endedEnrollments(rt.db, journeyId, 1);
    expect(ended[0].status).toBe('completed');
    const [other]: { status: string }[] = await rt.db.query(`SELECT status FROM enrollments WHERE journey_id = $1`, [otherId]);
    expect(other.status).toBe('pending');
    expect(await rt.enrollments.startPending(0, { journeyId: otherId })).toBe(1);
    expect((await endedEnrollments(rt.db, otherId, 1))[0].status).toBe('completed');
  });

  it('an event stored but not dispatched (crash after commit) is dispatched by dispatchPending', async () => {
    const journeyId = `undispatched-${unique}`;
    await publish(
      journeyId,
      journey(
        'undispatched',
        [{ id: 'start', type: 'trigger', trigger: { kind: 'event', event: `ping_${unique}` } }, { id: 'done', type: 'exit' }],
        [{ from: 'start', to: 'done' }],
      ),
    );
    await rt.db.query(
      `INSERT INTO events (event_id, customer_id, name, event_time, received_at) VALUES ($1, 'orphan', $2, now(), now() - interval '1 minute')`,
      [`orphan-${unique}`, `ping_${unique}`],
    );
    expect(await rt.ingestion.dispatchPending(10_000)).toBeGreaterThanOrEqual(1);
    const ended = await endedEnrollments(rt.db, journeyId, 1);
    expect(ended[0].customer_id).toBe('orphan');
    const [event]: { dispatched_at: Date | null }[] = await rt.db.query(`SELECT dispatched_at FROM events WHERE event_id = $1`, [`orphan-${unique}`]);
    expect(event.dispatched_at).not.toBeNull();
  });
});

describe('segments and event history, evaluated by the real activities', () => {
  it('enrolls customers as they enter a segment, once per entry, and branches on membership and event counts', async () => {
    const segment = `wealthy_${unique}`;
    await rt.db.query(`INSERT INTO segments (key, name, definition) VALUES ($1, 'Wealthy', $2)`, [
      segment,
      JSON.stringify({ trait: 'assets', op: 'gte', value: 100_000 }),
    ]);
    const journeyId = `seg-${unique}`;
    await publish(
      journeyId,
      journey(
        'segment entry',
        [
          { id: 'start', type: 'trigger', trigger: { kind: 'segment', segment } },
          {
            id: 'tier',
            type: 'multi_split',
            cases: [
              { key: 'active_trader', condition: { and: [{ segment }, { event: 'trade', within: 'P3D', count: { gte: 3 } }] } },
              { key: 'member', condition: { segment } },
            ],
          },
          { id: 'x_active', type: 'exit', reason: 'active_trader' },
          { id: 'x_member', type: 'exit', reason: 'member' },
          { id: 'x_else', type: 'exit', reason: 'else' },
        ],
        [
          { from: 'start', to: 'tier' },
          { from: 'tier', port: 'active_trader', to: 'x_active' },
          { from: 'tier', port: 'member', to: 'x_member' },
          { from: 'tier', port: 'else', to: 'x_else' },
        ],
        { settings: { reentry: { policy: 'after_exit' } } },
      ),
    );
    const trader = `trader-${unique}`;
    const saver = `saver-${unique}`;
    const now = Date.now();
    await rt.ingestion.ingest([
      ...[1, 2, 3].map((i) => ({ eventId: `tr-${i}-${unique}`, customerId: trader, name: 'trade', eventTime: now - i * 3_600_000 })),
      { eventId: `tr-old-${unique}`, customerId: saver, name: 'trade', eventTime: now - 10 * 86_400_000 },
    ]);
    await rt.ingestion.upsertCustomer(trader, { assets: 250_000 });
    await rt.ingestion.upsertCustomer(saver, { assets: 120_000 });
    await rt.ingestion.upsertCustomer(saver, { assets: 130_000 }); // still in the segment: no second entry
    const ended = await endedEnrollments(rt.db, journeyId, 2);
    expect(ended.map((e) => [e.customer_id, e.exit_reason])).toEqual(
      [
        [saver, 'member'],
        [trader, 'active_trader'],
      ].sort((a, b) => a[0].localeCompare(b[0])),
    );
    const [decision]: { detail: { values: Record<string, unknown> } }[] = await rt.db.query(
      `SELECT s.detail FROM enrollment_steps s JOIN enrollments e ON e.id = s.enrollment_id
        WHERE e.customer_id = $1 AND s.kind = 'decision'`,
      [trader],
    );
    expect(decision.detail.values).toMatchObject({ [`segment:${segment}`]: true, 'event:trade|within=P3D': 3 });

    // Leaving and re-entering the segment is a new entry.
    await rt.ingestion.upsertCustomer(saver, { assets: 10 });
    await rt.ingestion.upsertCustomer(saver, { assets: 500_000 });
    const again = await endedEnrollments(rt.db, journeyId, 3);
    expect(again.filter((e) => e.customer_id === saver).map((e) => e.seq)).toEqual([1, 2]);
  });

  it('a condition split on a segment (a compiled rule over traits and event history) sends members to yes and others to no', async () => {
    const segment = `fund_prospects_${unique}`;
    await rt.db.query(`INSERT INTO segments (key, name, definition) VALUES ($1, 'Fund prospects', $2)`, [
      segment,
      JSON.stringify({
        and: [
          { trait: 'risk_level', op: 'gte', value: 'C3', order: ['C1', 'C2', 'C3', 'C4', 'C5'] },
          { event: 'fund_viewed', within: 'P7D', count: { gte: 2 } },
          { not: { event: 'account_opened' } },
        ],
      }),
    ]);
    const journeyId = `seg-split-${unique}`;
    const versionId = await publish(
      journeyId,
      journey(
        'segment split',
        [
          { id: 'start', type: 'trigger', trigger: { kind: 'api' } },
          { id: 'prospect', type: 'condition', condition: { segment } },
          { id: 'x_yes', type: 'exit', reason: 'prospect' },
          { id: 'x_no', type: 'exit', reason: 'not_prospect' },
        ],
        [
          { from: 'start', to: 'prospect' },
          { from: 'prospect', port: 'yes', to: 'x_yes' },
          { from: 'prospect', port: 'no', to: 'x_no' },
        ],
      ),
    );
    const now = Date.now();
    const views = (customerId: string) =>
      [1, 2].map((i) => ({ eventId: `fv-${i}-${customerId}`, customerId, name: 'fund_viewed', eventTime: now - i * 86_400_000 }));
    const prospect = `prospect-${unique}`;
    const cautious = `cautious-${unique}`;
    const opened = `opened-${unique}`;
    await rt.ingestion.upsertCustomer(prospect, { risk_level: 'C4' });
    await rt.ingestion.upsertCustomer(cautious, { risk_level: 'C2' });
    await rt.ingestion.upsertCustomer(opened, { risk_level: 'C5' });
    await rt.ingestion.ingest([
      ...views(prospect),
      ...views(cautious),
      ...views(opened),
      { eventId: `ao-${opened}`, customerId: opened, name: 'account_opened', eventTime: now - 3_600_000 },
    ]);
    for (const customerId of [prospect, cautious, opened]) {
      await rt.enrollments.enroll({ versionId, customerId, entry: { kind: 'api', payload: {} } });
    }
    const ended = await endedEnrollments(rt.db, journeyId, 3);
    expect(Object.fromEntries(ended.map((e) => [e.customer_id, e.exit_reason]))).toEqual({
      [prospect]: 'prospect',
      [cautious]: 'not_prospect',
      [opened]: 'not_prospect',
    });
  });
});

describe('events for runs whose start was deferred', () => {
  it('start the pending run with the event, so a goal reached before the start still counts', async () => {
    const journeyId = `deferred-goal-${unique}`;
    const versionId = await publish(
      journeyId,
      journey(
        'deferred goal',
        [
          { id: 'start', type: 'trigger', trigger: { kind: 'api' } },
          { id: 'hold', type: 'wait', duration: 'PT1H' },
          { id: 'done', type: 'exit' },
        ],
        [
          { from: 'start', to: 'hold' },
          { from: 'hold', to: 'done' },
        ],
        { goal: { event: 'deposited' } },
      ),
    );
    const failingStart = { workflow: { start: async () => Promise.reject(new Error('temporal unreachable')) } } as unknown as Client;
    const broken = new EnrollmentService({ db: rt.db, temporal: failingStart, taskQueue: rt.taskQueue, defaults: FAST_DEFAULTS });
    const customerId = `deferred-${unique}`;
    expect(await broken.enroll({ versionId, customerId, entry: { kind: 'api', payload: {} } })).toMatchObject({ enrolled: true });
    await rt.ingestion.ingest([{ eventId: `dep-${customerId}`, customerId, name: 'deposited', eventTime: Date.now() }]);
    const [run] = await endedEnrollments(rt.db, journeyId, 1, 20_000);
    expect(run).toMatchObject({ status: 'converted', exit_reason: 'goal_reached' });
    const [row]: { status: string }[] = await rt.db.query(`SELECT status FROM enrollments WHERE id = $1`, [run.id]);
    expect(row.status).toBe('converted');
  });
});
