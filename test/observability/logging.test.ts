/**
 * Structured logs without services: redaction of secrets, the JSON line shape, and the adapters that
 * route the Temporal SDK's and Nest's own lines through the same logger.
 */
import { describe, expect, it } from '@jest/globals';
import { createLogger, errorFields, redact, REDACTED, type LogLevel } from '../../observability/logger.js';
import { NestJsonLogger } from '../../observability/nest-logger.js';
import { loadObservabilitySettings } from '../../observability/settings.js';
import { temporalLogger } from '../../observability/temporal-logging.js';

/** A logger whose lines are parsed into an array. */
function capture(level: LogLevel = 'debug') {
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const logger = createLogger({
    service: 'worker',
    level,
    write: (line) => {
      raw.push(line);
      lines.push(JSON.parse(line));
    },
  });
  return { logger, lines, raw };
}

describe('redact', () => {
  it('replaces secret-looking keys at any depth, whatever the value', () => {
    const input = {
      customerId: 'c-1',
      auth: { apiKey: 'k-123', api_key: 'k-456', 'x-api-key': 'k-789', nested: [{ accessToken: 'tok', note: 'kept' }] },
      twilio: { accountSid: 'AC1', AUTH_TOKEN: 'secret-token' },
      db: { password: { old: 'a', new: 'b' }, user: 'postgres' },
      clientSecret: 's',
      credentials: ['c'],
      privateKey: '-----BEGIN',
      private_key: '-----BEGIN',
      count: 3,
    };
    expect(redact(input)).toEqual({
      customerId: 'c-1',
      auth: { apiKey: REDACTED, api_key: REDACTED, 'x-api-key': REDACTED, nested: [{ accessToken: REDACTED, note: 'kept' }] },
      twilio: { accountSid: 'AC1', AUTH_TOKEN: REDACTED },
      db: { password: REDACTED, user: 'postgres' },
      clientSecret: REDACTED,
      credentials: REDACTED,
      privateKey: REDACTED,
      private_key: REDACTED,
      count: 3,
    });
    // The input itself is untouched.
    expect(input.twilio.AUTH_TOKEN).toBe('secret-token');
  });

  it('masks passwords in URLs, keeping user, host and path', () => {
    expect(redact('postgres://journeys:s3cr%40t@db.internal:5432/journeys')).toBe('postgres://journeys:***@db.internal:5432/journeys');
    expect(redact({ url: 'connect postgresql://u:p@h/db failed; retry https://ghp_abc123@github.com/x' })).toEqual({
      url: 'connect postgresql://u:***@h/db failed; retry https://***@github.com/x',
    });
    expect(redact('http://127.0.0.1:3000/health')).toBe('http://127.0.0.1:3000/health');
  });

  it('redacts Authorization headers, and bearer or basic credentials quoted in text', () => {
    const headers = { Authorization: 'Bearer eyJhbGciOi.abc.def', 'content-type': 'application/json' };
    expect(redact({ request: { headers } })).toEqual({ request: { headers: { Authorization: REDACTED, 'content-type': 'application/json' } } });
    expect(redact('provider said 401 for Basic dXNlcjpwYXNzd29yZA== and Bearer eyJhbGciOi.abc.def')).toBe(
      'provider said 401 for Basic *** and Bearer ***',
    );
  });

  it('survives cycles, errors, bigints and dates', () => {
    const cyclic: Record<string, unknown> = { name: 'a' };
    cyclic.self = cyclic;
    const err = new Error('dial postgres://u:pw@h failed');
    expect(redact({ cyclic, err, n: 10n, at: new Date(0) })).toEqual({
      cyclic: { name: 'a', self: '[Circular]' },
      err: { name: 'Error', message: 'dial postgres://u:***@h failed', stack: expect.stringContaining('postgres://u:***@h') },
      n: '10',
      at: '1970-01-01T00:00:00.000Z',
    });
  });
});

