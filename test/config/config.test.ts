/**
 * config/index.ts: every invalid setting fails at start-up with a ConfigError naming its variable;
 * the defaults; the Temporal connection options (TLS, API key) for both SDK connection types; and
 * the log-safe summary, which never contains a secret.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { Connection, type ConnectionOptions } from '@temporalio/client';
import { NativeConnection, type NativeConnectionOptions } from '@temporalio/worker';
import { toNativeClientOptions } from '@temporalio/worker/lib/connection-options.js';
import { ConfigError, describeConfig, type EngineConfig, loadConfig, temporalConnectionOptions } from '../../config/index.js';
import { testTemporalAddress } from '../support/env.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'je-config-test-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** PEM-shaped files: loadConfig checks that they exist, are readable and look like what they claim. */
function pem(name: string, label: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, `-----BEGIN ${label}-----\nMIIB${name.replace(/\W/g, '')}\n-----END ${label}-----\n`);
  return file;
}
const CERT = pem('client.pem', 'CERTIFICATE');
const KEY = pem('client.key', 'PRIVATE KEY');
const CA = pem('ca.pem', 'CERTIFICATE');
const MISSING = path.join(dir, 'no-such-file.pem');
const ADDRESS = 'temporal.example.com:7233';
const SID = `AC${'a'.repeat(32)}`;

type Env = Record<string, string | undefined>;

