/**
 * HTTP API, authoring and lifecycle: drafts with revisions, publishing the draft, versions and diffs,
 * pause / resume / stop / archive and their effect on entry and on runs in flight, the audit trail.
 * Real app, real PostgreSQL, Temporal dev server and worker.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DurableOperations } from '../../core/operations.js';
import type { Canvas } from '../../engine/canvas.js';
import { endedEnrollments, eventually } from '../support/runtime-harness.js';
import { canvas, startApi, type ApiHarness } from './api-harness.js';

let api: ApiHarness;
const unique = Date.now().toString(36);

beforeAll(async () => {
  api = await startApi('journeys-lifecycle');
});
afterAll(async () => {
  await api?.stop();
});

/** trigger (event `event`) -> wait a day -> exit: runs stay live for the whole test. */
const waiting = (event: string, name = 'Waiting'): Canvas =>
  canvas(
    name,
    [
      { id: 'start', type: 'trigger', trigger: { kind: 'event', event } },
      { id: 'wait', type: 'wait', duration: 'P1D' },
      { id: 'done', type: 'exit' },
    ],
    [
      { from: 'start', to: 'wait' },
      { from: 'wait', to: 'done' },
    ],
  );
const broken = canvas('Broken', [{ id: 'start', type: 'trigger', trigger: { kind: 'api' } }, { id: 'pause', type: 'wait', duration: 'soon' }] as never, [
  { from: 'start', to: 'pause' },
]);

const marketer = () => api.as('marketer');
const post = (path: string, body: object = {}) => marketer().post(path).send(body);

async function createJourney(id: string, draft: object = broken): Promise<void> {
  await post('/v1/journeys', { id, canvas: draft }).expect(201);
}

async function publishJourney(id: string, draft: object): Promise<void> {
  await marketer().put(`/v1/journeys/${id}/publish`).send(draft).expect(201);
}

async function sendEvent(customerId: string, name: string): Promise<void> {
  const event = { eventId: `${name}-${customerId}`, customerId, name, eventTime: new Date().toISOString() };
  await api.as('engineer').post('/v1/events').send({ events: [event] }).expect(202);
}

async function enrollments(journeyId: string): Promise<{ customer_id: string; status: string; exit_reason: string | null }[]> {
  return api.rt.db.query(`SELECT customer_id, status, exit_reason FROM enrollments WHERE journey_id = $1 ORDER BY customer_id`, [journeyId]);
}

async function auditActions(journeyId: string): Promise<string[]> {
  const res = await api.as('viewer').get(`/v1/audit-log?entityType=journey&entityId=${journeyId}`).expect(200);
  return res.body.items.map((e: { action: string }) => e.action).reverse();
}

