/**
 * Operators find a customer's runs with Temporal's own tools: every run carries the search
 * attributes CustomerId, JourneyId and JourneyVersion, registered on the dev server the tests (and
 * `npm start`) run, so `temporal workflow list --query 'CustomerId="c-42"'` lists one customer's
 * runs. A namespace without them is refused at start-up with the command that registers them.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client, Connection } from '@temporalio/client';
import { checkRunSearchAttributes, MissingSearchAttributesError, runSearchAttributes } from '../../core/run-search-attributes.js';
import { temporalCliPath, testTemporalAddress } from '../support/env.js';
import { publishTwoSmsJourney } from '../support/journeys.js';
import { eventually, startRuntime, type RuntimeHarness } from '../support/runtime-harness.js';
import { startDevServer } from '../support/temporal-dev-server.js';

const run = promisify(execFile);
const unique = Date.now().toString(36);
let rt: RuntimeHarness;

beforeAll(async () => {
  rt = await startRuntime('search-attributes');
});
afterAll(async () => {
  await rt?.stop();
});

/** `temporal workflow list --query ...` on the test dev server: the workflow ids it prints. */
async function cliList(query: string): Promise<string[]> {
  const { stdout } = await run(temporalCliPath(), ['workflow', 'list', '--address', testTemporalAddress(), '--namespace', 'default', '--query', query, '--output', 'jsonl']);
  return stdout
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => (JSON.parse(line) as { execution: { workflowId: string } }).execution.workflowId)
    .sort();
}

describe('search attributes on every run', () => {
  const customer = `c-42-${unique}`;
  const other = `c-43-${unique}`;
  const first = `sa-first-${unique}`;
  const second = `sa-second-${unique}`;
  const mine: string[] = [];
  let otherRun = '';

  beforeAll(async () => {
    const v1 = await publishTwoSmsJourney(rt.publishing, first);
    const v2 = await publishTwoSmsJourney(rt.publishing, second);
    for (const versionId of [v1, v2]) {
      const r = await rt.enrollments.enroll({ versionId, customerId: customer, entry: { kind: 'api', payload: {} } });
      if (!r.enrolled) throw new Error(`not enrolled: ${r.reason}`);
      mine.push(r.enrollmentId);
    }
    const r = await rt.enrollments.enroll({ versionId: v1, customerId: other, entry: { kind: 'api', payload: {} } });
    if (!r.enrolled) throw new Error(`not enrolled: ${r.reason}`);
    otherRun = r.enrollmentId;
    mine.sort();
  });

  it('`temporal workflow list --query CustomerId="..."` lists exactly that customer\'s runs, in every journey', async () => {
    // Visibility is eventually consistent: wait until both runs are indexed.
    const listed = await eventually('both runs indexed', async () => {
      const ids = await cliList(`CustomerId="${customer}"`);
      return ids.length >= 2 ? ids : null;
    });
    expect(listed).toEqual(mine);
    expect(listed).not.toContain(otherRun);
  });

  it('JourneyId and JourneyVersion narrow the list (the client list API with the same query)', async () => {
    const ids = await eventually('the journey\'s runs indexed', async () => {
      const found: string[] = [];
      for await (const wf of rt.client.workflow.list({ query: `JourneyId="${first}" AND JourneyVersion=1` })) found.push(wf.workflowId);
      return found.length >= 2 ? found.sort() : null;
    });
    expect(ids).toEqual([mine.find((id) => id.includes(first)), otherRun].sort());
    const described = await rt.client.workflow.getHandle(otherRun).describe();
    expect(described.searchAttributes).toMatchObject({ CustomerId: [other], JourneyId: [first], JourneyVersion: [1] });
  });

  it('the shared dev server has the attributes registered (the start-up check passes)', async () => {
    const connection = await Connection.connect({ address: testTemporalAddress() });
    try {
      await expect(checkRunSearchAttributes(connection, 'default')).resolves.toEqual({});
    } finally {
      await connection.close();
    }
  });
});

describe('a namespace without the attributes', () => {
  it('is refused at start-up with the commands that register them, and a run start there fails', async () => {
    const bare = await startDevServer({ runSearchAttributes: false });
    const connection = await Connection.connect({ address: bare.address });
    try {
      const refused = await checkRunSearchAttributes(connection, 'default').catch((err: unknown) => err);
      expect(refused).toBeInstanceOf(MissingSearchAttributesError);
      const message = (refused as Error).message;
      expect(message).toContain('search attribute CustomerId is not registered');
      expect(message).toContain('temporal operator search-attribute create --namespace default --name CustomerId --type Keyword');
      expect(message).toContain('--name JourneyVersion --type Int');
      // The risk the check guards against: Temporal refuses a start whose attributes are unknown.
      const client = new Client({ connection });
      const failed = await client.workflow
        .start('journeyRun', {
          taskQueue: 'nobody-polls',
          workflowId: `bare-${unique}`,
          typedSearchAttributes: runSearchAttributes({ customerId: 'c-1', journeyId: 'j', version: 1 }),
        })
        .catch((err: unknown) => err);
      expect(failed).toBeInstanceOf(Error);
      expect(String((failed as Error & { cause?: Error }).cause?.message)).toMatch(/CustomerId|JourneyId|JourneyVersion/);
    } finally {
      await connection.close();
      await bare.stop();
    }
  });
});
