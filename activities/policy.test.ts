/**
 * Send policy in the ledger, against the real database: consent and frequency caps hold marketing
 * touches back (recorded as suppressed, with the reason), transactional ones pass, caps hold across
 * journeys and under concurrency, and per-action send rates are spaced.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { DataSource } from 'typeorm';
import { parseFrequencyCaps } from '../engine/policy.js';
import type { ActionRequest } from '../engine/runtime.js';
import { createDataSource } from '../store/data-source.js';
import { ledgerFixtures, ledgerOf } from '../test/channels/ledger-fixtures.js';
import { testDatabaseUrl } from '../test/support/env.js';
import { createActionActivities } from './actions.js';
import { createRecordingChannel, createRecordingChannelFor } from './channels/recording/index.js';

const DAY = 86_400_000;
let db: DataSource;
let fixtures: Awaited<ReturnType<typeof ledgerFixtures>>;

beforeAll(async () => {
  db = createDataSource(testDatabaseUrl(), { poolSize: 6 });
  await db.initialize();
  fixtures = await ledgerFixtures(db, 'policy');
});
afterAll(async () => {
  await db?.destroy();
});

const sendsTo = async (customerId: string) =>
  Number(((await db.query(`SELECT count(*) AS n FROM recorded_sends WHERE customer_id = $1`, [customerId])) as { n: string }[])[0].n);

/** Another enrollment (another journey run) of the same customer, sending the same action. */
let extra = 0;
async function sameCustomer(req: ActionRequest, changes: Partial<ActionRequest> = {}): Promise<ActionRequest> {
  extra++;
  const enrollmentId = `${req.enrollmentId}:x${extra}`;
  await db.query(
    `INSERT INTO enrollments (id, journey_id, version_id, customer_id, seq, status, entry_key) VALUES ($1, $2, $3, $4, 1, 'active', $5)`,
    [enrollmentId, req.journeyId, req.versionId, req.customerId, `x${extra}`],
  );
  return { ...req, enrollmentId, ...changes };
}

describe('consent', () => {
  it('holds back a marketing touch the customer opted out of, and lets a transactional one through', async () => {
    const { performAction } = createActionActivities(db, [createRecordingChannel(db, 'sms')]);
    const marketing = await fixtures.smsRequest({ phone: fixtures.phone(), consent: { sms: false, push: true } });
    expect(await performAction(marketing)).toMatchObject({ status: 'suppressed', error: { code: 'no_consent' } });
    expect(await ledgerOf(db, marketing)).toMatchObject({ status: 'suppressed', error_code: 'no_consent', attempts: 0 });
    const transactional = await sameCustomer(marketing, { category: 'transactional' });
    expect(await performAction(transactional)).toMatchObject({ status: 'sent' });
    expect(await sendsTo(marketing.customerId)).toBe(1);
  });

  it('holds back every action of the kind a customer opted out of (consent.sms holds back an sms provider of another name), marketing only', async () => {
    const sms = createRecordingChannel(db, 'sms');
    const cnSms = createRecordingChannelFor(db, 'cn-sms', { ...sms.spec, consentKind: 'sms' }, () => 'recorded');
    const { performAction } = createActionActivities(db, [sms, cnSms]);
    const optedOut = { ...(await fixtures.smsRequest({ phone: fixtures.phone(), consent: { sms: false } })), action: 'cn-sms' };
    expect(await performAction(optedOut)).toMatchObject({ status: 'suppressed', error: { code: 'no_consent', message: expect.stringContaining('consent.sms is false') } });
    expect(await performAction(await sameCustomer(optedOut, { category: 'transactional' }))).toMatchObject({ status: 'sent' });
    const consented = { ...(await fixtures.smsRequest({ phone: fixtures.phone(), consent: { sms: true, push: false } })), action: 'cn-sms' };
    expect(await performAction(consented)).toMatchObject({ status: 'sent' });
    expect(await sendsTo(optedOut.customerId)).toBe(1);
  });
});

describe('frequency caps', () => {
  const caps = parseFrequencyCaps('sms:2/P7D');

  it('allow N marketing sends per window across journeys, then suppress, then allow again once the window has passed', async () => {
    const { performAction } = createActionActivities(db, [createRecordingChannel(db, 'sms')], { policy: { caps } });
    const t0 = Date.now();
    const first = await fixtures.smsRequest({ phone: fixtures.phone() });
    const outcomes = [];
    outcomes.push(await performAction({ ...first, at: t0 }));
    outcomes.push(await performAction(await sameCustomer(first, { at: t0 + DAY })));
    const third = await sameCustomer(first, { at: t0 + 2 * DAY });
    outcomes.push(await performAction(third));
    outcomes.push(await performAction(await sameCustomer(first, { at: t0 + 3 * DAY, category: 'transactional' })));
    outcomes.push(await performAction(await sameCustomer(first, { at: t0 + 7 * DAY + 1 })));
    expect(outcomes.map((o) => o.status)).toEqual(['sent', 'sent', 'suppressed', 'sent', 'sent']);
    expect(outcomes[2].error).toMatchObject({ code: 'frequency_cap' });
    expect(await ledgerOf(db, third)).toMatchObject({ status: 'suppressed', error_code: 'frequency_cap' });
    // A retried activity for the suppressed touch stays suppressed and sends nothing.
    expect(await performAction(third)).toMatchObject({ status: 'suppressed' });
    expect(await sendsTo(first.customerId)).toBe(4);
  });

  it('hold under concurrent sends from many journeys', async () => {
    const { performAction } = createActionActivities(db, [createRecordingChannel(db, 'sms')], { policy: { caps } });
    const base = await fixtures.smsRequest({ phone: fixtures.phone() });
    const requests = [base, ...(await Promise.all(Array.from({ length: 7 }, () => sameCustomer(base))))];
    const outcomes = await Promise.all(requests.map((r) => performAction(r)));
    expect(outcomes.filter((o) => o.status === 'sent')).toHaveLength(2);
    expect(outcomes.filter((o) => o.status === 'suppressed')).toHaveLength(6);
    expect(await sendsTo(base.customerId)).toBe(2);
  });
});

describe('send rate limits', () => {
  it('space sends of one action to the configured rate', async () => {
    const { performAction } = createActionActivities(db, [createRecordingChannel(db, 'sms')], { policy: { rateLimits: { sms: 10 } } });
    const requests = await Promise.all(Array.from({ length: 6 }, () => fixtures.smsRequest({ phone: fixtures.phone() })));
    const started = Date.now();
    await Promise.all(requests.map((r) => performAction(r)));
    // Six sends at 10/s: the last one waits for its slot 500 ms after the first.
    expect(Date.now() - started).toBeGreaterThanOrEqual(480);
  });

  it('hand a send back for a later retry when the queue for the rate is too long, without sending', async () => {
    const { performAction } = createActionActivities(db, [createRecordingChannel(db, 'sms')], {
      policy: { rateLimits: { sms: 1 }, maxRateWaitMs: 100 },
    });
    const [a, b] = await Promise.all([fixtures.smsRequest({ phone: fixtures.phone() }), fixtures.smsRequest({ phone: fixtures.phone() })]);
    await performAction(a);
    await expect(performAction(b)).rejects.toMatchObject({ code: 'rate_limited' });
    expect(await ledgerOf(db, b)).toMatchObject({ status: 'pending', error_code: 'rate_limited' });
    expect(await sendsTo(b.customerId)).toBe(0);
  });
});
