/**
 * Configuration, read once from the environment and validated at start-up. A bad value fails with a
 * message naming the variable. `describeConfig` gives a log-safe one-line summary (secrets masked);
 * `temporalConnectionOptions` turns the Temporal settings (address, TLS, API key) into the options
 * of `Connection.connect` (@temporalio/client) and `NativeConnection.connect` (@temporalio/worker).
 */
import fs from 'node:fs';
import { formatDuration, parseDuration } from '../engine/duration.js';
import { parseFrequencyCaps, parseRateLimits, type FrequencyCap } from '../engine/policy.js';
import { isValidTimeZone } from '../engine/time.js';

/** TLS towards an external Temporal frontend (self-hosted with mTLS, or Temporal Cloud). */
export interface TemporalTlsConfig {
  /** PEM client certificate (TEMPORAL_TLS_CERT); set together with `clientKeyPath` or not at all. */
  clientCertPath: string | null;
  /** PEM private key of the client certificate (TEMPORAL_TLS_KEY). */
  clientKeyPath: string | null;
  /** PEM CA that signed the server's certificate (TEMPORAL_TLS_CA); unset means the system roots. */
  serverCaPath: string | null;
  /** Name to verify the server certificate against, instead of the host of TEMPORAL_ADDRESS (TEMPORAL_TLS_SERVER_NAME). */
  serverName: string | null;
}