function configError(env: Env): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw new Error(`expected a ConfigError, got ${String(err)}`);
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}, but the configuration loaded`);
}

describe('loadConfig: JPUSH_VENDOR_CHANNELS', () => {
  it('reads vendor.category=id pairs', () => {
    expect(loadConfig({ JPUSH_VENDOR_CHANNELS: 'xiaomi.marketing=101, oppo.transactional=svc' }).jpushVendorChannels).toEqual({ 'xiaomi.marketing': '101', 'oppo.transactional': 'svc' });
  });
});

describe('loadConfig: invalid settings fail and name the variable', () => {
  it.each<[string, Env, string]>([
    ['an unknown time zone', { JE_DEFAULT_TIME_ZONE: 'Mars/Olympus_Mons' }, 'JE_DEFAULT_TIME_ZONE'],
    ['a duration that is not ISO 8601', { JE_LATE_EVENT_GRACE: '5 minutes' }, 'JE_LATE_EVENT_GRACE'],
    ['a zero duration', { JE_LATE_EVENT_GRACE: 'PT0S' }, 'JE_LATE_EVENT_GRACE'],
    ['a duration in months', { JE_STUCK_AFTER: 'P1M' }, 'JE_STUCK_AFTER'],
    ['a stuck threshold without unit', { JE_STUCK_AFTER: '3600' }, 'JE_STUCK_AFTER'],
    ['a fractional port', { PORT: '3000.5' }, 'PORT'],
    ['a JPush AppKey that is not 24 hex digits', { JPUSH_APP_KEY: 'not-a-key' }, 'JPUSH_APP_KEY'],
    ['a JPush vendor channel of an unknown vendor', { JPUSH_VENDOR_CHANNELS: 'meizu.marketing=1' }, 'JPUSH_VENDOR_CHANNELS'],
    ['a JPush vendor channel of an unknown category', { JPUSH_VENDOR_CHANNELS: 'xiaomi.service=1' }, 'JPUSH_VENDOR_CHANNELS'],
    ['a port that is not a number', { PORT: 'http' }, 'PORT'],
    ['a port in exponent notation', { PORT: '3e3' }, 'PORT'],
    ['a port above 65535', { PORT: '70000' }, 'PORT'],
    ['a negative port', { PORT: '-1' }, 'PORT'],
    ['a metrics port that is not an integer', { JE_WORKER_METRICS_PORT: '9464x' }, 'JE_WORKER_METRICS_PORT'],
    ['a metrics port above 65535', { JE_WORKER_METRICS_PORT: '65536' }, 'JE_WORKER_METRICS_PORT'],
    ['a history limit below 100', { JE_MAX_HISTORY_EVENTS: '10' }, 'JE_MAX_HISTORY_EVENTS'],
    ['a database URL with another scheme', { DATABASE_URL: 'mysql://u:p@db:3306/journey' }, 'DATABASE_URL'],
    ['a database URL that is no URL', { DATABASE_URL: 'postgres://u:p@[db/journey' }, 'DATABASE_URL'],
    ['a Temporal address with a scheme', { TEMPORAL_ADDRESS: 'https://temporal:7233' }, 'TEMPORAL_ADDRESS'],
    ['a HOST with a path', { HOST: '0.0.0.0/0' }, 'HOST'],
    ['a TEMPORAL_TLS that is not on or off', { TEMPORAL_ADDRESS: ADDRESS, TEMPORAL_TLS: 'maybe' }, 'TEMPORAL_TLS'],
    ['a client certificate without its key', { TEMPORAL_ADDRESS: ADDRESS, TEMPORAL_TLS_CERT: CERT }, 'TEMPORAL_TLS_KEY'],
    ['a client key without its certificate', { TEMPORAL_ADDRESS: ADDRESS, TEMPORAL_TLS_KEY: KEY }, 'TEMPORAL_TLS_CERT'],
    ['a missing certificate file', { TEMPORAL_ADDRESS: ADDRESS, TEMPORAL_TLS_CERT: MISSING, TEMPORAL_TLS_KEY: KEY }, 'TEMPORAL_TLS_CERT'],
    ['a missing key file', { TEMPORAL_ADDRESS: ADDRESS, TEMPORAL_TLS_CERT: CERT, TEMPORAL_TLS_KEY: MISSING }, 'TEMPORAL_TLS_KEY'],
    ['a missing CA file', { TEMPORAL_ADDRESS: ADDRESS, TEMPORAL_TLS_CA: MISSING }, 'TEMPORAL_TLS_CA'],
    ['a folder as certificate', { TEMPORAL_ADDRESS: ADDRESS, TEMPORAL_TLS_CERT: dir, TEMPORAL_TLS_KEY: KEY }, 'TEMPORAL_TLS_CERT'],
    ['certificate and key swapped', { TEMPORAL_ADDRESS: ADDRESS, TEMPORAL_TLS_CERT: KEY, TEMPORAL_TLS_KEY: CERT }, 'TEMPORAL_TLS_CERT'],
    ['a server name with a space', { TEMPORAL_ADDRESS: ADDRESS, TEMPORAL_TLS_SERVER_NAME: 'temporal example' }, 'TEMPORAL_TLS_SERVER_NAME'],
    ['TLS switched off with an API key', { TEMPORAL_ADDRESS: ADDRESS, TEMPORAL_TLS: '0', TEMPORAL_API_KEY: 'k' }, 'TEMPORAL_TLS'],
    ['TLS settings without TEMPORAL_ADDRESS', { TEMPORAL_TLS: '1' }, 'TEMPORAL_ADDRESS'],
    ['an API key without TEMPORAL_ADDRESS', { TEMPORAL_API_KEY: 'k' }, 'TEMPORAL_ADDRESS'],
    ['a Twilio account SID of the wrong shape', { TWILIO_ACCOUNT_SID: 'AC123', TWILIO_AUTH_TOKEN: 't', TWILIO_FROM: '+8613800000000' }, 'TWILIO_ACCOUNT_SID'],
    ['a Twilio account without its token', { TWILIO_ACCOUNT_SID: SID, TWILIO_FROM: '+8613800000000' }, 'TWILIO_AUTH_TOKEN'],
    ['a Twilio token without its account', { TWILIO_AUTH_TOKEN: 't' }, 'TWILIO_ACCOUNT_SID'],
    ['a Twilio account without a sender', { TWILIO_ACCOUNT_SID: SID, TWILIO_AUTH_TOKEN: 't' }, 'TWILIO_FROM'],
    ['a sender that is not E.164', { TWILIO_ACCOUNT_SID: SID, TWILIO_AUTH_TOKEN: 't', TWILIO_FROM: '13800000000' }, 'TWILIO_FROM'],
    ['a Messaging Service SID of the wrong shape', { TWILIO_ACCOUNT_SID: SID, TWILIO_AUTH_TOKEN: 't', TWILIO_MESSAGING_SERVICE_SID: 'MG1' }, 'TWILIO_MESSAGING_SERVICE_SID'],
    ['a Twilio API URL that is no http URL', { TWILIO_API_BASE_URL: 'ftp://twilio' }, 'TWILIO_API_BASE_URL'],
    ['a missing Firebase key file', { FIREBASE_CREDENTIALS: MISSING }, 'FIREBASE_CREDENTIALS'],
    ['a frequency cap that is not action:max/duration', { JE_FREQUENCY_CAPS: 'sms:2 per week' }, 'JE_FREQUENCY_CAPS'],
    ['a frequency cap with a month window', { JE_FREQUENCY_CAPS: 'sms:2/P1M' }, 'JE_FREQUENCY_CAPS'],
    ['a send rate of zero', { JE_SEND_RATE_LIMITS: 'sms:0' }, 'JE_SEND_RATE_LIMITS'],
    ['an unknown log level', { JE_LOG_LEVEL: 'loud' }, 'JE_LOG_LEVEL'],
    ['a segment preview timeout without unit', { JE_SEGMENT_PREVIEW_TIMEOUT: '30' }, 'JE_SEGMENT_PREVIEW_TIMEOUT'],
    ['a database application name with a space', { JE_DB_APPLICATION_NAME: 'journey engine' }, 'JE_DB_APPLICATION_NAME'],
    ['a database application name PostgreSQL would cut', { JE_DB_APPLICATION_NAME: 'j'.repeat(51) }, 'JE_DB_APPLICATION_NAME'],
    ['a CRM webhook URL that is no http URL', { JE_CRM_WEBHOOK_URL: 'crm.internal/tasks' }, 'JE_CRM_WEBHOOK_URL'],
    ['a public base URL that is no URL', { JE_PUBLIC_BASE_URL: 'api.example.com' }, 'JE_PUBLIC_BASE_URL'],
    ['a short webhook secret', { JE_WEBHOOK_SECRET: 'changeme' }, 'JE_WEBHOOK_SECRET'],
    ['a webhook secret of 31 characters', { JE_WEBHOOK_SECRET: 'w'.repeat(31) }, 'JE_WEBHOOK_SECRET'],
  ])('%s', (_label, env, variable) => {
    const err = configError(env);
    expect(err.variable).toBe(variable);
    expect(err.message.startsWith(`${variable}: `)).toBe(true);
  });

  it('names both variables when only the certificate is given', () => {
    const err = configError({ TEMPORAL_ADDRESS: ADDRESS, TEMPORAL_TLS_CERT: CERT });
    expect(err.message).toContain('TEMPORAL_TLS_CERT');
    expect(err.message).toContain('TEMPORAL_TLS_KEY');
  });

  it('never echoes a webhook secret that is too short', () => {
    const err = configError({ JE_WEBHOOK_SECRET: 'tooShortSecretValue' });
    expect(err.message).toContain('at least 32 characters');
    expect(err.message).not.toContain('tooShortSecretValue');
  });

  it('refuses a short admin API key without echoing it', () => {
    const err = configError({ JE_ADMIN_API_KEY: 'je_short_admin_key' });
    expect(err.message).toContain('JE_ADMIN_API_KEY');
    expect(err.message).not.toContain('je_short_admin_key');
  });

  it('says which file could not be read', () => {
    expect(configError({ TEMPORAL_ADDRESS: ADDRESS, TEMPORAL_TLS_CA: MISSING }).message).toContain(MISSING);
  });
});

describe('loadConfig: defaults and valid values', () => {
  it('has a default for everything', () => {
    const expected: EngineConfig = {
      databaseUrl: null,
      webhookAllowedHosts: null,
      temporalSearchAttributes: true,
      temporalAddress: null,
      temporalNamespace: 'default',
      taskQueue: 'journeys',
      dbApplicationName: 'journey-engine',
      temporalTls: null,
      temporalApiKey: null,
      defaultTimeZone: 'Asia/Shanghai',
      globalHoldoutPercent: 0,
      lateEventGraceMs: 5 * 60_000,
      maxHistoryEvents: 10_000,
      port: 3000,
      adminApiKey: null,
      host: '127.0.0.1',
      workerMetricsPort: 9464,
      stuckAfterMs: 60 * 60_000,
      twilioAccountSid: null,
      twilioAuthToken: null,
      twilioFrom: null,
      twilioMessagingServiceSid: null,
      twilioApiBaseUrl: null,
      aliyunAccessKeyId: null,
      aliyunAccessKeySecret: null,
      aliyunSmsApiBaseUrl: null,
      aliyunSmsReportToken: null,
      tencentSecretId: null,
      tencentSecretKey: null,
      tencentSmsSdkAppId: null,
      tencentSmsRegion: 'ap-guangzhou',
      tencentSmsApiBaseUrl: null,
      tencentSmsCallbackToken: null,
      jpushAppKey: null,
      jpushMasterSecret: null,
      jpushApiBaseUrl: null,
      jpushVendorChannels: null,
      firebaseCredentials: null,
      publicBaseUrl: null,
      crmWebhookUrl: null,
      webhookSecret: null,
      logLevel: 'info',
      frequencyCaps: {},
      sendRateLimits: {},
      fourEyesPublishing: false,
      segmentPreviewTimeoutMs: 30_000,
      maxEventFutureSkewMs: 300_000,
      eventRetentionMs: null,
      messageTextRetentionMs: null,
    };
    expect(loadConfig({})).toEqual(expected);
  });

  it('treats empty values as unset', () => {
    expect(loadConfig({ PORT: '', JE_STUCK_AFTER: '', JE_WORKER_METRICS_PORT: '', TEMPORAL_TLS: '', TEMPORAL_API_KEY: '' })).toEqual(loadConfig({}));
  });

  it('reads frequency caps and send rates', () => {
    const config = loadConfig({ JE_FREQUENCY_CAPS: 'sms:2/P7D,push:5/P1D', JE_SEND_RATE_LIMITS: 'sms:50' });
    expect(config.frequencyCaps).toEqual({
      sms: { max: 2, windowMs: 7 * 86_400_000, text: '2/P7D' },
      push: { max: 5, windowMs: 86_400_000, text: '5/P1D' },
    });
    expect(config.sendRateLimits).toEqual({ sms: 50 });
  });

  it('reads the channel providers and the public base URL', () => {
    const config = loadConfig({
      TWILIO_ACCOUNT_SID: SID,
      TWILIO_AUTH_TOKEN: 'secret-token',
      TWILIO_MESSAGING_SERVICE_SID: `MG${'b'.repeat(32)}`,
      TWILIO_API_BASE_URL: 'http://127.0.0.1:4010/',
      FIREBASE_CREDENTIALS: CERT,
      JE_PUBLIC_BASE_URL: 'https://journeys.example.com/',
    });
    expect(config).toMatchObject({
      twilioAccountSid: SID,
      twilioAuthToken: 'secret-token',
      twilioFrom: null,
      twilioApiBaseUrl: 'http://127.0.0.1:4010',
      firebaseCredentials: CERT,
      publicBaseUrl: 'https://journeys.example.com',
    });
  });

  it('reads the webhook signing secret (32 characters or more)', () => {
    const secret = 'f'.repeat(32);
    expect(loadConfig({ JE_WEBHOOK_SECRET: secret }).webhookSecret).toBe(secret);
    expect(loadConfig({ JE_WEBHOOK_SECRET: `${secret}${secret}` }).webhookSecret).toBe(`${secret}${secret}`);
    expect(loadConfig({ JE_WEBHOOK_SECRET: '' }).webhookSecret).toBeNull();
  });

  it('reads the database application name prefix', () => {
    expect(loadConfig({ JE_DB_APPLICATION_NAME: 'je-eu.blue_2' }).dbApplicationName).toBe('je-eu.blue_2');
    expect(loadConfig({ JE_DB_APPLICATION_NAME: 'j'.repeat(50) }).dbApplicationName).toBe('j'.repeat(50));
  });

  it('reads the worker metrics port and the stuck threshold', () => {
    const config = loadConfig({ JE_WORKER_METRICS_PORT: '0', JE_STUCK_AFTER: 'P1DT12H' });
    expect(config.workerMetricsPort).toBe(0);
    expect(config.stuckAfterMs).toBe(36 * 3_600_000);
    expect(loadConfig({ JE_WORKER_METRICS_PORT: '65535' }).workerMetricsPort).toBe(65_535);
  });

  it('reads every supported TLS combination', () => {
    expect(loadConfig({ TEMPORAL_ADDRESS: ADDRESS, TEMPORAL_TLS: '1' }).temporalTls).toEqual({
      clientCertPath: null,
      clientKeyPath: null,
      serverCaPath: null,
      serverName: null,
    });
    expect(loadConfig({ TEMPORAL_ADDRESS: ADDRESS, TEMPORAL_TLS: '0' }).temporalTls).toBeNull();
    expect(
      loadConfig({ TEMPORAL_ADDRESS: ADDRESS, TEMPORAL_TLS_CERT: CERT, TEMPORAL_TLS_KEY: KEY, TEMPORAL_TLS_CA: CA, TEMPORAL_TLS_SERVER_NAME: 'temporal.internal' })
        .temporalTls,
    ).toEqual({ clientCertPath: CERT, clientKeyPath: KEY, serverCaPath: CA, serverName: 'temporal.internal' });
    // The CA alone or the server name alone imply TLS; so does an API key.
    expect(loadConfig({ TEMPORAL_ADDRESS: ADDRESS, TEMPORAL_TLS_CA: CA }).temporalTls?.serverCaPath).toBe(CA);
    expect(loadConfig({ TEMPORAL_ADDRESS: ADDRESS, TEMPORAL_API_KEY: 'k' }).temporalTls).not.toBeNull();
  });
});

describe('temporalConnectionOptions', () => {
  it('is a plain address without TLS settings', () => {
    expect(temporalConnectionOptions(loadConfig({ TEMPORAL_ADDRESS: ADDRESS }))).toEqual({ address: ADDRESS });
    expect(temporalConnectionOptions(loadConfig({}), '127.0.0.1:7233')).toEqual({ address: '127.0.0.1:7233' });
    expect(() => temporalConnectionOptions(loadConfig({}))).toThrow(ConfigError);
  });

  it('carries the client certificate pair, the CA, the server name and the API key', () => {
    const config = loadConfig({
      TEMPORAL_ADDRESS: ADDRESS,
      TEMPORAL_TLS_CERT: CERT,
      TEMPORAL_TLS_KEY: KEY,
      TEMPORAL_TLS_CA: CA,
      TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
      TEMPORAL_API_KEY: 'the-api-key',
    });
    const options = temporalConnectionOptions(config);
    expect(options).toEqual({
      address: ADDRESS,
      tls: {
        clientCertPair: { crt: fs.readFileSync(CERT), key: fs.readFileSync(KEY) },
        serverRootCACertificate: fs.readFileSync(CA),
        serverNameOverride: 'temporal.internal',
      },
      apiKey: 'the-api-key',
    });
    // The same object is a valid option set for both SDK connection types (checked by tsc here) ...
    const forClient: ConnectionOptions = options;
    const forWorker: NativeConnectionOptions = options;
    // ... and the worker SDK turns it into its native TLS settings.
    const native = toNativeClientOptions(forWorker);
    expect(native.targetUrl).toBe(`https://${ADDRESS}`);
    expect(native.tls?.domain).toBe('temporal.internal');
    expect(Buffer.from(native.tls!.serverRootCaCert!).equals(fs.readFileSync(CA))).toBe(true);
    expect(Buffer.from(native.tls!.clientTlsOptions!.clientCert).equals(fs.readFileSync(CERT))).toBe(true);
    expect(native.apiKey).toBe('the-api-key');
    expect(forClient.tls).toBe(options.tls);
  });

  it('gives TLS with the system roots for TEMPORAL_TLS=1 and for an API key alone', () => {
    expect(temporalConnectionOptions(loadConfig({ TEMPORAL_ADDRESS: ADDRESS, TEMPORAL_TLS: '1' }))).toEqual({ address: ADDRESS, tls: {} });
    expect(temporalConnectionOptions(loadConfig({ TEMPORAL_ADDRESS: ADDRESS, TEMPORAL_API_KEY: 'k' }))).toEqual({ address: ADDRESS, tls: {}, apiKey: 'k' });
    expect(toNativeClientOptions(temporalConnectionOptions(loadConfig({ TEMPORAL_ADDRESS: ADDRESS, TEMPORAL_TLS: 'true' }))).targetUrl).toBe(`https://${ADDRESS}`);
  });

  it('connects both SDK connection types to a plaintext server', async () => {
    const options = temporalConnectionOptions(loadConfig({ TEMPORAL_ADDRESS: testTemporalAddress() }));
    const client = await Connection.connect(options);
    const native = await NativeConnection.connect(options);
    try {
      await client.workflowService.getSystemInfo({});
    } finally {
      await client.close();
      await native.close();
    }
  });
});

