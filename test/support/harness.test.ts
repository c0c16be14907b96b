/**
 * Smoke test of the test harness itself: the services started by global setup answer, the
 * dev-server runner survives a crash + restart with its database file, and the time-skipping
 * test server starts from the binary global setup found.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { createTimeSkippingEnv, testDatabaseUrl, testTemporalAddress } from './env.js';
import { startDevServer, type DevServer } from './temporal-dev-server.js';

describe('test harness', () => {
  it('global setup provides a working PostgreSQL database', async () => {
    const client = new pg.Client({ connectionString: testDatabaseUrl() });
    await client.connect();
    try {
      const res = await client.query<{ one: number }>('SELECT 1 AS one');
      expect(res.rows[0]?.one).toBe(1);
    } finally {
      await client.end();
    }
  });

  it('global setup provides a Temporal dev server with the default namespace', async () => {
    const connection = await Connection.connect({ address: testTemporalAddress() });
    try {
      const res = await connection.workflowService.describeNamespace({ namespace: 'default' });
      expect(res.namespaceInfo?.name).toBe('default');
    } finally {
      await connection.close();
    }
  });

  describe('startDevServer with a database file', () => {
    let server: DevServer | undefined;
    let dir: string | undefined;
    afterAll(async () => {
      await server?.stop();
      if (dir) await fs.rm(dir, { recursive: true, force: true });
    });

    it('keeps workflow executions across a SIGKILL and restart on the same port', async () => {
      dir = await fs.mkdtemp(path.join(os.tmpdir(), 'je-devserver-'));
      server = await startDevServer({ dbFile: path.join(dir, 'temporal.db') });
      const workflowId = `harness-${Date.now()}`;

      let connection = await Connection.connect({ address: server.address });
      try {
        // No worker polls this queue: the execution just stays open, which is all we need.
        await new Client({ connection }).workflow.start('noSuchWorkflow', {
          taskQueue: 'harness-no-worker',
          workflowId,
        });
      } finally {
        await connection.close();
      }

      await server.kill();
      await server.restart();

      connection = await Connection.connect({ address: server.address });
      try {
        const description = await new Client({ connection }).workflow.getHandle(workflowId).describe();
        expect(description.status.name).toBe('RUNNING');
      } finally {
        await connection.close();
      }
    });
  });

  it('starts the time-skipping test server from the binary found by global setup', async () => {
    const env = await createTimeSkippingEnv();
    try {
      expect(env.supportsTimeSkipping).toBe(true);
      const before = await env.currentTimeMs();
      await env.sleep('1 day');
      expect((await env.currentTimeMs()) - before).toBeGreaterThanOrEqual(24 * 3600 * 1000);
    } finally {
      await env.teardown();
    }
  });
});