export interface EngineConfig {
  /** PostgreSQL URL; unset means "start an embedded PostgreSQL" (run command and tests only). */
  databaseUrl: string | null;
  /** Temporal frontend host:port; unset means "start a local dev server" (run command and tests only). */
  temporalAddress: string | null;
  temporalNamespace: string;
  taskQueue: string;
  /**
   * Prefix of the application_name the API and the worker give their PostgreSQL connections
   * (JE_DB_APPLICATION_NAME, default `journey-engine`): they show as `<prefix>-api` and
   * `<prefix>-worker` in pg_stat_activity, so deployments sharing one database can be told apart.
   */
  dbApplicationName: string;
  /** TLS to Temporal; null means a plaintext connection. */
  temporalTls: TemporalTlsConfig | null;
  /** Temporal Cloud API key (TEMPORAL_API_KEY), sent as a bearer token; implies TLS. A secret. */
  temporalApiKey: string | null;
  /** Zone for customers without a `timeZone` trait and journeys without `settings.timeZone`. */
  defaultTimeZone: string;
  /** How long a wait-for-event keeps listening after its window for events timestamped inside it. */
  lateEventGraceMs: number;
  /** Continue-as-new threshold for long-lived runs. */
  maxHistoryEvents: number;
  /** HTTP port of the API. */
  port: number;
  /** An admin API key the API installs at start-up (JE_ADMIN_API_KEY, at least 32 characters), so a fresh system can be administered; null: none. A secret. */
  adminApiKey: string | null;
  /** Interface the API and the worker's metrics server listen on (HOST): 127.0.0.1 by default, 0.0.0.0 in a container. */
  host: string;
  /** Port of the worker's metrics endpoint (JE_WORKER_METRICS_PORT). */
  workerMetricsPort: number;
  /** A run counts as stuck when it has made no progress for this long (JE_STUCK_AFTER). */
  stuckAfterMs: number;
  /** Twilio account for the `sms` channel; null means SMS go to the recording channel. */
  twilioAccountSid: string | null;
  twilioAuthToken: string | null;
  /** Sender number (E.164) or Messaging Service; one of them is required with a Twilio account. */
  twilioFrom: string | null;
  twilioMessagingServiceSid: string | null;
  /** Twilio API origin (a regional edge, or a fake in tests); null means Twilio's default. */
  twilioApiBaseUrl: string | null;
  /** Path of a Firebase service-account key file for the `push` channel; null means the recording channel. */
  firebaseCredentials: string | null;
  /** The API's public origin, used for provider callbacks (Twilio status reports) and their signatures. */
  publicBaseUrl: string | null;
  /** An external CRM that receives a copy of every CRM task (POST with Idempotency-Key); null: tasks stay in our table only. */
  crmWebhookUrl: string | null;
  /** Signing secret of the `webhook` channel (JE_WEBHOOK_SECRET, at least 32 characters); null means webhooks go to the recording channel. A secret. */
  webhookSecret: string | null;
  /** Lowest log level written: debug, info, warn or error. */
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** Marketing frequency caps by action across all journeys (`sms:2/P7D,push:5/P1D`); empty: none. */
  frequencyCaps: Record<string, FrequencyCap>;
  /** Sends per second by action, per worker process (`sms:50,push:200`); empty: unlimited. */
  sendRateLimits: Record<string, number>;
  /** Four-eyes publishing (JE_FOUR_EYES_PUBLISHING=1): a publish takes effect only after another API key approves it. */
  fourEyesPublishing: boolean;
  /** A segment preview (count and sample) is cancelled after this long (JE_SEGMENT_PREVIEW_TIMEOUT, default PT30S). */
  segmentPreviewTimeoutMs: number;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = /^-?\d+$/.test(raw.trim()) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(name, `must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function duration(env: Env, name: string, fallback: string): number {
  try {
    return parseDuration(env[name] || fallback);
  } catch (err) {
    throw new ConfigError(name, (err as Error).message);
  }
}

function flag(env: Env, name: string): boolean | null {
  const raw = env[name];
  if (raw === undefined || raw === '') return null;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(name, `must be 1 (on) or 0 (off), got "${raw}"`);
}

/**
 * A PEM file that exists and is readable now (start-up), so that a wrong path fails here with the
 * variable's name rather than later inside the Temporal connection.
 */
function pemFile(env: Env, name: string, kind: 'certificate' | 'private key'): string | null {
  const file = env[name];
  if (file === undefined || file === '') return null;
  let text: string;
  try {
    if (!fs.statSync(file).isFile()) throw new Error('not a regular file');
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new ConfigError(name, `cannot read the ${kind} file "${file}" (${reason})`);
  }
  const marker = kind === 'certificate' ? /-----BEGIN [A-Z0-9 ]*CERTIFICATE-----/ : /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;
  if (!marker.test(text)) {
    throw new ConfigError(name, `"${file}" is not a PEM ${kind} (no "-----BEGIN ...${kind === 'certificate' ? 'CERTIFICATE' : 'PRIVATE KEY'}-----" line)`);
  }
  return file;
}

function temporalTls(env: Env, apiKey: string | null): TemporalTlsConfig | null {
  const enabled = flag(env, 'TEMPORAL_TLS');
  const clientCertPath = pemFile(env, 'TEMPORAL_TLS_CERT', 'certificate');
  const clientKeyPath = pemFile(env, 'TEMPORAL_TLS_KEY', 'private key');
  if (clientCertPath && !clientKeyPath) {
    throw new ConfigError('TEMPORAL_TLS_KEY', 'TEMPORAL_TLS_CERT is set but TEMPORAL_TLS_KEY is not: give both (client certificate and its key) or neither');
  }
  if (clientKeyPath && !clientCertPath) {
    throw new ConfigError('TEMPORAL_TLS_CERT', 'TEMPORAL_TLS_KEY is set but TEMPORAL_TLS_CERT is not: give both (client certificate and its key) or neither');
  }
  const serverCaPath = pemFile(env, 'TEMPORAL_TLS_CA', 'certificate');
  const serverName = env.TEMPORAL_TLS_SERVER_NAME || null;
  if (serverName !== null && !/^[A-Za-z0-9*]([A-Za-z0-9.*-]*[A-Za-z0-9])?$/.test(serverName)) {
    throw new ConfigError('TEMPORAL_TLS_SERVER_NAME', `must be a host name such as temporal.example.com, got "${serverName}"`);
  }
  const implied = [
    clientCertPath && 'TEMPORAL_TLS_CERT',
    serverCaPath && 'TEMPORAL_TLS_CA',
    serverName && 'TEMPORAL_TLS_SERVER_NAME',
    apiKey && 'TEMPORAL_API_KEY',
  ].filter((v): v is string => !!v);
  if (enabled === false && implied.length > 0) {
    throw new ConfigError('TEMPORAL_TLS', `is 0 (off), but ${implied.join(', ')} need TLS: remove TEMPORAL_TLS=0 or those settings`);
  }
  if (!enabled && implied.length === 0) return null;
  if (!env.TEMPORAL_ADDRESS) {
    throw new ConfigError(
      'TEMPORAL_ADDRESS',
      `TLS settings (${['TEMPORAL_TLS', ...implied].filter((v) => env[v]).join(', ')}) apply to an external Temporal; set TEMPORAL_ADDRESS too (the local dev server has no TLS)`,
    );
  }
  return { clientCertPath, clientKeyPath, serverCaPath, serverName };
}

function httpUrl(env: Env, name: string): string | null {
  const raw = env[name];
  if (!raw) return null;
  try {
    const url = new URL(raw);
    if (url.protocol === 'http:' || url.protocol === 'https:') return raw.replace(/\/+$/, '');
  } catch {
    // reported below
  }
  throw new ConfigError(name, `must be an http:// or https:// URL, got "${raw}"`);
}

/** Shortest accepted JE_WEBHOOK_SECRET: 32 characters, e.g. 16 random bytes in hex. */
export const WEBHOOK_SECRET_MIN_LENGTH = 32;

/** Provider settings of the channels: each provider is all-or-nothing, checked here rather than at the first send. */
function channelSettings(env: Env) {
  const twilioAccountSid = env.TWILIO_ACCOUNT_SID || null;
  const twilioAuthToken = env.TWILIO_AUTH_TOKEN || null;
  const twilioFrom = env.TWILIO_FROM || null;
  const twilioMessagingServiceSid = env.TWILIO_MESSAGING_SERVICE_SID || null;
  if (twilioAccountSid && !/^AC[0-9a-fA-F]{32}$/.test(twilioAccountSid)) {
    throw new ConfigError('TWILIO_ACCOUNT_SID', 'must be a Twilio account SID: AC followed by 32 hexadecimal characters');
  }
  if (!!twilioAccountSid !== !!twilioAuthToken) {
    throw new ConfigError(twilioAccountSid ? 'TWILIO_AUTH_TOKEN' : 'TWILIO_ACCOUNT_SID', 'TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are set together or not at all');
  }
  if (twilioAccountSid && !twilioFrom && !twilioMessagingServiceSid) {
    throw new ConfigError('TWILIO_FROM', 'a Twilio account needs a sender: set TWILIO_FROM (E.164 number) or TWILIO_MESSAGING_SERVICE_SID');
  }
  if (twilioFrom && !/^\+[1-9]\d{6,14}$/.test(twilioFrom)) {
    throw new ConfigError('TWILIO_FROM', `must be an E.164 number such as +8613800000000, got "${twilioFrom}"`);
  }
  if (twilioMessagingServiceSid && !/^MG[0-9a-fA-F]{32}$/.test(twilioMessagingServiceSid)) {
    throw new ConfigError('TWILIO_MESSAGING_SERVICE_SID', 'must be a Messaging Service SID: MG followed by 32 hexadecimal characters');
  }
  const webhookSecret = env.JE_WEBHOOK_SECRET || null;
  if (webhookSecret !== null && webhookSecret.length < WEBHOOK_SECRET_MIN_LENGTH) {
    // The value itself is never echoed: it is a secret even when it is too short.
    throw new ConfigError(
      'JE_WEBHOOK_SECRET',
      `must be at least ${WEBHOOK_SECRET_MIN_LENGTH} characters (got ${webhookSecret.length}); generate one with \`openssl rand -hex 32\``,
    );
  }
  const firebaseCredentials = env.FIREBASE_CREDENTIALS || null;
  if (firebaseCredentials) {
    try {
      fs.accessSync(firebaseCredentials, fs.constants.R_OK);
    } catch {
      throw new ConfigError('FIREBASE_CREDENTIALS', `cannot read the service-account key file ${firebaseCredentials}`);
    }
  }
  return {
    twilioAccountSid,
    twilioAuthToken,
    twilioFrom,
    twilioMessagingServiceSid,
    twilioApiBaseUrl: httpUrl(env, 'TWILIO_API_BASE_URL'),
    firebaseCredentials,
    publicBaseUrl: httpUrl(env, 'JE_PUBLIC_BASE_URL'),
    crmWebhookUrl: httpUrl(env, 'JE_CRM_WEBHOOK_URL'),
    webhookSecret,
  };
}

/** Shortest accepted JE_ADMIN_API_KEY: 32 characters (keys the API creates are 46). */
export const ADMIN_API_KEY_MIN_LENGTH = 32;

function adminApiKey(env: Env): string | null {
  const key = env.JE_ADMIN_API_KEY || null;
  if (key !== null && (key.length < ADMIN_API_KEY_MIN_LENGTH || /\s/.test(key))) {
    throw new ConfigError(
      'JE_ADMIN_API_KEY',
      `must be at least ${ADMIN_API_KEY_MIN_LENGTH} characters without spaces (got ${key.length}); generate one with \`echo je_$(openssl rand -hex 24)\``,
    );
  }
  return key;
}

/** Runs an engine parser on a variable (empty when unset); its error becomes a ConfigError naming the variable. */
function parsed<T>(env: Env, name: string, parse: (text: string) => T): T {
  try {
    return parse(env[name] ?? '');
  } catch (err) {
    throw new ConfigError(name, (err as Error).message);
  }
}

function logLevel(env: Env): EngineConfig['logLevel'] {
  const level = (env.JE_LOG_LEVEL || 'info').toLowerCase();
  if (level === 'debug' || level === 'info' || level === 'warn' || level === 'error') return level;
  throw new ConfigError('JE_LOG_LEVEL', `must be debug, info, warn or error, got "${env.JE_LOG_LEVEL}"`);
}

function dbApplicationName(env: Env): string {
  const name = env.JE_DB_APPLICATION_NAME || 'journey-engine';
  // PostgreSQL cuts application_name at 63 bytes and shows non-ASCII as '?'; `-worker` is appended.
  if (!/^[A-Za-z0-9._-]{1,50}$/.test(name)) {
    throw new ConfigError('JE_DB_APPLICATION_NAME', `must be 1 to 50 letters, digits, '.', '_' or '-', got "${name}"`);
  }
  return name;
}

/** Reads and validates the engine's configuration. */
export function loadConfig(env: Env = process.env): EngineConfig {
  const defaultTimeZone = env.JE_DEFAULT_TIME_ZONE || 'Asia/Shanghai';
  if (!isValidTimeZone(defaultTimeZone)) {
    throw new ConfigError('JE_DEFAULT_TIME_ZONE', `"${defaultTimeZone}" is not an IANA time zone such as Asia/Shanghai`);
  }
  const lateEventGraceMs = duration(env, 'JE_LATE_EVENT_GRACE', 'PT5M');
  const stuckAfterMs = duration(env, 'JE_STUCK_AFTER', 'PT1H');
  const databaseUrl = env.DATABASE_URL || null;
  if (databaseUrl) {
    if (!/^postgres(ql)?:\/\//.test(databaseUrl)) throw new ConfigError('DATABASE_URL', 'must be a postgres:// or postgresql:// URL');
    try {
      new URL(databaseUrl);
    } catch {
      throw new ConfigError('DATABASE_URL', 'is not a valid URL (percent-encode special characters in the user name and password)');
    }
  }
  const temporalAddress = env.TEMPORAL_ADDRESS || null;
  if (temporalAddress !== null && !/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/.test(temporalAddress)) {
    throw new ConfigError('TEMPORAL_ADDRESS', `must be host:port such as temporal.example.com:7233 (no scheme), got "${temporalAddress}"`);
  }
  const temporalApiKey = env.TEMPORAL_API_KEY || null;
  const temporalTlsConfig = temporalTls(env, temporalApiKey);
  const host = env.HOST || '127.0.0.1';
  if (/\s|\//.test(host)) throw new ConfigError('HOST', `must be an interface address or host name such as 0.0.0.0, got "${host}"`);
  return {
    databaseUrl,
    temporalAddress,
    temporalNamespace: env.TEMPORAL_NAMESPACE || 'default',
    taskQueue: env.TEMPORAL_TASK_QUEUE || 'journeys',
    dbApplicationName: dbApplicationName(env),
    temporalTls: temporalTlsConfig,
    temporalApiKey,
    defaultTimeZone,
    lateEventGraceMs,
    maxHistoryEvents: integer(env, 'JE_MAX_HISTORY_EVENTS', 10_000, 100, 50_000),
    port: integer(env, 'PORT', 3000, 0, 65_535),
    adminApiKey: adminApiKey(env),
    host,
    workerMetricsPort: integer(env, 'JE_WORKER_METRICS_PORT', 9464, 0, 65_535),
    stuckAfterMs,
    ...channelSettings(env),
    logLevel: logLevel(env),
    frequencyCaps: parsed(env, 'JE_FREQUENCY_CAPS', parseFrequencyCaps),
    sendRateLimits: parsed(env, 'JE_SEND_RATE_LIMITS', parseRateLimits),
    fourEyesPublishing: flag(env, 'JE_FOUR_EYES_PUBLISHING') ?? false,
    segmentPreviewTimeoutMs: duration(env, 'JE_SEGMENT_PREVIEW_TIMEOUT', 'PT30S'),
  };
}

/**
 * Options for `Connection.connect` (@temporalio/client) and `NativeConnection.connect`
 * (@temporalio/worker): both accept exactly this shape. `address` defaults to TEMPORAL_ADDRESS
 * (`npm start` passes the address of the dev server it started). Reads the PEM files now.
 */
export interface TemporalConnectionOptions {
  address: string;
  tls?: {
    clientCertPair?: { crt: Buffer; key: Buffer };
    serverRootCACertificate?: Buffer;
    serverNameOverride?: string;
  };
  apiKey?: string;
}

export function temporalConnectionOptions(config: EngineConfig, address: string | null = config.temporalAddress): TemporalConnectionOptions {
  if (!address) throw new ConfigError('TEMPORAL_ADDRESS', 'required to connect to Temporal, e.g. 127.0.0.1:7233');
  const options: TemporalConnectionOptions = { address };
  const tls = config.temporalTls;
  if (tls) {
    const read = (variable: string, file: string) => {
      try {
        return fs.readFileSync(file);
      } catch (err) {
        throw new ConfigError(variable, `cannot read "${file}" (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
      }
    };
    options.tls = {
      ...(tls.clientCertPath && tls.clientKeyPath
        ? { clientCertPair: { crt: read('TEMPORAL_TLS_CERT', tls.clientCertPath), key: read('TEMPORAL_TLS_KEY', tls.clientKeyPath) } }
        : {}),
      ...(tls.serverCaPath ? { serverRootCACertificate: read('TEMPORAL_TLS_CA', tls.serverCaPath) } : {}),
      ...(tls.serverName ? { serverNameOverride: tls.serverName } : {}),
    };
  }
  if (config.temporalApiKey) options.apiKey = config.temporalApiKey;
  return options;
}

/**
 * Fields whose values are secrets: masked by {@link describeConfig}. Any other field whose name
 * ends in ApiKey, Token, Secret, Password or Credentials is masked too, as soon as it exists.
 */
export const SECRET_FIELDS: readonly string[] = ['temporalApiKey', 'twilioAuthToken', 'firebaseCredentials', 'webhookSecret', 'adminApiKey'];
const SECRET_NAME = /(ApiKey|Token|Secret|Password|Credentials?)$/i;
export const MASK = '***';

/** Variable behind each field, for the summary (a field not listed here is shown by its own name). */
const VARIABLES: Record<string, string> = {
  databaseUrl: 'DATABASE_URL',
  temporalAddress: 'TEMPORAL_ADDRESS',
  temporalNamespace: 'TEMPORAL_NAMESPACE',
  taskQueue: 'TEMPORAL_TASK_QUEUE',
  dbApplicationName: 'JE_DB_APPLICATION_NAME',
  temporalTls: 'TEMPORAL_TLS',
  temporalApiKey: 'TEMPORAL_API_KEY',
  defaultTimeZone: 'JE_DEFAULT_TIME_ZONE',
  lateEventGraceMs: 'JE_LATE_EVENT_GRACE',
  maxHistoryEvents: 'JE_MAX_HISTORY_EVENTS',
  port: 'PORT',
  adminApiKey: 'JE_ADMIN_API_KEY',
  host: 'HOST',
  workerMetricsPort: 'JE_WORKER_METRICS_PORT',
  stuckAfterMs: 'JE_STUCK_AFTER',
  twilioAccountSid: 'TWILIO_ACCOUNT_SID',
  twilioAuthToken: 'TWILIO_AUTH_TOKEN',
  twilioFrom: 'TWILIO_FROM',
  twilioMessagingServiceSid: 'TWILIO_MESSAGING_SERVICE_SID',
  twilioApiBaseUrl: 'TWILIO_API_BASE_URL',
  firebaseCredentials: 'FIREBASE_CREDENTIALS',
  publicBaseUrl: 'JE_PUBLIC_BASE_URL',
  crmWebhookUrl: 'JE_CRM_WEBHOOK_URL',
  logLevel: 'JE_LOG_LEVEL',
  frequencyCaps: 'JE_FREQUENCY_CAPS',
  sendRateLimits: 'JE_SEND_RATE_LIMITS',
  webhookSecret: 'JE_WEBHOOK_SECRET',
  fourEyesPublishing: 'JE_FOUR_EYES_PUBLISHING',
  segmentPreviewTimeoutMs: 'JE_SEGMENT_PREVIEW_TIMEOUT',
};

/** A URL with its password (and any token-like query parameter) replaced by `***`. */
export function maskUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = MASK;
    for (const key of [...u.searchParams.keys()]) {
      if (/pass|secret|token|key/i.test(key)) u.searchParams.set(key, MASK);
    }
    return u.toString();
  } catch {
    return MASK; // unparsable: it may contain anything
  }
}

function describeValue(field: string, value: unknown): string {
  if (value === null || value === undefined) return '(unset)';
  if (SECRET_FIELDS.includes(field) || SECRET_NAME.test(field)) return MASK;
  if (typeof value === 'string' && /^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return maskUrl(value);
  if (field.endsWith('Ms') && typeof value === 'number') return formatDuration(value);
  if (typeof value === 'object') {
    const parts = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== null && v !== undefined)
      .map(([k, v]) => `${k}=${describeValue(k, v)}`);
    return `{${parts.join(',')}}`;
  }
  return String(value).replace(/\s+/g, ' ');
}

/**
 * One log-safe line describing the configuration: `VARIABLE=value` pairs with secrets (API keys,
 * tokens, credentials) shown as `***` and passwords in URLs masked. Print it at start-up.
 */
export function describeConfig(config: EngineConfig): string {
  const pairs = Object.entries(config as unknown as Record<string, unknown>).map(([field, value]) => {
    const name = VARIABLES[field] ?? field;
    if (field === 'temporalTls') {
      const tls = value as TemporalTlsConfig | null;
      if (!tls) return `${name}=off`;
      const parts = [
        tls.clientCertPath && `cert=${tls.clientCertPath}`,
        tls.clientKeyPath && `key=${tls.clientKeyPath}`,
        `ca=${tls.serverCaPath ?? 'system'}`,
        tls.serverName && `serverName=${tls.serverName}`,
      ].filter(Boolean);
      return `${name}=on(${parts.join(',')})`;
    }
    return `${name}=${describeValue(field, value)}`;
  });
  return `config: ${pairs.join(' ')}`;
}
