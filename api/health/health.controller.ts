/**
 * Liveness and readiness. `/health/live`: the process serves HTTP (restart it when this fails).
 * `/health/ready` (and `/health`, its alias): PostgreSQL and the Temporal frontend both answer
 * (take the instance out of rotation while this fails).
 */
import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { Client } from '@temporalio/client';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE, TEMPORAL_CLIENT } from '../runtime.js';
import { Endpoint, answerWith } from '../http/endpoint.js';

/** A check that has not answered by then counts as down (a dead Temporal frontend otherwise retries for long). */
const CHECK_TIMEOUT_MS = 3_000;

type Probe = { up: true } | { up: false; error: string };

async function probe(check: () => Promise<unknown>): Promise<Probe> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
  });
  try {
    await Promise.race([check(), timeout]);
    return { up: true };
  } catch (err) {
    return { up: false, error: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
  }
}

interface StatusResponse {
  status(code: number): unknown;
}

@Controller('health')
export class HealthController {
  constructor(
    @Inject(DATA_SOURCE) private readonly db: DataSource,
    @Inject(TEMPORAL_CLIENT) private readonly temporal: Client,
  ) {}

  /**
   * The frontend's system info under a deadline: without one the client keeps retrying an
   * unreachable frontend for about 20 s after the probe gave up, once per probe.
   */
  private temporalSystemInfo(): Promise<unknown> {
    const call = () => this.temporal.workflowService.getSystemInfo({});
    const connection = this.temporal.connection as Client['connection'] | undefined;
    return connection ? connection.withDeadline(Date.now() + CHECK_TIMEOUT_MS, call) : call();
  }

  /** Answers as long as the process can serve a request; checks no dependency on purpose. */
  @Endpoint({ summary: 'Liveness: the process answers', access: 'public', ok: { description: '{ status: ok }', schema: answerWith(['status']) } })
  @Get('live')
  live() {
    return { status: 'ok' };
  }

  @Endpoint({
    summary: 'Readiness: PostgreSQL and Temporal reachable',
    access: 'public',
    ok: { description: 'Both dependencies up', schema: answerWith(['status', 'database', 'temporal']) },
    errors: [{ status: 503, codes: ['dependency_down'] }],
  })
  @Get('ready')
  ready(@Res({ passthrough: true }) res: StatusResponse) {
    return this.check(res);
  }

  @Endpoint({
    summary: 'Health: PostgreSQL and Temporal reachable (same as /health/ready)',
    access: 'public',
    ok: { description: 'Both dependencies up', schema: answerWith(['status', 'database', 'temporal']) },
    errors: [{ status: 503, codes: ['dependency_down'] }],
  })
  @Get()
  async check(@Res({ passthrough: true }) res: StatusResponse) {
    const [database, temporal] = await Promise.all([
      probe(() => this.db.query('SELECT 1')),
      probe(() => this.temporalSystemInfo()),
    ]);
    const body = { status: database.up && temporal.up ? 'ok' : 'error', database: database.up ? 'up' : 'down', temporal: temporal.up ? 'up' : 'down' };
    if (database.up && temporal.up) return body;
    res.status(503);
    const down = [!database.up && `database: ${database.error}`, !temporal.up && `temporal: ${temporal.error}`].filter(Boolean).join('; ');
    return { ...body, error: { code: 'dependency_down', message: down } };
  }
}
