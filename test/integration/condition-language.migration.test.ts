/**
 * Migration 1797100000000: stored format-1 drafts, version canvases and publish requests become
 * format 2; compiled plans are not touched (runs keep deciding format-1 conditions); format-2
 * documents are left as they are; running it twice changes nothing more. On this test's own rows.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { DataSource } from 'typeorm';
import { ConditionLanguage1797100000000 } from '../../migrations/1797100000000-condition-language.js';
import { createDataSource } from '../../store/data-source.js';
import { testDatabaseUrl } from '../support/env.js';

const unique = Date.now().toString(36);
const oldJourney = `mig-cond-old-${unique}`;
const newJourney = `mig-cond-new-${unique}`;
let db: DataSource;

const v1Canvas = (name: string) => ({
  schemaVersion: 1,
  name,
  nodes: [{ id: 'check', type: 'condition', condition: { any: [{ segment: 'vip', member: false }, { all: [{ trait: 'tier', op: 'eq', value: 'gold' }] }] } }],
  exitCriteria: [{ id: 'x', condition: { segment: 'blocked' }, reason: 'blocked' }],
});
const upgraded = (name: string) => ({
  schemaVersion: 2,
  name,
  nodes: [{ id: 'check', type: 'condition', condition: { or: [{ not: { segment: 'vip' } }, { and: [{ trait: 'tier', op: 'eq', value: 'gold' }] }] } }],
  exitCriteria: [{ id: 'x', condition: { segment: 'blocked' }, reason: 'blocked' }],
});
const v1Plan = { planVersion: 1, nodes: { check: { kind: 'condition', condition: { all: [{ trait: 'tier', op: 'eq', value: 'gold' }] } } } };
const v2Canvas = { schemaVersion: 2, name: 'already 2', nodes: [{ id: 'c', type: 'condition', condition: { and: [{ trait: 'a', op: 'exists' }] } }] };

beforeAll(async () => {
  db = await createDataSource(testDatabaseUrl(), { poolSize: 2 }).initialize();
  await db.query(`INSERT INTO journeys (id, name, draft) VALUES ($1, 'old', $2), ($3, 'new', $4)`, [oldJourney, v1Canvas('draft'), newJourney, v2Canvas]);
  await db.query(
    `INSERT INTO journey_versions (id, journey_id, version, canvas, plan, trigger_kind) VALUES ($1, $2, 1, $3, $4, 'api'), ($5, $6, 1, $7, '{}', 'api')`,
    [`${oldJourney}@1`, oldJourney, v1Canvas('version'), v1Plan, `${newJourney}@1`, newJourney, v2Canvas],
  );
  await db.query(
    `INSERT INTO journey_publish_requests (journey_id, draft_revision, canvas, diff, requested_by) VALUES ($1, 1, $2, '{}', '{}')`,
    [oldJourney, v1Canvas('request')],
  );
});

afterAll(async () => {
  await db.query(`DELETE FROM journey_publish_requests WHERE journey_id = ANY($1)`, [[oldJourney, newJourney]]);
  await db.query(`DELETE FROM journey_versions WHERE journey_id = ANY($1)`, [[oldJourney, newJourney]]);
  await db.query(`DELETE FROM journeys WHERE id = ANY($1)`, [[oldJourney, newJourney]]);
  await db.destroy();
});

async function migrate(): Promise<void> {
  const runner = db.createQueryRunner();
  try {
    await new ConditionLanguage1797100000000().up(runner);
  } finally {
    await runner.release();
  }
}

describe('migration ConditionLanguage1797100000000', () => {
  it('upgrades stored format-1 canvases, keeps plans and format-2 documents, and is idempotent', async () => {
    await migrate();
    const [draft] = await db.query(`SELECT draft FROM journeys WHERE id = $1`, [oldJourney]);
    const [version] = await db.query(`SELECT canvas, plan FROM journey_versions WHERE id = $1`, [`${oldJourney}@1`]);
    const [request] = await db.query(`SELECT canvas FROM journey_publish_requests WHERE journey_id = $1`, [oldJourney]);
    expect(draft.draft).toEqual(upgraded('draft'));
    expect(version.canvas).toEqual(upgraded('version'));
    expect(request.canvas).toEqual(upgraded('request'));
    expect(version.plan).toEqual(v1Plan);
    const [untouched] = await db.query(`SELECT draft FROM journeys WHERE id = $1`, [newJourney]);
    expect(untouched.draft).toEqual(v2Canvas);

    await migrate();
    expect((await db.query(`SELECT draft FROM journeys WHERE id = $1`, [oldJourney]))[0].draft).toEqual(upgraded('draft'));
  });
});
