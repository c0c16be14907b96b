/**
 * Migration 1796900000000: runs that ended before the journal set `current_node` from the `ended`
 * step get it once; live runs and runs without an `ended` step keep theirs. On the migrated test
 * database, on rows of this test's own journey.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { DataSource } from 'typeorm';
import { EndedCurrentNode1796900000000 } from '../../migrations/1796900000000-ended-current-node.js';
import { createDataSource } from '../../store/data-source.js';
import { testDatabaseUrl } from '../support/env.js';

const journeyId = `mig-ended-node-${Date.now().toString(36)}`;
const versionId = `${journeyId}@1`;
let db: DataSource;

async function enrollment(customer: string, status: string, currentNode: string | null, steps: [string, string | null][]): Promise<string> {
  const id = `journey:${journeyId}:customer:${customer}:run:1`;
  await db.query(
    `INSERT INTO enrollments (id, journey_id, version_id, customer_id, seq, status, current_node, ended_at)
     VALUES ($1, $2, $3, $4, 1, $5, $6, CASE WHEN $5 IN ('pending', 'active') THEN NULL ELSE now() END)`,
    [id, journeyId, versionId, customer, status, currentNode],
  );
  for (const [seq, [kind, nodeId]] of steps.entries()) {
    await db.query(`INSERT INTO enrollment_steps (enrollment_id, seq, at, node_id, kind) VALUES ($1, $2, now(), $3, $4)`, [id, seq, nodeId, kind]);
  }
  return id;
}

const nodeOf = async (id: string): Promise<string | null> => (await db.query(`SELECT current_node FROM enrollments WHERE id = $1`, [id]))[0].current_node;

beforeAll(async () => {
  db = await createDataSource(testDatabaseUrl(), { poolSize: 2 }).initialize();
  await db.query(`INSERT INTO journeys (id, name) VALUES ($1, 'migration test')`, [journeyId]);
  await db.query(
    `INSERT INTO journey_versions (id, journey_id, version, canvas, plan, trigger_kind) VALUES ($1, $2, 1, '{}', '{}', 'api')`,
    [versionId, journeyId],
  );
});

afterAll(async () => {
  await db.query(`DELETE FROM enrollments WHERE journey_id = $1`, [journeyId]);
  await db.query(`DELETE FROM journey_versions WHERE journey_id = $1`, [journeyId]);
  await db.query(`DELETE FROM journeys WHERE id = $1`, [journeyId]);
  await db.destroy();
});

describe('migration EndedCurrentNode1796900000000', () => {
  it("sets an ended run's current node to the node of its ended step, and leaves the others", async () => {
    const converted = await enrollment('converted', 'converted', 'wait_day3', [
      ['enrolled', null],
      ['wait_started', 'wait_day3'],
      ['ended', 'wait_day3'],
    ]);
    const completed = await enrollment('completed', 'completed', 'wait_day3', [
      ['wait_started', 'wait_day3'],
      ['wait_ended', 'wait_day3'],
      ['node_entered', 'done'],
      ['ended', 'done'],
    ]);
    const neverWaited = await enrollment('never-waited', 'completed', null, [['ended', 'bye']]);
    const active = await enrollment('active', 'active', 'wait_day3', [['wait_started', 'wait_day3']]);
    const noEndedStep = await enrollment('no-ended-step', 'exited', 'wait_day3', [['wait_started', 'wait_day3']]);

    const runner = db.createQueryRunner();
    try {
      await new EndedCurrentNode1796900000000().up(runner);
    } finally {
      await runner.release();
    }

    expect(await nodeOf(converted)).toBe('wait_day3');
    expect(await nodeOf(completed)).toBe('done');
    expect(await nodeOf(neverWaited)).toBe('bye');
    expect(await nodeOf(active)).toBe('wait_day3');
    expect(await nodeOf(noEndedStep)).toBe('wait_day3');
  });
});
