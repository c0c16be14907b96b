/**
 * The real worker entry point (worker/main.ts) in its own process: every stdout line is JSON, the
 * Temporal SDK's included, and its metrics server answers ready once the worker polls.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { freePort } from '../../scripts/lib/temporal-dev-server.js';
import { testDatabaseUrl, testTemporalAddress } from '../support/env.js';
import { ROOT } from '../support/runs.js';
import { eventually } from '../support/runtime-harness.js';

let child: ChildProcess | undefined;

afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((r) => child!.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }
});

describe('worker process', () => {
  it('logs JSON lines only and serves /health/ready and /metrics on JE_WORKER_METRICS_PORT', async () => {
    const port = await freePort();
    child = spawn(process.execPath, ['--import', '@swc-node/register/esm-register', path.join(ROOT, 'worker', 'main.ts')], {
      cwd: ROOT,
      env: {
        ...process.env,
        DATABASE_URL: testDatabaseUrl(),
        TEMPORAL_ADDRESS: testTemporalAddress(),
        TEMPORAL_TASK_QUEUE: `test-worker-process-${process.pid}`,
        JE_WORKER_METRICS_PORT: String(port),
        JE_LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));

    await eventually(
      `the worker's /health/ready to answer 200 (stdout: ${stdout}; stderr: ${stderr})`,
      async () => (await fetch(`http://127.0.0.1:${port}/health/ready`).catch(() => null))?.status === 200,
      60_000,
    );
    const metrics = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('# TYPE je_activity_duration_seconds histogram');

    // The SDK reports the worker's state change to RUNNING through the Runtime logger.
    const lines = await eventually('an SDK line on stdout', async () => {
      const parsed = stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      return parsed.some((l) => l.sdkComponent === 'worker') ? parsed : null;
    });
    for (const line of lines) expect(line).toEqual(expect.objectContaining({ time: expect.any(String), level: expect.any(String), msg: expect.any(String), service: 'worker' }));
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'worker: metrics and health served', port }));
    // DATABASE_URL never reaches the log with a password in it (the test server's URL may have none).
    expect(stdout).not.toMatch(/postgres(ql)?:\/\/[^:@/\s]+:[^*@\s][^@\s]*@/);
  });
});
