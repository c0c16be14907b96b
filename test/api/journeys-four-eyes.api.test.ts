/**
 * HTTP API, four-eyes publishing: a publish becomes a request that only a different API key may
 * approve; approval publishes exactly the requested draft revision; rejections and stale requests
 * publish nothing; everything is in the audit log. Real app with the option on.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ApiKeysService } from '../../core/access/api-keys.js';
import type { Canvas } from '../../engine/canvas.js';
import { keyedAgent } from '../support/api-keys.js';
import { canvas, startApi, type ApiHarness } from './api-harness.js';

let api: ApiHarness;
/** A second marketer: a different key with the same role. */
let reviewer: () => ReturnType<typeof keyedAgent>;
let reviewerKeyId: string;
const unique = Date.now().toString(36);
const id = `four-eyes-${unique}`;

beforeAll(async () => {
  api = await startApi('journeys-four-eyes', { fourEyesPublishing: true });
  const created = await new ApiKeysService(api.rt.db).create(`reviewer ${unique}`, 'marketer', null);
  reviewerKeyId = created.id;
  reviewer = () => keyedAgent(api.app.getHttpServer(), created.key);
});
afterAll(async () => {
  await api?.stop();
});

const journey = (body: string): Canvas =>
  canvas(
    'Reviewed',
    [
      { id: 'start', type: 'trigger', trigger: { kind: 'api' } },
      { id: 'sms', type: 'action', action: 'sms', params: { body } },
      { id: 'done', type: 'exit' },
    ],
    [
      { from: 'start', to: 'sms' },
      { from: 'sms', to: 'done' },
    ],
  );

const author = () => api.as('marketer');
const requests = (status?: string) => api.as('viewer').get(`/v1/journeys/${id}/publish-requests${status ? `?status=${status}` : ''}`);
const decide = (agent: ReturnType<typeof keyedAgent>, rid: string, verb: 'approve' | 'reject', body: object = {}) =>
  agent.post(`/v1/journeys/${id}/publish-requests/${rid}/${verb}`).send(body);

async function versionCount(): Promise<number> {
  const [{ n }]: { n: number }[] = await api.rt.db.query(`SELECT count(*)::int AS n FROM journey_versions WHERE journey_id = $1`, [id]);
  return n;
}

async function requestPublish(body: string): Promise<string> {
  await author().put(`/v1/journeys/${id}/draft`).send({ canvas: journey(body) }).expect(200);
  const res = await author().post(`/v1/journeys/${id}/publish`).expect(202);
  return res.body.requestId;
}

describe('four-eyes publishing', () => {
  let first: string;

  it('turns PUT publish into a saved draft and a pending request with its diff; nothing is published', async () => {
    const res = await author().put(`/v1/journeys/${id}/publish`).send(journey('Welcome')).expect(202);
    expect(res.body).toEqual({ journeyId: id, requestId: expect.stringMatching(/^\d+$/), status: 'pending', draftRevision: 1, diff: expect.objectContaining({ identical: false }) });
    expect(res.body.diff.nodes.added.map((n: { id: string }) => n.id)).toEqual(['start', 'sms', 'done']);
    first = res.body.requestId;
    expect(await versionCount()).toBe(0);
    expect((await author().get(`/v1/journeys/${id}`).expect(200)).body).toMatchObject({ status: 'draft', activeVersion: null, draftRevision: 1 });

    const again = await author().post(`/v1/journeys/${id}/publish`).expect(202);
    expect(again.body.requestId).toBe(first);
    expect((await requests('pending').expect(200)).body.items.map((r: { requestId: string }) => r.requestId)).toEqual([first]);
  });

  it('refuses self-approval with 403 and publishes nothing', async () => {
    const res = await decide(author(), first, 'approve').expect(403);
    expect(res.body.error.code).toBe('self_approval');
    expect(await versionCount()).toBe(0);
  });

  it('publishes the requested revision when another marketer approves, recording both people', async () => {
    const res = await decide(reviewer(), first, 'approve').expect(200);
    expect(res.body).toMatchObject({ requestId: first, status: 'approved', version: 1, decidedBy: { keyId: reviewerKeyId, role: 'marketer' } });
    const version = await api.as('viewer').get(`/v1/journeys/${id}/versions/1`).expect(200);
    expect(version.body).toMatchObject({
      draftRevision: 1,
      publishedBy: { role: 'marketer' },
      approvedBy: { keyId: reviewerKeyId },
      publishRequestId: first,
      acceptingEntries: true,
    });
    expect(version.body.publishedBy.keyId).not.toBe(reviewerKeyId);
    expect((await author().get(`/v1/journeys/${id}`).expect(200)).body).toMatchObject({ status: 'active', activeVersion: 1 });
    expect((await decide(reviewer(), first, 'approve').expect(409)).body.error).toMatchObject({ code: 'request_not_pending', status: 'approved' });
  });

  it('publishes nothing on a rejection, which needs a reason', async () => {
    const rid = await requestPublish('Welcome aboard');
    expect((await decide(reviewer(), rid, 'reject').expect(400)).body.error.code).toBe('invalid_body');
    const res = await decide(reviewer(), rid, 'reject', { reason: 'tone of voice' }).expect(200);
    expect(res.body).toMatchObject({ status: 'rejected', reason: 'tone of voice', version: null });
    expect(await versionCount()).toBe(1);
  });

  it('refuses a stale request (the draft changed since) with 409 and marks it stale', async () => {
    const rid = await requestPublish('Hello');
    await author().put(`/v1/journeys/${id}/draft`).send({ canvas: journey('Hello!') }).expect(200);
    const res = await decide(reviewer(), rid, 'approve').expect(409);
    expect(res.body.error).toMatchObject({ code: 'stale_request', currentRevision: 4 });
    expect(await versionCount()).toBe(1);
    const list = (await requests().expect(200)).body.items;
    expect(list.map((r: { status: string }) => r.status)).toEqual(['stale', 'rejected', 'approved']);
  });

  it('404s unknown requests and refuses roles that may not decide', async () => {
    expect((await decide(reviewer(), '999999999', 'approve').expect(404)).body.error.code).toBe('publish_request_not_found');
    expect((await decide(reviewer(), 'abc', 'reject', { reason: 'x' }).expect(404)).body.error.code).toBe('publish_request_not_found');
    expect((await decide(api.as('viewer'), first, 'approve').expect(403)).body.error.code).toBe('forbidden_role');
  });

  it('puts the request, the approval with the approved diff, the publish and the rejection in the audit log', async () => {
    const res = await api.as('viewer').get(`/v1/audit-log?entityType=journey&entityId=${id}&limit=200`).expect(200);
    const entries: { action: string; actor: { keyId: string }; detail: Record<string, unknown> }[] = res.body.items.reverse();
    expect(entries.map((e) => e.action)).toEqual([
      'journey.create',
      'journey.publish_request',
      'journey.publish_request.approve',
      'journey.publish',
      'journey.draft.update',
      'journey.publish_request',
      'journey.publish_request.reject',
      'journey.draft.update',
      'journey.publish_request',
      'journey.draft.update',
    ]);
    const approval = entries[2];
    expect(approval.actor.keyId).toBe(reviewerKeyId);
    expect(approval.detail).toMatchObject({ requestId: first, draftRevision: 1, version: 1, diff: { identical: false } });
    expect(entries[6].detail).toMatchObject({ reason: 'tone of voice' });
  });
});