describe('describeConfig', () => {
  const secrets = {
    password: 'pg-Pa55word',
    apiKey: 'tcld-api-key-1234567890',
    twilio: 'twilio-auth-token-abcdef',
    firebase: '{"private_key":"-----BEGIN PRIVATE KEY-----firebase"}',
    webhook: 'webhook-signing-secret-xyz',
  };
  const config = loadConfig({
    DATABASE_URL: `postgres://journey:${secrets.password}@db.internal:5432/journey`,
    TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233',
    TEMPORAL_NAMESPACE: 'ns.acct',
    TEMPORAL_API_KEY: secrets.apiKey,
    TEMPORAL_TLS_CERT: CERT,
    TEMPORAL_TLS_KEY: KEY,
    TWILIO_ACCOUNT_SID: SID,
    TWILIO_AUTH_TOKEN: secrets.twilio,
    TWILIO_FROM: '+8613800000000',
  });
  // Fields of later releases (channel and webhook secrets) are masked as soon as they exist.
  const withFutureSecrets = {
    ...config,
    twilioAuthToken: secrets.twilio,
    firebaseCredentials: secrets.firebase,
    webhookSecret: secrets.webhook,
  } as EngineConfig;
  const line = describeConfig(withFutureSecrets);

  it('is one line naming the variables', () => {
    expect(line).not.toContain('\n');
    for (const name of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'TEMPORAL_TLS', 'TEMPORAL_API_KEY', 'JE_WORKER_METRICS_PORT', 'JE_STUCK_AFTER']) {
      expect(line).toContain(`${name}=`);
    }
    expect(line).toContain('TWILIO_AUTH_TOKEN=***');
    expect(line).toContain('FIREBASE_CREDENTIALS=***');
    expect(line).toContain('JE_WEBHOOK_SECRET=***');
    expect(line).toContain('TEMPORAL_API_KEY=***');
    expect(line).toContain('DATABASE_URL=postgres://journey:***@db.internal:5432/journey');
    expect(line).toContain(`cert=${CERT}`);
    expect(line).toContain('JE_STUCK_AFTER=PT1H');
  });

  it.each(Object.entries(secrets))('never contains the %s', (_name, secret) => {
    expect(line).not.toContain(secret);
  });

  it('masks the webhook secret read from JE_WEBHOOK_SECRET', () => {
    const secret = 'whsec-0123456789abcdef0123456789abcdef';
    const text = describeConfig(loadConfig({ JE_WEBHOOK_SECRET: secret }));
    expect(text).toContain('JE_WEBHOOK_SECRET=***');
    expect(text).not.toContain(secret);
    expect(describeConfig(loadConfig({}))).toContain('JE_WEBHOOK_SECRET=(unset)');
  });

  it('masks a password given in the URL query too', () => {
    const text = describeConfig(loadConfig({ DATABASE_URL: 'postgres://db.internal/journey?password=query-secret' }));
    expect(text).not.toContain('query-secret');
  });
});
