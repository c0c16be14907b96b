/**
 * Structured logs: one JSON object per line on stdout, `{ time, level, msg, service, ...fields }`.
 * Child loggers carry a run's ids (journeyId, versionId, enrollmentId, workflowId, customerId) so every
 * line about a run can be found by any of them. Every value passes through {@link redact} first.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
/** Which process wrote the line. */
export type LogService = 'api' | 'worker';
export type LogFields = Record<string, unknown>;

/** The logger every component receives. */
export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line (later fields win over earlier ones). */
  child(fields: LogFields): Logger;
  /** Whether a line at `level` would be written (skip building expensive fields otherwise). */
  enabled(level: LogLevel): boolean;
}

export interface LoggerOptions {
  service: LogService;
  /** Lowest level written; default `info`. */
  level?: LogLevel;
  /** Where a finished line goes (without its newline); default: stdout. */
  write?: (line: string) => void;
  /** Fields on every line. */
  fields?: LogFields;
}

export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];
const SEVERITY: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
/** Keys a field may not overwrite: they are the line's frame. */
const RESERVED = new Set(['time', 'level', 'msg', 'service']);

/** Keys whose values are secrets, at any depth. */
export const SECRET_KEY = /token|secret|password|authorization|api[_-]?key|credential|private[_-]?key/i;
export const REDACTED = '[REDACTED]';
const MAX_DEPTH = 8;

/** `scheme://user:password@host` and `scheme://token@host`: the userinfo part of a URL. */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/?#@:]*)(?::([^\s/?#@]*))?@/gi;
/** `Bearer abc`, `Basic dXNlcjpwYXNz` inside free text (an error message quoting a header). */
const AUTH_SCHEME = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{6,}/g;

function redactString(value: string): string {
  return value
    .replace(URL_USERINFO, (_, scheme: string, user: string, password: string | undefined) =>
      password === undefined ? `${scheme}***@` : `${scheme}${user}:***@`,
    )
    .replace(AUTH_SCHEME, (_, scheme: string) => `${scheme} ***`);
}

function redactAt(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return redactString(value);
  if (typeof value === 'bigint') return value.toString();
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return value.toISOString();
  if (seen.has(value)) return '[Circular]';
  if (depth >= MAX_DEPTH) return '[Truncated]';
  seen.add(value);
  try {
    if (value instanceof Error) {
      return { name: value.name, message: redactString(value.message), ...(value.stack ? { stack: redactString(value.stack) } : {}) };
    }
    if (Array.isArray(value)) return value.map((item) => redactAt(item, depth + 1, seen));
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      out[key] = SECRET_KEY.test(key) ? REDACTED : redactAt(item, depth + 1, seen);
    }
    return out;
  } finally {
    seen.delete(value);
  }
}

/**
 * A copy of `value` safe to log: values under secret-looking keys (token, password, authorization,
 * api key...) replaced at any depth, URL credentials masked (`postgres://u:***@host`), bearer and
 * basic credentials in text masked. Errors become `{ name, message, stack }`.
 */
export function redact<T>(value: T): T {
  return redactAt(value, 0, new WeakSet()) as T;
}

/** The fields describing a caught error: `error` (message) and `errorType` (class or failure type). */
export function errorFields(err: unknown): LogFields {
  if (err instanceof Error) {
    const type = (err as { type?: unknown }).type;
    return { error: err.message, errorType: typeof type === 'string' && type ? type : err.name };
  }
  return { error: String(err), errorType: typeof err };
}

export function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

class JsonLogger implements Logger {
  constructor(
    private readonly service: LogService,
    private readonly minimum: number,
    private readonly write: (line: string) => void,
    private readonly fields: LogFields,
  ) {}

  enabled(level: LogLevel): boolean {
    return SEVERITY[level] >= this.minimum;
  }

  child(fields: LogFields): Logger {
    return new JsonLogger(this.service, this.minimum, this.write, { ...this.fields, ...fields });
  }

  debug(msg: string, fields?: LogFields): void {
    this.emit('debug', msg, fields);
  }
  info(msg: string, fields?: LogFields): void {
    this.emit('info', msg, fields);
  }
  warn(msg: string, fields?: LogFields): void {
    this.emit('warn', msg, fields);
  }
  error(msg: string, fields?: LogFields): void {
    this.emit('error', msg, fields);
  }

  private emit(level: LogLevel, msg: string, fields: LogFields | undefined): void {
    if (!this.enabled(level)) return;
    const line: LogFields = { time: new Date().toISOString(), level, msg: redactString(msg), service: this.service };
    const extra = redact({ ...this.fields, ...fields });
    for (const [key, value] of Object.entries(extra)) {
      if (!RESERVED.has(key) && value !== undefined) line[key] = value;
    }
    try {
      this.write(JSON.stringify(line));
    } catch {
      // A log line must never take the process down (a closed stdout, an unserialisable value).
    }
  }
}

/** A JSON-lines logger for one service. */
export function createLogger(options: LoggerOptions): Logger {
  const write = options.write ?? ((line: string) => void process.stdout.write(`${line}\n`));
  return new JsonLogger(options.service, SEVERITY[options.level ?? 'info'], write, options.fields ?? {});
}

/** Writes nothing: the default where a caller did not ask for logs (unit tests of activities). */
export const noopLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return noopLogger;
  },
  enabled() {
    return false;
  },
};
