/**
 * Configuration, read once from the environment and validated at start-up. The variables are
 * declared in config/catalogue.ts; here they are read, checked together (TLS, Twilio) and described.
 * A bad value fails with a message naming the variable. `describeConfig` gives a log-safe one-line summary (secrets masked);
 * `temporalConnectionOptions` turns the Temporal settings (address, TLS, API key) into the options
 * of `Connection.connect` (@temporalio/client) and `NativeConnection.connect` (@temporalio/worker).
 */
import fs from 'node:fs';
import { formatDuration } from '../engine/duration.js';
import { CATALOGUE, type CatalogueValues, VARIABLES } from './catalogue.js';

export { ADMIN_API_KEY_MIN_LENGTH, WEBHOOK_SECRET_MIN_LENGTH } from './catalogue.js';

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

/** The catalogue fields that loadConfig() folds into `temporalTls`. */
const TLS_FIELDS = ['temporalTlsEnabled', 'temporalTlsCert', 'temporalTlsKey', 'temporalTlsCa', 'temporalTlsServerName'] as const;
type TlsField = (typeof TLS_FIELDS)[number];

/**
 * The engine's configuration: one field per variable of config/catalogue.ts (which says what each
 * means), except that the TEMPORAL_TLS* variables become `temporalTls` (null: a plaintext connection).
 */
export type EngineConfig = Omit<CatalogueValues, TlsField> & { temporalTls: TemporalTlsConfig | null };

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

/** Each variable of the catalogue, read and validated on its own; a failure names the variable. */
function readCatalogue(env: Env): CatalogueValues {
  const values: Record<string, unknown> = {};
  for (const variable of VARIABLES) {
    try {
      values[variable.field] = variable.read(env[variable.name]);
    } catch (err) {
      throw new ConfigError(variable.name, (err as Error).message);
    }
  }
  return values as CatalogueValues;
}

/** The TLS variables together: a client certificate needs its key, TLS needs an external Temporal. */
function temporalTls(values: CatalogueValues, env: Env): TemporalTlsConfig | null {
  const { temporalTlsEnabled: enabled, temporalTlsCert: clientCertPath, temporalTlsKey: clientKeyPath } = values;
  const { temporalTlsCa: serverCaPath, temporalTlsServerName: serverName, temporalApiKey: apiKey } = values;
  if (clientCertPath && !clientKeyPath) {
    throw new ConfigError('TEMPORAL_TLS_KEY', 'TEMPORAL_TLS_CERT is set but TEMPORAL_TLS_KEY is not: give both (client certificate and its key) or neither');
  }
  if (clientKeyPath && !clientCertPath) {
    throw new ConfigError('TEMPORAL_TLS_CERT', 'TEMPORAL_TLS_KEY is set but TEMPORAL_TLS_CERT is not: give both (client certificate and its key) or neither');
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
  if (!values.temporalAddress) {
    throw new ConfigError(
      'TEMPORAL_ADDRESS',
      `TLS settings (${['TEMPORAL_TLS', ...implied].filter((v) => env[v]).join(', ')}) apply to an external Temporal; set TEMPORAL_ADDRESS too (the local dev server has no TLS)`,
    );
  }
  return { clientCertPath, clientKeyPath, serverCaPath, serverName };
}

/** The Twilio variables together: each provider is all-or-nothing, checked here rather than at the first send. */
function checkTwilio(values: CatalogueValues): void {
  const { twilioAccountSid, twilioAuthToken, twilioFrom, twilioMessagingServiceSid } = values;
  if (!!twilioAccountSid !== !!twilioAuthToken) {
    throw new ConfigError(twilioAccountSid ? 'TWILIO_AUTH_TOKEN' : 'TWILIO_ACCOUNT_SID', 'TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are set together or not at all');
  }
  if (twilioAccountSid && !twilioFrom && !twilioMessagingServiceSid) {
    throw new ConfigError('TWILIO_FROM', 'a Twilio account needs a sender: set TWILIO_FROM (E.164 number) or TWILIO_MESSAGING_SERVICE_SID');
  }
}

/** Reads and validates the engine's configuration: each variable of the catalogue, then the rules across them. */
export function loadConfig(env: Env = process.env): EngineConfig {
  const values = readCatalogue(env);
  const tls = temporalTls(values, env);
  checkTwilio(values);
  const config: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(values)) {
    if (field === TLS_FIELDS[0]) config.temporalTls = tls;
    else if (!(TLS_FIELDS as readonly string[]).includes(field)) config[field] = value;
  }
  return config as EngineConfig;
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
 * Fields whose values are secrets (`secret` in the catalogue): masked by {@link describeConfig}. Any
 * other field whose name ends in ApiKey, Token, Secret, Password or Credentials is masked too.
 */
export const SECRET_FIELDS: readonly string[] = VARIABLES.filter((v) => v.secret).map((v) => v.field);
const SECRET_NAME = /(ApiKey|Token|Secret|Password|Credentials?)$/i;
export const MASK = '***';

/** Variable behind each field, for the summary (a field not listed here is shown by its own name). */
const VARIABLE_OF: Record<string, string> = {
  ...Object.fromEntries(VARIABLES.map((v) => [v.field, v.name])),
  temporalTls: CATALOGUE.temporalTlsEnabled.name,
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
    const name = VARIABLE_OF[field] ?? field;
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
