/**
 * The prebuilt workflow bundle: scripts/lib/workflow-bundle.ts writes it (here from the workflow
 * sources, which is what it does with dist/workflows/index.js at build time, minus the tsc step),
 * a worker starts from `workflowBundle: { codePath }` against the test dev server, and
 * worker/worker.ts picks dist/workflow-bundle.js only when running compiled and only when it is
 * not older than the compiled workflow code.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from '@jest/globals';
import { Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { loadConfig, temporalConnectionOptions } from '../../config/index.js';
import { WORKFLOW_BUNDLE } from '../../scripts/lib/build.js';
import { COMPILED_WORKFLOWS_ENTRY, WORKFLOW_BUNDLE_FILE, writeWorkflowBundle } from '../../scripts/lib/workflow-bundle.js';
import { prebuiltWorkflowBundle, WORKFLOWS_PATH } from '../../worker/worker.js';
import { testTemporalAddress } from '../support/env.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'je-bundle-test-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('writeWorkflowBundle', () => {
  const outFile = path.join(dir, 'dist', 'workflow-bundle.js');

  it('writes a bundle that a worker runs from { codePath }', async () => {
    const bytes = await writeWorkflowBundle({ workflowsPath: WORKFLOWS_PATH, outFile });
    expect(bytes).toBeGreaterThan(10_000);
    expect(fs.statSync(outFile).size).toBe(bytes);
    expect(fs.readFileSync(outFile, 'utf8')).toContain('journeyRun');
    expect(fs.readdirSync(path.dirname(outFile))).toEqual(['workflow-bundle.js']); // no temporary file left

    const options = temporalConnectionOptions(loadConfig({ TEMPORAL_ADDRESS: testTemporalAddress() }));
    const connection = await NativeConnection.connect(options);
    const client = await Connection.connect(options);
    const taskQueue = `bundle-test-${process.pid}-${Date.now()}`;
    try {
      const worker = await Worker.create({ connection, namespace: 'default', taskQueue, workflowBundle: { codePath: outFile }, activities: {} });
      const running = worker.run();
      try {
        const deadline = Date.now() + 15_000;
        let pollers = 0;
        while (pollers === 0 && Date.now() < deadline) {
          const res = await client.workflowService.describeTaskQueue({ namespace: 'default', taskQueue: { name: taskQueue }, taskQueueType: 1 });
          pollers = res.pollers?.length ?? 0;
          if (pollers === 0) await new Promise((r) => setTimeout(r, 200));
        }
        expect(pollers).toBeGreaterThan(0);
        expect(worker.getState()).toBe('RUNNING');
      } finally {
        worker.shutdown();
        await running;
      }
    } finally {
      await client.close();
      await connection.close();
    }
  });

  it('fails clearly when the compiled workflows are missing', async () => {
    await expect(writeWorkflowBundle({ workflowsPath: path.join(dir, 'nope', 'index.js'), outFile })).rejects.toThrow(/build dist\/ first/);
  });

  it('writes to the path the build step and the worker agree on', () => {
    expect(WORKFLOW_BUNDLE_FILE).toBe(WORKFLOW_BUNDLE);
    expect(WORKFLOW_BUNDLE_FILE).toBe(path.join('dist', 'workflow-bundle.js'));
    expect(COMPILED_WORKFLOWS_ENTRY).toBe(path.join('dist', 'workflows', 'index.js'));
  });
});

describe('prebuiltWorkflowBundle (worker/worker.ts)', () => {
  // A fake dist/ layout: dist/worker/worker.js (the module asking), dist/workflows, dist/engine.
  const dist = path.join(dir, 'fake', 'dist');
  const moduleUrl = pathToFileURL(path.join(dist, 'worker', 'worker.js')).href;
  const bundle = path.join(dist, 'workflow-bundle.js');
  const compiled = path.join(dist, 'workflows', 'index.js');
  const engine = path.join(dist, 'engine', 'nested', 'time.js');
  for (const file of [compiled, engine, path.join(dist, 'worker', 'worker.js')]) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '// compiled\n');
  }
  const setTime = (file: string, secondsAgo: number) => {
    const t = new Date(Date.now() - secondsAgo * 1000);
    fs.utimesSync(file, t, t);
  };

  it('is not used under Jest, which runs the sources', () => {
    expect(prebuiltWorkflowBundle()).toBeUndefined();
    expect(prebuiltWorkflowBundle(pathToFileURL(path.join(dist, 'worker', 'worker.ts')).href)).toBeUndefined();
  });

  it('is not used when dist/ has no bundle', () => {
    fs.rmSync(bundle, { force: true });
    expect(prebuiltWorkflowBundle(moduleUrl)).toBeUndefined();
  });

  it('is used from dist/ when it is as new as the compiled workflow and engine code', () => {
    fs.writeFileSync(bundle, '// bundle\n');
    setTime(compiled, 60);
    setTime(engine, 60);
    setTime(bundle, 30);
    expect(prebuiltWorkflowBundle(moduleUrl)).toEqual({ codePath: bundle });
  });

  it('is reported stale when workflow or engine code was compiled after it', () => {
    setTime(bundle, 30);
    setTime(compiled, 10);
    expect(prebuiltWorkflowBundle(moduleUrl)).toEqual({ stale: expect.stringContaining(compiled) });
    setTime(compiled, 60);
    setTime(engine, 10);
    expect(prebuiltWorkflowBundle(moduleUrl)).toEqual({ stale: expect.stringContaining(engine) });
  });
});