describe('drafts', () => {
  const id = `draft-${unique}`;

  it('creates a journey holding an invalid draft, with the validation result and an ETag', async () => {
    const res = await post('/v1/journeys', { id, canvas: broken }).expect(201);
    expect(res.headers.etag).toMatch(/^"1-[\w-]+"$/);
    expect(res.body).toMatchObject({
      id,
      name: 'Broken',
      status: 'draft',
      activeVersion: null,
      draftRevision: 1,
      draft: { revision: 1, canvas: broken, unpublishedChanges: true },
      validation: { valid: false, issues: expect.arrayContaining([expect.objectContaining({ code: 'invalid_duration', path: '$.nodes[1].duration' })]) },
      allowedActions: ['edit_draft', 'publish', 'archive'],
    });
    const again = await api.as('viewer').get(`/v1/journeys/${id}`).expect(200);
    expect(again.body).toEqual(res.body);
  });

  it('refuses a taken id, a bad body and an unknown journey', async () => {
    expect((await post('/v1/journeys', { id, canvas: broken }).expect(409)).body.error.code).toBe('journey_exists');
    const bad = await post('/v1/journeys', { id: 'no:colons', canvas: [] }).expect(400);
    expect(bad.body.error.code).toBe('invalid_body');
    expect(bad.body.error.issues.map((i: { path: string }) => i.path)).toEqual(['$.id', '$.canvas']);
    expect((await marketer().get(`/v1/journeys/nope-${unique}`).expect(404)).body.error.code).toBe('journey_not_found');
    expect((await marketer().put(`/v1/journeys/nope-${unique}/draft`).send({ canvas: broken }).expect(404)).body.error.code).toBe('journey_not_found');
  });

  it('saves a draft against its revision (body or If-Match) and refuses a stale one with 409 draft_conflict', async () => {
    const fixed = waiting(`never_${unique}`, 'Fixed');
    const saved = await marketer().put(`/v1/journeys/${id}/draft`).send({ canvas: fixed, revision: 1 }).expect(200);
    expect(saved.body).toMatchObject({ name: 'Fixed', draftRevision: 2, validation: { valid: true, issues: [] } });
    expect(saved.headers.etag).toMatch(/^"2-[\w-]+"$/);

    const stale = await marketer().put(`/v1/journeys/${id}/draft`).set('If-Match', '"1"').send({ canvas: broken }).expect(409);
    expect(stale.body.error).toMatchObject({ code: 'draft_conflict', currentRevision: 2 });
    await marketer().put(`/v1/journeys/${id}/draft`).set('If-Match', '"2"').send({ canvas: fixed }).expect(200);
    const unconditional = await marketer().put(`/v1/journeys/${id}/draft`).send({ canvas: fixed }).expect(200);
    expect(unconditional.body.draftRevision).toBe(4);

    const bad = await marketer().put(`/v1/journeys/${id}/draft`).send({ canvas: fixed, revision: 'two' }).expect(400);
    expect(bad.body.error.issues).toEqual([expect.objectContaining({ path: '$.revision' })]);
  });

  it('lets viewers read but not write, and nobody without a key', async () => {
    await api.as('support').get(`/v1/journeys/${id}`).expect(200);
    expect((await api.as('viewer').put(`/v1/journeys/${id}/draft`).send({ canvas: broken }).expect(403)).body.error.code).toBe('forbidden_role');
    expect((await api.as('engineer').post('/v1/journeys').send({ id: `x-${unique}`, canvas: broken }).expect(403)).body.error.code).toBe('forbidden_role');
    await api.anonymous().get(`/v1/journeys/${id}`).expect(401);
  });

  it('validate returns the full error list and stores nothing', async () => {
    const res = await marketer().post('/v1/journeys/validate').send(broken).expect(200);
    expect(res.body).toMatchObject({ valid: false, issues: expect.arrayContaining([expect.objectContaining({ path: '$.nodes[1].duration' })]) });
  });
});

