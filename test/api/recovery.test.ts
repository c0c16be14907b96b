/** The recovery sweeper never lets one failing sweep stop the other, and reports what it did. */
import { describe, expect, it } from '@jest/globals';
import type { DurableOperations } from '../../core/operations.js';
import type { IngestionService } from '../../api/events/ingestion.service.js';
import type { EnrollmentService } from '../../core/enrollment.js';
import { RecoverySweeper } from '../../api/recovery.sweeper.js';
import type { RuntimeOptions } from '../../api/runtime.js';
import { createLogger } from '../../observability/logger.js';
import { FAST_DEFAULTS } from '../support/runtime-harness.js';

function sweeper(startPending: () => Promise<number>, dispatchOutbox: () => Promise<number>, resumeStalled: () => Promise<number> = async () => 0) {
  const logged: Record<string, unknown>[] = [];
  const logger = createLogger({ service: 'api', write: (line) => logged.push(JSON.parse(line)) });
  /** The sweeps' informational lines: message and counts. */
  const lines = () => logged.filter((l) => l.level === 'info').map((l) => `${String(l.msg)} ${JSON.stringify({ ...l, time: undefined, level: undefined, msg: undefined, service: undefined })}`);
  const options: RuntimeOptions = {
    taskQueue: 'q',
    defaults: FAST_DEFAULTS,
    logger,
    recovery: { intervalMs: 60_000, olderThanMs: 30_000 },
    onShutdown: null,
    segmentPreviewTimeoutMs: 30_000,
  };
  const s = new RecoverySweeper(
    options,
    { startPending } as unknown as EnrollmentService,
    { dispatchOutbox } as unknown as IngestionService,
    { resumeStalled } as unknown as DurableOperations,
  );
  return { s, lines, logged };
}

describe('RecoverySweeper', () => {
  it('logs non-zero counts only', async () => {
    const { s, lines } = sweeper(async () => 0, async () => 3);
    expect(await s.sweep()).toEqual({ started: 0, dispatched: 3, resumed: 0 });
    expect(lines()).toEqual(['outbox: events dispatched {"dispatched":3}']);
  });

  it('logs a failure and still runs the other sweep', async () => {
    const { s, lines, logged } = sweeper(async () => Promise.reject(new Error('database is down')), async () => 2);
    expect(await s.sweep()).toEqual({ started: 0, dispatched: 2, resumed: 0 });
    expect(lines()).toEqual(['outbox: events dispatched {"dispatched":2}']);
    expect(logged.filter((l) => l.level !== 'info')).toEqual([
      expect.objectContaining({ level: 'error', service: 'api', msg: 'recovery: starting pending enrollments failed', error: 'database is down' }),
    ]);
  });

  it('starts stalled operations and logs how many', async () => {
    const { s, lines } = sweeper(async () => 0, async () => 0, async () => 2);
    expect(await s.sweep()).toEqual({ started: 0, dispatched: 0, resumed: 2 });
    expect(lines()).toEqual(['recovery: stalled operations started {"resumed":2}']);
  });

  it('joins a sweep in progress instead of starting a second one', async () => {
    let calls = 0;
    const { s } = sweeper(async () => {
      calls++;
      await new Promise((r) => setTimeout(r, 20));
      return 1;
    }, async () => 0);
    const [a, b] = await Promise.all([s.sweep(), s.sweep()]);
    expect([a, b, calls]).toEqual([{ started: 1, dispatched: 0, resumed: 0 }, { started: 1, dispatched: 0, resumed: 0 }, 1]);
  });
});