describe('createLogger', () => {
  it('writes one JSON object per line: time, level, msg, service, then fields', () => {
    const { logger, lines, raw } = capture('info');
    logger.info('action performed', { nodeId: 'sms', status: 'sent' });
    expect(raw).toHaveLength(1);
    expect(raw[0]).not.toContain('\n');
    expect(Object.keys(lines[0]).slice(0, 4)).toEqual(['time', 'level', 'msg', 'service']);
    expect(lines[0]).toEqual({ time: expect.any(String), level: 'info', msg: 'action performed', service: 'worker', nodeId: 'sms', status: 'sent' });
    expect(new Date(lines[0].time as string).toISOString()).toBe(lines[0].time);
  });

  it('child loggers carry run ids; fields cannot overwrite the frame', () => {
    const { logger, lines } = capture();
    const run = logger.child({ journeyId: 'onboarding', versionId: 'onboarding@1', enrollmentId: 'e-1', workflowId: 'e-1', customerId: 'c-1' });
    run.child({ nodeId: 'sms' }).warn('slow', { level: 'error', service: 'api', msg: 'x', token: 't' });
    expect(lines).toEqual([
      {
        time: expect.any(String),
        level: 'warn',
        msg: 'slow',
        service: 'worker',
        journeyId: 'onboarding',
        versionId: 'onboarding@1',
        enrollmentId: 'e-1',
        workflowId: 'e-1',
        customerId: 'c-1',
        nodeId: 'sms',
        token: REDACTED,
      },
    ]);
  });

  it('drops lines below its level and redacts the message itself', () => {
    const { logger, lines } = capture('warn');
    logger.debug('d');
    logger.info('i');
    logger.error('could not reach postgres://app:hunter2@db/journeys');
    expect(lines.map((l) => [l.level, l.msg])).toEqual([['error', 'could not reach postgres://app:***@db/journeys']]);
    expect(logger.enabled('info')).toBe(false);
    expect(logger.enabled('error')).toBe(true);
  });

  it('describes errors by message and type', () => {
    expect(errorFields(new TypeError('bad'))).toEqual({ error: 'bad', errorType: 'TypeError' });
    expect(errorFields(Object.assign(new Error('no channel'), { type: 'unknown_action' }))).toEqual({ error: 'no channel', errorType: 'unknown_action' });
  });
});

describe('adapters', () => {
  it('Temporal SDK lines become JSON lines with their metadata as fields', () => {
    const { logger, lines } = capture('info');
    const sdk = temporalLogger(logger);
    sdk.info('Worker state changed', { sdkComponent: 'worker', state: 'RUNNING', [Symbol('ts')]: 1n });
    sdk.log('WARN', 'Activity failed', { workflowId: 'w-1', apiKey: 'k' });
    sdk.debug('chatter');
    sdk.trace('more chatter');
    expect(lines).toEqual([
      { time: expect.any(String), level: 'info', msg: 'Worker state changed', service: 'worker', sdkComponent: 'worker', state: 'RUNNING' },
      { time: expect.any(String), level: 'warn', msg: 'Activity failed', service: 'worker', workflowId: 'w-1', apiKey: REDACTED },
    ]);
  });

  it("Nest's own lines become JSON: log at debug, errors with their stack and context", () => {
    const { logger, lines } = capture('debug');
    const nest = new NestJsonLogger(logger);
    nest.log('Mapped {/health, GET} route', 'RouterExplorer');
    nest.error('boom', 'Error: boom\n    at x', 'ExceptionsHandler');
    nest.warn('careful');
    expect(lines).toEqual([
      { time: expect.any(String), level: 'debug', msg: 'Mapped {/health, GET} route', service: 'worker', context: 'RouterExplorer' },
      { time: expect.any(String), level: 'error', msg: 'boom', service: 'worker', context: 'ExceptionsHandler', stack: 'Error: boom\n    at x' },
      { time: expect.any(String), level: 'warn', msg: 'careful', service: 'worker' },
    ]);
  });
});

describe('loadObservabilitySettings', () => {
  it('has defaults and names the variable of a bad value', () => {
    expect(loadObservabilitySettings({})).toEqual({ logLevel: 'info', workerMetricsPort: 9464, stuckAfterMs: 3_600_000 });
    expect(loadObservabilitySettings({ JE_WORKER_METRICS_PORT: '0', JE_STUCK_AFTER: 'PT30M', JE_LOG_LEVEL: 'DEBUG' })).toEqual({
      logLevel: 'debug',
      workerMetricsPort: null,
      stuckAfterMs: 1_800_000,
    });
    expect(() => loadObservabilitySettings({ JE_WORKER_METRICS_PORT: 'x' })).toThrow(/^JE_WORKER_METRICS_PORT: /);
    expect(() => loadObservabilitySettings({ JE_STUCK_AFTER: '1h' })).toThrow(/^JE_STUCK_AFTER: /);
    expect(() => loadObservabilitySettings({ JE_LOG_LEVEL: 'loud' })).toThrow(/^JE_LOG_LEVEL: /);
  });
});