describe('listing', () => {
  const ids = ['a', 'b', 'c'].map((s) => `list-${unique}-${s}`);

  it('pages through journeys of one status by id', async () => {
    for (const id of ids) {
      await createJourney(id);
      await post(`/v1/journeys/${id}/archive`).expect(200);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: { body: { items: { id: string; status: string }[]; nextCursor: string | null } } = await api
        .as('viewer')
        .get('/v1/journeys')
        .query({ status: 'archived', limit: 2, ...(cursor ? { cursor } : {}) })
        .expect(200);
      expect(res.body.items.length).toBeLessThanOrEqual(2);
      for (const j of res.body.items) expect(j.status).toBe('archived');
      seen.push(...res.body.items.map((j) => j.id));
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBeGreaterThanOrEqual(2);
    expect(seen.filter((id) => ids.includes(id))).toEqual(ids);
    expect([...seen].sort()).toEqual(seen);
  });

  it('refuses an unknown status or cursor with 400 invalid_query', async () => {
    expect((await marketer().get('/v1/journeys?status=running').expect(400)).body.error.code).toBe('invalid_query');
    expect((await marketer().get('/v1/journeys?cursor=garbage').expect(400)).body.error.code).toBe('invalid_query');
  });
});

describe('publishing the draft, versions and diffs', () => {
  const id = `pub-${unique}`;
  const v1 = waiting(`pub_${unique}`, 'Publish me');
  const v2: Canvas = {
    ...v1,
    nodes: [
      v1.nodes[0],
      { id: 'wait', type: 'wait', duration: 'P2D' },
      { id: 'sms', type: 'action', action: 'sms', params: { body: 'Hello' } },
      { id: 'done', type: 'exit' },
    ],
    edges: [v1.edges[0], { from: 'wait', to: 'sms' }, { from: 'sms', to: 'done' }],
  };

  it('refuses to publish an invalid draft with the issues, changing nothing', async () => {
    await createJourney(id);
    const res = await post(`/v1/journeys/${id}/publish`).expect(422);
    expect(res.body.error).toMatchObject({ code: 'invalid_canvas', issues: expect.arrayContaining([expect.objectContaining({ path: '$.nodes[1].duration' })]) });
    expect((await marketer().get(`/v1/journeys/${id}`).expect(200)).body).toMatchObject({ status: 'draft', activeVersion: null });
    expect((await marketer().get(`/v1/journeys/${id}/versions`).expect(200)).body).toEqual({ items: [], nextCursor: null });
  });

  it('publishes the draft at the expected revision as version 1, and the journey becomes active', async () => {
    await marketer().put(`/v1/journeys/${id}/draft`).send({ canvas: v1 }).expect(200);
    expect((await post(`/v1/journeys/${id}/publish`, { revision: 1 }).expect(409)).body.error.code).toBe('draft_conflict');
    const res = await post(`/v1/journeys/${id}/publish`, { revision: 2 }).expect(201);
    expect(res.body).toMatchObject({ published: true, journeyId: id, versionId: `${id}@1`, version: 1, draftRevision: 2 });
    expect(res.body.diff.nodes.added.map((n: { id: string }) => n.id)).toEqual(['start', 'wait', 'done']);
    const journey = await marketer().get(`/v1/journeys/${id}`).expect(200);
    expect(journey.body).toMatchObject({ status: 'active', activeVersion: 1, draft: { unpublishedChanges: false } });
  });

  it('diffs the draft against the active version before the next publish, then versions against each other', async () => {
    await marketer().put(`/v1/journeys/${id}/draft`).send({ canvas: v2 }).expect(200);
    const pending = await api.as('viewer').get(`/v1/journeys/${id}/diff`).expect(200);
    const expected = {
      identical: false,
      nodes: {
        added: [{ id: 'sms', type: 'action' }],
        removed: [],
        changed: [{ id: 'wait', type: 'wait', fields: ['duration'], values: [{ field: 'duration', old: 'P1D', new: 'P2D' }] }],
      },
      edges: { added: [{ from: 'wait', port: 'next', to: 'sms' }, { from: 'sms', port: 'next', to: 'done' }], removed: [{ from: 'wait', port: 'next', to: 'done' }] },
      settings: { changed: [], values: [] },
    };
    expect(pending.body).toEqual({
      journeyId: id,
      from: { ref: 'active', version: 1 },
      to: { ref: 'draft', version: null },
      diff: expected,
      liveRuns: [{ version: 1, versionId: `${id}@1`, live: 0 }],
    });

    await post(`/v1/journeys/${id}/publish`).expect(201);
    const between = await api.as('viewer').get(`/v1/journeys/${id}/versions/1/diff/2`).expect(200);
    expect(between.body.diff).toEqual(expected);
    const back = await api.as('viewer').get(`/v1/journeys/${id}/diff?from=2&to=1`).expect(200);
    expect(back.body.diff.nodes.removed).toEqual([{ id: 'sms', type: 'action' }]);
    expect((await marketer().get(`/v1/journeys/${id}/versions/1/diff/9`).expect(404)).body.error.code).toBe('version_not_found');
    expect((await marketer().get(`/v1/journeys/${id}/diff?from=latest`).expect(400)).body.error.code).toBe('invalid_version');
  });

  it('lists versions newest first, paged, and shows one with canvas, plan and publisher', async () => {
    const first = await api.as('support').get(`/v1/journeys/${id}/versions?limit=1`).expect(200);
    expect(first.body.items).toEqual([
      expect.objectContaining({ version: 2, versionId: `${id}@2`, isActiveVersion: true, acceptingEntries: true, draftRevision: 3, triggerKind: 'event' }),
    ]);
    expect(first.body.items[0].publishedBy).toMatchObject({ role: 'marketer' });
    const second = await api.as('support').get(`/v1/journeys/${id}/versions?limit=1&cursor=${first.body.nextCursor}`).expect(200);
    expect(second.body).toEqual({ items: [expect.objectContaining({ version: 1, isActiveVersion: false, acceptingEntries: false })], nextCursor: null });

    const one = await api.as('viewer').get(`/v1/journeys/${id}/versions/1`).expect(200);
    expect(one.body).toMatchObject({ version: 1, canvas: v1, plan: { name: 'Publish me', trigger: { kind: 'event' } }, publishedAt: expect.any(String) });
    expect((await marketer().get(`/v1/journeys/${id}/versions/3`).expect(404)).body.error.code).toBe('version_not_found');
    expect((await marketer().get(`/v1/journeys/${id}/versions/zero`).expect(400)).body.error.code).toBe('invalid_version');
  });
});

describe('lifecycle', () => {
  const id = `life-${unique}`;
  const event = `life_${unique}`;

  it('pause stops event entry, resume restores it; runs in flight keep going', async () => {
    await publishJourney(id, waiting(event));
    await sendEvent(`before-${unique}`, event);
    const paused = await post(`/v1/journeys/${id}/pause`, { reason: 'copy review' }).expect(200);
    expect(paused.body).toEqual({ journeyId: id, status: 'paused', previousStatus: 'active', liveRuns: 1 });

    await sendEvent(`while-${unique}`, event);
    expect((await enrollments(id)).map((e) => [e.customer_id, e.status])).toEqual([[`before-${unique}`, expect.stringMatching(/pending|active/)]]);

    await post(`/v1/journeys/${id}/resume`).expect(200);
    await sendEvent(`after-${unique}`, event);
    expect((await enrollments(id)).map((e) => e.customer_id)).toEqual([`after-${unique}`, `before-${unique}`]);
  });

  it('pause also closes API entry', async () => {
    const apiJourney = `life-api-${unique}`;
    await publishJourney(apiJourney, canvas('Api', [{ id: 'start', type: 'trigger', trigger: { kind: 'api' } }, { id: 'done', type: 'exit' }], [{ from: 'start', to: 'done' }]));
    await post(`/v1/journeys/${apiJourney}/pause`).expect(200);
    // The journey exists but takes no one now: a state conflict.
    const res = await api.as('engineer').post(`/v1/journeys/${apiJourney}/enrollments`).send({ customerId: `c-${unique}` }).expect(409);
    expect(res.body.error).toMatchObject({ code: 'journey_not_active', status: 'paused', message: expect.stringMatching(/paused/) });
  });

  it('an enrollment racing a stop waits for the stop to commit and is refused, so the stop misses nobody', async () => {
    const racing = `life-race-${unique}`;
    await publishJourney(racing, waiting(`race_${unique}`, 'Race'));
    const [{ id: versionId }]: { id: string }[] = await api.rt.db.query(`SELECT id FROM journey_versions WHERE journey_id = $1 AND active`, [racing]);
    // A stop caught between closing the version and committing (the lifecycle's own UPDATE, held open).
    const stop = api.rt.db.createQueryRunner();
    await stop.connect();
    await stop.startTransaction();
    try {
      await stop.query(`UPDATE journeys SET status = 'stopped' WHERE id = $1`, [racing]);
      await stop.query(`UPDATE journey_versions SET active = false WHERE id = $1`, [versionId]);
      // Read before the stop commits, the version still looks open: without the lock this enrollment went in.
      const enrolling = api.rt.enrollments.enroll({ versionId, customerId: `racer-${unique}`, entry: { kind: 'api', payload: {} } });
      let settled = false;
      void enrolling.then(
        () => (settled = true),
        () => (settled = true),
      );
      // Commit only once the enrollment is blocked on the version (or, without the lock, has finished).
      await eventually('the enrollment to wait for the stop, or to finish', async () => {
        if (settled) return true;
        const [{ n }]: { n: number }[] = await api.rt.db.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%journey_versions%FOR SHARE%'`,
        );
        return n > 0;
      });
      await stop.commitTransaction();
      expect(await enrolling).toEqual({ enrolled: false, reason: 'journey_inactive' });
    } finally {
      if (stop.isTransactionActive) await stop.rollbackTransaction();
      await stop.release();
    }
    expect(await enrollments(racing)).toEqual([]);
  });

  it('stop exit_now ends every live run, pending ones too, with the reason; nobody enters afterwards', async () => {
    await eventually('runs waiting', async () => (await enrollments(id)).every((e) => e.status === 'active'));
    // A run whose workflow start was lost: only its row exists.
    await api.rt.db.query(
      `INSERT INTO enrollments (id, journey_id, version_id, customer_id, seq, status) VALUES ($1, $2, $3, $4, 1, 'pending')`,
      [`journey:${id}:customer:lost-${unique}:run:1`, id, `${id}@1`, `lost-${unique}`],
    );
    const res = await post(`/v1/journeys/${id}/stop`, { mode: 'exit_now', reason: 'compliance hold' }).expect(202);
    const operationId = res.body.operationId as string;
    expect(res.body).toEqual({ journeyId: id, status: 'stopped', previousStatus: 'active', liveRuns: 3, mode: 'exit_now', operationId: expect.stringMatching(/^journey-exit:/) });
    expect(res.headers.location).toBe(`/v1/operations/${encodeURIComponent(operationId)}`);
    // The exits run in a workflow; the operation reports their progress until it completes.
    let operation: Record<string, unknown> = {};
    await eventually('exit operation completed', async () => {
      operation = (await api.as('viewer').get(res.headers.location).expect(200)).body;
      return operation.status === 'completed';
    });
    expect(operation).toMatchObject({
      id: operationId,
      kind: 'journey_exit',
      journeyId: id,
      progress: { done: 3, total: 3 },
      detail: { reason: 'compliance hold', requestedBy: expect.stringMatching(/^journey_stop:/) },
      error: null,
    });

    const ended = await endedEnrollments(api.rt.db, id, 3);
    expect(ended.map((e) => [e.customer_id, e.status, e.exit_reason])).toEqual([
      [`after-${unique}`, 'exited', 'compliance hold'],
      [`before-${unique}`, 'exited', 'compliance hold'],
      [`lost-${unique}`, 'exited', 'compliance hold'],
    ]);
    await sendEvent(`late-${unique}`, event);
    expect(await enrollments(id)).toHaveLength(3);
  });

  it('stop finish lets runs in flight go on', async () => {
    const finishing = `life-finish-${unique}`;
    const finishEvent = `finish_${unique}`;
    await publishJourney(finishing, waiting(finishEvent));
    await sendEvent(`runner-${unique}`, finishEvent);
    const res = await post(`/v1/journeys/${finishing}/stop`, { mode: 'finish', reason: 'campaign over' }).expect(200);
    expect(res.body).toMatchObject({ status: 'stopped', liveRuns: 1, operationId: null });
    await new Promise((r) => setTimeout(r, 500));
    expect((await enrollments(finishing)).map((e) => e.status)).toEqual([expect.stringMatching(/pending|active/)]);
  });

  it('an exit operation whose workflow start was lost (API crash after the stop committed) is started by the recovery sweep', async () => {
    const crashed = `life-crash-${unique}`;
    const crashEvent = `crash_${unique}`;
    await publishJourney(crashed, waiting(crashEvent));
    await sendEvent(`crash-a-${unique}`, crashEvent);
    await sendEvent(`crash-b-${unique}`, crashEvent);
    await eventually('runs live', async () => (await enrollments(crashed)).length === 2);
    await post(`/v1/journeys/${crashed}/stop`, { mode: 'finish', reason: 'campaign over' }).expect(200);
    // What a crash between the commit and the workflow start leaves: the operation row alone.
    const operations = api.app.get(DurableOperations);
    const operationId = await api.rt.db.transaction((tx) =>
      operations.recordJourneyExit({ journeyId: crashed, reason: 'crash drill', requestedBy: 'journey_stop:drill', createdBy: 'drill' }, tx),
    );
    expect((await api.as('viewer').get(`/v1/operations/${operationId}`).expect(200)).body).toMatchObject({ status: 'running', progress: { done: 0, total: null } });

    expect(await operations.resumeStalled(0)).toBeGreaterThanOrEqual(1);
    await eventually('exit operation completed', async () => (await api.as('viewer').get(`/v1/operations/${operationId}`).expect(200)).body.status === 'completed');
    const ended = await endedEnrollments(api.rt.db, crashed, 2);
    expect(ended.map((e) => [e.status, e.exit_reason])).toEqual([
      ['exited', 'crash drill'],
      ['exited', 'crash drill'],
    ]);
    // A second sweep leaves it alone: the workflow id is never reused.
    await operations.resumeStalled(0);
    expect((await api.as('viewer').get(`/v1/operations/${operationId}`).expect(200)).body).toMatchObject({ status: 'completed', progress: { done: 2, total: 2 } });
  });

  it('answers 404 operation_not_found for an unknown operation', async () => {
    const res = await api.as('viewer').get(`/v1/operations/journey-exit:nope-${unique}:x`).expect(404);
    expect(res.body.error.code).toBe('operation_not_found');
  });

  it('refuses a stop without a mode or reason', async () => {
    const res = await post(`/v1/journeys/${id}/stop`, { mode: 'later' }).expect(400);
    expect(res.body.error.issues.map((i: { path: string }) => i.path).sort()).toEqual(['$.mode', '$.reason']);
  });

  it('answers every transition from a state that does not allow it with 409 invalid_transition', async () => {
    const states: Record<string, string> = {};
    for (const state of ['draft', 'active', 'paused', 'stopped', 'archived']) {
      const jid = `state-${state}-${unique}`;
      states[state] = jid;
      await createJourney(jid, waiting(`state_${unique}`));
      if (state !== 'draft' && state !== 'archived') await post(`/v1/journeys/${jid}/publish`).expect(201);
      if (state === 'paused') await post(`/v1/journeys/${jid}/pause`).expect(200);
      if (state === 'stopped') await post(`/v1/journeys/${jid}/stop`, { mode: 'finish', reason: 'test' }).expect(200);
      if (state === 'archived') await post(`/v1/journeys/${jid}/archive`).expect(200);
    }
    const refused: [string, string, () => ReturnType<typeof post>][] = [];
    const action = (state: string, name: string) => `/v1/journeys/${states[state]}/${name}`;
    const lifecycle = { pause: ['draft', 'paused', 'stopped', 'archived'], resume: ['draft', 'active', 'stopped', 'archived'], stop: ['draft', 'stopped', 'archived'], archive: ['active', 'paused', 'archived'] };
    for (const [name, from] of Object.entries(lifecycle)) {
      for (const state of from) refused.push([state, name, () => post(action(state, name), name === 'stop' ? { mode: 'finish', reason: 'test' } : { reason: 'test' })]);
    }
    for (const state of ['stopped', 'archived']) {
      refused.push([state, 'publish', () => post(action(state, 'publish'))]);
      refused.push([state, 'edit_draft', () => marketer().put(action(state, 'draft')).send({ canvas: broken })]);
      refused.push([state, 'publish', () => marketer().put(action(state, 'publish')).send(waiting(`state_${unique}`))]);
    }
    for (const [state, name, call] of refused) {
      const res = await call();
      expect([state, name, res.status]).toEqual([state, name, 409]);
      expect(res.body.error).toMatchObject({ code: 'invalid_transition', status: state, action: name, allowedFrom: expect.any(Array) });
    }
  });

  it('records every change in the audit log, in order, with the actor', async () => {
    expect(await auditActions(id)).toEqual(['journey.create', 'journey.publish', 'journey.pause', 'journey.resume', 'journey.stop']);
    const res = await api.as('viewer').get(`/v1/audit-log?entityType=journey&entityId=${id}&action=journey.stop`).expect(200);
    expect(res.body.items).toEqual([
      expect.objectContaining({
        actor: expect.objectContaining({ role: 'marketer' }),
        detail: { from: 'active', to: 'stopped', liveRuns: 3, mode: 'exit_now', reason: 'compliance hold' },
      }),
    ]);
    expect(await auditActions(`draft-${unique}`)).toEqual(['journey.create', ...Array(3).fill('journey.draft.update')]);
  });
});
