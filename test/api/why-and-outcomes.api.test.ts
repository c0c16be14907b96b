/**
 * "What happened and why", the rest of it, through the HTTP API alone: one segment that triggers
 * several journeys enrolls into all of them; every trigger that matched without an enrollment leaves a
 * "not enrolled" entry in the customer's history. Real app, PostgreSQL, Temporal dev server, worker.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { endedEnrollments } from '../support/runtime-harness.js';
import { canvas, startApi, type ApiHarness } from './api-harness.js';

const unique = Date.now().toString(36);
let api: ApiHarness;

beforeAll(async () => {
  api = await startApi('why-and-outcomes');
});
afterAll(async () => {
  await api?.stop();
});

async function publish(journeyId: string, body: object): Promise<void> {
  await api.http().put(`/v1/journeys/${journeyId}/publish`).send(body).expect(201);
}

const straightThrough = (name: string, trigger: object, extra: object = {}) =>
  canvas(name, [{ id: 'start', type: 'trigger', trigger } as never, { id: 'done', type: 'exit' }], [{ from: 'start', to: 'done' }], extra);

async function historyOf(customerId: string) {
  return (await api.as('support').get(`/v1/customers/${customerId}/history`).expect(200)).body;
}

describe('one segment triggering several journeys', () => {
  it('a profile change that puts the customer in the segment enrolls them into every journey it triggers', async () => {
    const segment = `shared-${unique}`;
    await api.as('marketer').post('/v1/segments').send({ key: segment, name: 'Shared', rule: { trait: 'tier', op: 'eq', value: 'gold' } }).expect(201);
    const first = `shared-a-${unique}`;
    const second = `shared-b-${unique}`;
    await publish(first, straightThrough('Shared A', { kind: 'segment', segment }));
    await publish(second, straightThrough('Shared B', { kind: 'segment', segment }));
    const customerId = `gold-${unique}`;

    await api.as('engineer').put(`/v1/customers/${customerId}`).send({ traits: { tier: 'gold' } }).expect(200);
    await endedEnrollments(api.rt.db, first, 1);
    await endedEnrollments(api.rt.db, second, 1);

    const history = await historyOf(customerId);
    const entered = history.enrollments.map((e: { journeyId: string; entry: { kind: string; segment: string } }) => [e.journeyId, e.entry.kind, e.entry.segment]);
    expect(entered.sort()).toEqual([
      [first, 'segment', segment],
      [second, 'segment', segment],
    ]);
    expect(history.notEnrolled).toEqual([]);
    // Still in the segment: a second profile change is not a second entry.
    await api.as('engineer').put(`/v1/customers/${customerId}`).send({ traits: { city: 'Lyon' } }).expect(200);
    expect((await historyOf(customerId)).enrollments).toHaveLength(2);
  });
});
