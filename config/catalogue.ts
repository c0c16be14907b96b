/**
 * Every configuration variable, declared once: its name, kind (type and validation), default,
 * meaning, whether it is a secret and which processes read it. loadConfig() parses from this list,
 * EngineConfig's type is derived from it, and `npm run docs:config` writes the table in
 * docs/operations.md from it. Adding a variable: add an entry here, then run `npm run docs:config`.
 *
 * Descriptions are Markdown for docs/operations.md (links are relative to docs/); no `|`.
 */
import { parseFrequencyCaps, parseRateLimits } from '../engine/policy.js';
import { checked, duration, flag, httpUrl, integer, type Kind, oneOf, parsedBy, pemFile, postgresUrl, readableFile, text, timeZone } from './kinds.js';

/** A deployed process: the one-shot migration, the HTTP API, a worker. */
export type Process = 'migrate' | 'api' | 'worker';

interface VariableSpec<T> {
  /** The environment variable. */
  readonly name: string;
  readonly kind: Kind<T>;
  /** Text used when the variable is unset or empty, parsed like a given value; absent: the value is null. */
  readonly default?: string;
  /** What leaving it unset means, for the docs, when `default` alone does not say it. */
  readonly unset?: string;
  readonly description: string;
  /** The processes that use the value (every process validates every variable at start). */
  readonly readBy: readonly Process[];
  /** Masked in logs (describeConfig) and never echoed in errors. */
  readonly secret?: boolean;
  /** The processes in `readBy` refuse to start without it when run on their own (npm start and tests supply one). */
  readonly required?: boolean;
}

/** One configuration variable of the catalogue. */
export interface Variable<V> extends Omit<VariableSpec<unknown>, 'kind'> {
  readonly type: string;
  /** The value for the environment's text: the default (or null) when unset or empty. Throws a message following "NAME: ". */
  readonly read: (raw: string | undefined) => V;
}

function variable<T>(spec: VariableSpec<T> & { default: string }): Variable<T>;
function variable<T>(spec: VariableSpec<T>): Variable<T | null>;
function variable<T>({ kind, ...spec }: VariableSpec<T>): Variable<T | null> {
  const fallback = spec.default;
  return {
    ...spec,
    type: kind.type,
    read: (raw) => (raw ? kind.parse(raw) : fallback === undefined ? null : kind.parse(fallback)),
  };
}

const ALL: readonly Process[] = ['migrate', 'api', 'worker'];
const BOTH: readonly Process[] = ['api', 'worker'];
const API: readonly Process[] = ['api'];
const WORKER: readonly Process[] = ['worker'];

/** Shortest accepted JE_WEBHOOK_SECRET: 32 characters, e.g. 16 random bytes in hex. */
export const WEBHOOK_SECRET_MIN_LENGTH = 32;
/** Shortest accepted JE_ADMIN_API_KEY: 32 characters (keys the API creates are 46). */
export const ADMIN_API_KEY_MIN_LENGTH = 32;

const port = integer(0, 65_535);

/** JPUSH_VENDOR_CHANNELS: `vendor.category=id` pairs (vendors xiaomi, oppo; categories marketing, transactional). */
function parseVendorChannels(raw: string): Record<string, string> {
  const pairs: Record<string, string> = {};
  for (const entry of raw.split(',').map((e) => e.trim()).filter(Boolean)) {
    const match = /^(xiaomi|oppo)\.(marketing|transactional)=(\S+)$/.exec(entry);
    if (!match) throw new Error(`"${entry}" is not vendor.category=id (vendor xiaomi or oppo, category marketing or transactional)`);
    pairs[`${match[1]}.${match[2]}`] = match[3];
  }
  return pairs;
}

/** The catalogue, keyed by the EngineConfig field each variable fills; its order is the docs table's. */
export const CATALOGUE = {
  databaseUrl: variable({
    name: 'DATABASE_URL',
    kind: postgresUrl,
    required: true,
    unset: '`npm start` and tests: an embedded PostgreSQL',
    readBy: ALL,
    description:
      '`postgres://user:password@host:5432/database` (percent-encode special characters of the password; the password is masked in the log); one database for the application, not Temporal\'s',
  }),
  temporalAddress: variable({
    name: 'TEMPORAL_ADDRESS',
    kind: checked(
      'host:port',
      (address) => /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/.test(address),
      (address) => `must be host:port such as temporal.example.com:7233 (no scheme), got "${address}"`,
    ),
    required: true,
    unset: '`npm start` and tests: a local dev server',
    readBy: BOTH,
    description: 'Temporal frontend `host:port`, e.g. `temporal.internal:7233` or `<namespace>.<account>.tmprl.cloud:7233` (no scheme)',
  }),
  temporalNamespace: variable({
    name: 'TEMPORAL_NAMESPACE',
    kind: text(),
    default: 'default',
    readBy: BOTH,
    description: 'Temporal namespace; it must exist (`temporal operator namespace create`)',
  }),
  taskQueue: variable({
    name: 'TEMPORAL_TASK_QUEUE',
    kind: text(),
    default: 'journeys',
    readBy: BOTH,
    description: 'task queue of the journey worker: the api starts runs on it, the workers poll it, so they must agree',
  }),
  temporalTlsEnabled: variable({
    name: 'TEMPORAL_TLS',
    kind: flag,
    unset: 'TLS only when another TLS setting implies it',
    readBy: BOTH,
    description: '`1`: TLS with the system\'s root CAs and no client certificate; `0`: refuse TLS (an error if other TLS settings are present)',
  }),
  temporalTlsCert: variable({
    name: 'TEMPORAL_TLS_CERT',
    kind: pemFile('certificate'),
    readBy: BOTH,
    description: 'PEM file of the client certificate for mTLS; set together with `TEMPORAL_TLS_KEY` or not at all; implies TLS',
  }),
  temporalTlsKey: variable({
    name: 'TEMPORAL_TLS_KEY',
    kind: pemFile('private key'),
    readBy: BOTH,
    description: 'PEM file of the client certificate\'s private key; set together with `TEMPORAL_TLS_CERT` or not at all',
  }),
  temporalTlsCa: variable({
    name: 'TEMPORAL_TLS_CA',
    kind: pemFile('certificate'),
    unset: 'the system\'s root CAs',
    readBy: BOTH,
    description: 'PEM file of the CA that signed the server\'s certificate (self-hosted clusters with a private CA); implies TLS',
  }),
  temporalTlsServerName: variable({
    name: 'TEMPORAL_TLS_SERVER_NAME',
    kind: checked(
      'host name',
      (name) => /^[A-Za-z0-9*]([A-Za-z0-9.*-]*[A-Za-z0-9])?$/.test(name),
      (name) => `must be a host name such as temporal.example.com, got "${name}"`,
    ),
    unset: 'the host of `TEMPORAL_ADDRESS`',
    readBy: BOTH,
    description: 'the name to check the server certificate against when it differs from the host of `TEMPORAL_ADDRESS` (proxies, IP addresses); implies TLS',
  }),
  temporalApiKey: variable({
    name: 'TEMPORAL_API_KEY',
    kind: text(),
    secret: true,
    readBy: BOTH,
    description: 'Temporal Cloud API key, sent as a bearer token; implies TLS (never sent in the clear)',
  }),
  port: variable({
    name: 'PORT',
    kind: port,
    default: '3000',
    readBy: API,
    description: 'HTTP port of the API',
  }),
  host: variable({
    name: 'HOST',
    kind: checked(
      'interface address or host name',
      (host) => !/\s|\//.test(host),
      (host) => `must be an interface address or host name such as 0.0.0.0, got "${host}"`,
    ),
    default: '127.0.0.1',
    readBy: BOTH,
    description: 'interface the API and the worker\'s metrics server listen on; `0.0.0.0` in a container',
  }),
  adminApiKey: variable({
    name: 'JE_ADMIN_API_KEY',
    kind: checked(
      `at least ${ADMIN_API_KEY_MIN_LENGTH} characters, no spaces`,
      (key) => key.length >= ADMIN_API_KEY_MIN_LENGTH && !/\s/.test(key),
      // The key itself is never echoed: it is a secret even when it is refused.
      (key) =>
        `must be at least ${ADMIN_API_KEY_MIN_LENGTH} characters without spaces (got ${key.length}); generate one with \`echo je_$(openssl rand -hex 24)\``,
    ),
    secret: true,
    unset: 'none (`npm start` creates one in `.data/admin-api-key`)',
    readBy: API,
    description:
      'an admin API key the API installs at start-up, so a fresh system can be administered; every other key is made through `POST /v1/api-keys`; see [API access](api.md#access-api-keys-and-roles)',
  }),
  fourEyesPublishing: variable({
    name: 'JE_FOUR_EYES_PUBLISHING',
    kind: flag,
    default: '0',
    readBy: API,
    description:
      '`1`: a publish becomes a request that takes effect only when another key (marketer or admin) approves it; see [four-eyes publishing](api.md#four-eyes-publishing)',
  }),
  segmentPreviewTimeoutMs: variable({
    name: 'JE_SEGMENT_PREVIEW_TIMEOUT',
    kind: duration,
    default: 'PT30S',
    readBy: API,
    description: 'statement timeout of a segment preview (count and sample): it is cancelled after this long (503 `segment_preview_timeout`); see [segments](segments.md)',
  }),
  maxEventFutureSkewMs: variable({
    name: 'JE_MAX_EVENT_FUTURE_SKEW',
    kind: duration,
    default: 'PT5M',
    readBy: API,
    description: 'how far ahead of the API clock an ingested event time may be; a later one is refused per item (`event_time_in_future`); see [api](api.md#limits)',
  }),
  eventRetentionMs: variable({
    name: 'JE_EVENT_RETENTION',
    kind: duration,
    unset: 'events are kept forever',
    readBy: API,
    description: 'raw events with an event time older than this are deleted in batches by the API (every hour); see [retention](operations.md#retention)',
  }),
  messageTextRetentionMs: variable({
    name: 'JE_MESSAGE_TEXT_RETENTION',
    kind: duration,
    unset: 'message texts are kept forever',
    readBy: API,
    description: 'rendered message texts and recipients older than this are removed in batches by the API (every hour; the message rows and their counts stay); see [retention](operations.md#retention)',
  }),
  defaultTimeZone: variable({
    name: 'JE_DEFAULT_TIME_ZONE',
    kind: timeZone,
    default: 'Asia/Shanghai',
    readBy: API,
    description: 'zone for customers without a `timeZone` trait and journeys without `settings.timeZone` (the API hands it to every run it starts)',
  }),
  lateEventGraceMs: variable({
    name: 'JE_LATE_EVENT_GRACE',
    kind: duration,
    default: 'PT5M',
    readBy: API,
    description: 'how long a wait-for-event keeps listening after its window for events timestamped inside it (the API hands it to every run it starts)',
  }),
  globalHoldoutPercent: variable({
    name: 'JE_GLOBAL_HOLDOUT_PERCENT',
    kind: integer(0, 50),
    default: '0',
    readBy: API,
    description:
      'percent of customers held out of every journey that has a marketing action, chosen by a hash of the customer id (the same customers always); a held-out entry is refused and recorded as `global_holdout` in the customer history (see [api](api.md#get-v1customerscustomeridhistory)). `0`: nobody',
  }),
  temporalSearchAttributes: variable({
    name: 'JE_TEMPORAL_SEARCH_ATTRIBUTES',
    kind: flag,
    default: '1',
    readBy: BOTH,
    description:
      'start every run with the Temporal search attributes `CustomerId`, `JourneyId`, `JourneyVersion`; the API and the worker check at start-up that the namespace has them and stop with the commands to run when not (see [Search attributes](#search-attributes-finding-a-customers-runs-in-temporal)). `0` only for a Temporal that cannot register them',
  }),
  maxHistoryEvents: variable({
    name: 'JE_MAX_HISTORY_EVENTS',
    kind: integer(100, 50_000),
    default: '10000',
    readBy: API,
    description: 'a run continues as new past this many history events (Temporal\'s own suggestion also counts; the API hands it to every run it starts)',
  }),
  dbApplicationName: variable({
    name: 'JE_DB_APPLICATION_NAME',
    kind: checked(
      "1 to 50 of letters, digits, `.`, `_`, `-`",
      // PostgreSQL cuts application_name at 63 bytes and shows non-ASCII as '?'; `-worker` is appended.
      (name) => /^[A-Za-z0-9._-]{1,50}$/.test(name),
      (name) => `must be 1 to 50 letters, digits, '.', '_' or '-', got "${name}"`,
    ),
    default: 'journey-engine',
    readBy: BOTH,
    description:
      'prefix of the PostgreSQL `application_name`: the connections show in `pg_stat_activity` as `<prefix>-api` and `<prefix>-worker` (the migration runner as `journey-engine-migrate`), to tell deployments sharing a database apart',
  }),
  logLevel: variable({
    name: 'JE_LOG_LEVEL',
    kind: oneOf(['debug', 'info', 'warn', 'error']),
    default: 'info',
    readBy: BOTH,
    description: 'lowest level of the JSON log lines',
  }),
  workerMetricsPort: variable({
    name: 'JE_WORKER_METRICS_PORT',
    kind: port,
    default: '9464',
    readBy: WORKER,
    description: 'the worker\'s `/metrics` and `/health/*` port (`0` turns it off); see [runtime.md](runtime.md#observability)',
  }),
  stuckAfterMs: variable({
    name: 'JE_STUCK_AFTER',
    kind: duration,
    default: 'PT1H',
    readBy: API,
    description: 'an active run not waiting and without a step for this long is listed as stuck (`no_progress`)',
  }),
  twilioAccountSid: variable({
    name: 'TWILIO_ACCOUNT_SID',
    kind: checked(
      '`AC` + 32 hex digits',
      (sid) => /^AC[0-9a-fA-F]{32}$/.test(sid),
      () => 'must be a Twilio account SID: AC followed by 32 hexadecimal characters',
    ),
    unset: 'SMS go to the recording channel',
    readBy: WORKER,
    description: 'the Twilio account the `sms` action sends through; set together with `TWILIO_AUTH_TOKEN`, and with `TWILIO_FROM` or `TWILIO_MESSAGING_SERVICE_SID`; see [channels](channels.md)',
  }),
  twilioAuthToken: variable({
    name: 'TWILIO_AUTH_TOKEN',
    kind: text(),
    secret: true,
    readBy: BOTH,
    description: 'auth token of `TWILIO_ACCOUNT_SID`; the API also checks the signatures of Twilio\'s status reports with it',
  }),
  twilioFrom: variable({
    name: 'TWILIO_FROM',
    kind: checked(
      'E.164 number',
      (number) => /^\+[1-9]\d{6,14}$/.test(number),
      (number) => `must be an E.164 number such as +8613800000000, got "${number}"`,
    ),
    readBy: WORKER,
    description: 'sender number of the SMS, e.g. `+8613800000000`; or give `TWILIO_MESSAGING_SERVICE_SID`',
  }),
  twilioMessagingServiceSid: variable({
    name: 'TWILIO_MESSAGING_SERVICE_SID',
    kind: checked(
      '`MG` + 32 hex digits',
      (sid) => /^MG[0-9a-fA-F]{32}$/.test(sid),
      () => 'must be a Messaging Service SID: MG followed by 32 hexadecimal characters',
    ),
    readBy: WORKER,
    description: 'the Twilio Messaging Service that sends the SMS, instead of `TWILIO_FROM`',
  }),
  twilioApiBaseUrl: variable({
    name: 'TWILIO_API_BASE_URL',
    kind: httpUrl,
    unset: 'Twilio\'s own API origin',
    readBy: WORKER,
    description: 'Twilio API origin: a regional edge, or a fake in tests',
  }),
  aliyunAccessKeyId: variable({
    name: 'ALIYUN_ACCESS_KEY_ID',
    kind: text(),
    unset: '`aliyun-sms` goes to the recording channel',
    readBy: WORKER,
    description: 'the Aliyun AccessKey ID the `aliyun-sms` action sends through (a RAM user with `dysms:SendSms` and `dysms:QuerySendDetails`); set together with `ALIYUN_ACCESS_KEY_SECRET`; see [channels](channels.md#aliyun-sms)',
  }),
  aliyunAccessKeySecret: variable({
    name: 'ALIYUN_ACCESS_KEY_SECRET',
    kind: text(),
    secret: true,
    readBy: WORKER,
    description: 'the AccessKey secret of `ALIYUN_ACCESS_KEY_ID`: requests are signed with it (ACS3-HMAC-SHA256)',
  }),
  aliyunSmsApiBaseUrl: variable({
    name: 'ALIYUN_SMS_API_BASE_URL',
    kind: httpUrl,
    unset: 'Aliyun\'s own endpoint, `https://dysmsapi.aliyuncs.com`',
    readBy: WORKER,
    description: 'Aliyun SMS API origin: a regional endpoint, or a fake in tests',
  }),
  aliyunSmsReportToken: variable({
    name: 'ALIYUN_SMS_REPORT_TOKEN',
    kind: text(),
    secret: true,
    unset: 'Aliyun delivery receipts are refused (the route answers 404)',
    readBy: API,
    description:
      'a random secret (`openssl rand -hex 32`) in the receipt URL configured in the Aliyun SMS console, `<JE_PUBLIC_BASE_URL>/v1/providers/aliyun-sms/status?token=<token>`: Aliyun does not sign its HTTP pushes, so the token is what authenticates them',
  }),
  tencentSecretId: variable({
    name: 'TENCENTCLOUD_SECRET_ID',
    kind: text(),
    unset: '`tencent-sms` goes to the recording channel',
    readBy: WORKER,
    description: 'the Tencent Cloud SecretId the `tencent-sms` action sends through (a CAM user with `sms:SendSms` and `sms:PullSmsSendStatusByPhoneNumber`); set together with `TENCENTCLOUD_SECRET_KEY` and `TENCENT_SMS_SDK_APP_ID`; see [channels](channels.md#tencent-sms)',
  }),
  tencentSecretKey: variable({
    name: 'TENCENTCLOUD_SECRET_KEY',
    kind: text(),
    secret: true,
    readBy: WORKER,
    description: 'the SecretKey of `TENCENTCLOUD_SECRET_ID`: requests are signed with it (TC3-HMAC-SHA256)',
  }),
  tencentSmsSdkAppId: variable({
    name: 'TENCENT_SMS_SDK_APP_ID',
    kind: checked('digits', (id) => /^\d{6,20}$/.test(id), () => 'must be the SMS application\'s SdkAppId, e.g. 1400006666'),
    readBy: WORKER,
    description: 'the SMS application (SmsSdkAppId) the templates and signatures belong to',
  }),
  tencentSmsRegion: variable({
    name: 'TENCENT_SMS_REGION',
    kind: text(),
    default: 'ap-guangzhou',
    readBy: WORKER,
    description: 'the Tencent Cloud region of the SMS API (`ap-guangzhou`, `ap-beijing` or `ap-nanjing`)',
  }),
  tencentSmsApiBaseUrl: variable({
    name: 'TENCENT_SMS_API_BASE_URL',
    kind: httpUrl,
    unset: 'Tencent Cloud\'s own endpoint, `https://sms.tencentcloudapi.com`',
    readBy: WORKER,
    description: 'Tencent Cloud SMS API origin: a nearby endpoint, or a fake in tests',
  }),
  tencentSmsCallbackToken: variable({
    name: 'TENCENT_SMS_CALLBACK_TOKEN',
    kind: text(),
    secret: true,
    unset: 'Tencent Cloud status callbacks are refused (the route answers 404)',
    readBy: API,
    description:
      'a random secret (`openssl rand -hex 32`) in the status-callback URL configured in the Tencent Cloud SMS console, `<JE_PUBLIC_BASE_URL>/v1/providers/tencent-sms/status?token=<token>`: Tencent Cloud does not sign its callbacks, so the token is what authenticates them',
  }),
  jpushAppKey: variable({
    name: 'JPUSH_APP_KEY',
    kind: checked('24 hex digits', (key) => /^[0-9a-f]{24}$/i.test(key), () => 'must be the AppKey of the JPush application: 24 hexadecimal characters'),
    unset: '`jpush` goes to the recording channel',
    readBy: WORKER,
    description: 'the AppKey of the JPush (极光推送) application the `jpush` action pushes through; set together with `JPUSH_MASTER_SECRET`; see [channels](channels.md#jpush)',
  }),
  jpushMasterSecret: variable({
    name: 'JPUSH_MASTER_SECRET',
    kind: text(),
    secret: true,
    readBy: WORKER,
    description: 'the Master Secret of `JPUSH_APP_KEY`: requests authenticate with HTTP Basic `AppKey:MasterSecret`',
  }),
  jpushApiBaseUrl: variable({
    name: 'JPUSH_API_BASE_URL',
    kind: httpUrl,
    unset: 'JPush\'s own endpoint, `https://api.jpush.cn`',
    readBy: WORKER,
    description: 'JPush REST API origin: `https://bjapi.push.jiguang.cn` for applications in the Beijing data centre, or a fake in tests',
  }),
  jpushVendorChannels: variable({
    name: 'JPUSH_VENDOR_CHANNELS',
    kind: parsedBy('`vendor.category=channel id`, comma-separated', parseVendorChannels),
    unset: 'Xiaomi and OPPO pushes go without a channel id (their default channel, treated as the lowest class)',
    readBy: WORKER,
    description:
      'the notification channels registered in the Xiaomi and OPPO developer consoles, by message category, e.g. `xiaomi.marketing=101,xiaomi.transactional=102,oppo.marketing=mkt,oppo.transactional=svc`; see [channels](channels.md#vendor-classification)',
  }),
  firebaseCredentials: variable({
    name: 'FIREBASE_CREDENTIALS',
    kind: readableFile('service-account key file'),
    secret: true,
    unset: 'pushes go to the recording channel',
    readBy: WORKER,
    description: 'the Firebase service-account key file the `push` action sends through (FCM)',
  }),
  publicBaseUrl: variable({
    name: 'JE_PUBLIC_BASE_URL',
    kind: httpUrl,
    unset: 'no provider webhooks',
    readBy: BOTH,
    description:
      'the API\'s public origin (`https://journeys.example.com`): Twilio delivery reports and STOP replies are posted to it and their signatures checked against it',
  }),
  webhookSecret: variable({
    name: 'JE_WEBHOOK_SECRET',
    kind: checked(
      `at least ${WEBHOOK_SECRET_MIN_LENGTH} characters`,
      (secret) => secret.length >= WEBHOOK_SECRET_MIN_LENGTH,
      // The value itself is never echoed: it is a secret even when it is too short.
      (secret) =>
        `must be at least ${WEBHOOK_SECRET_MIN_LENGTH} characters (got ${secret.length}); generate one with \`openssl rand -hex 32\``,
    ),
    secret: true,
    unset: 'webhooks go to the recording channel',
    readBy: WORKER,
    description:
      'signing secret of the `webhook` action: every request carries `X-Journey-Signature` (HMAC-SHA256) and an `Idempotency-Key` receivers must dedup on; see [channels](channels.md#webhooks)',
  }),
  webhookAllowedHosts: variable({
    name: 'JE_WEBHOOK_ALLOWED_HOSTS',
    kind: parsedBy('comma-separated host names or IP addresses', (raw) => {
      const hosts = raw.split(',').map((h) => h.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1')).filter(Boolean);
      const bad = hosts.find((h) => !/^[a-z0-9.:_-]+$/.test(h));
      if (bad !== undefined) throw new Error(`"${bad}" is not a host name or IP address (give names without scheme, port or path, separated by commas)`);
      return hosts;
    }),
    unset: 'only https:// URLs of public addresses',
    readBy: BOTH,
    description:
      'hosts the `webhook` action may call although they are not public (loopback, private, link-local...) or use http://: exact host names or addresses, e.g. `crm.internal,10.0.4.7`; checked at publish and at send time, see [channels](channels.md#where-a-webhook-may-go)',
  }),
  crmWebhookUrl: variable({
    name: 'JE_CRM_WEBHOOK_URL',
    kind: httpUrl,
    unset: 'tasks stay in our table only',
    readBy: WORKER,
    description:
      'an external CRM that receives a copy of every CRM task (POST with `Idempotency-Key`; unacknowledged copies are re-posted every minute by the worker)',
  }),
  frequencyCaps: variable({
    name: 'JE_FREQUENCY_CAPS',
    kind: parsedBy('`action:max/duration`, comma-separated', parseFrequencyCaps),
    default: '',
    unset: 'none',
    readBy: WORKER,
    description:
      'marketing caps per customer and action across all journeys, e.g. `sms:2/P7D,push:5/P1D`; see [send policy](runtime.md#send-policy-consent-frequency-caps-quiet-hours-rates)',
  }),
  sendRateLimits: variable({
    name: 'JE_SEND_RATE_LIMITS',
    kind: parsedBy('`action:perSecond`, comma-separated', parseRateLimits),
    default: '',
    unset: 'unlimited',
    readBy: WORKER,
    description: 'sends per second per worker process and action, e.g. `sms:50,push:200`',
  }),
};

/** A field of the catalogue. */
export type CatalogueField = keyof typeof CATALOGUE;

/** The value of each catalogue field, as loadConfig() reads it. */
export type CatalogueValues = { [F in CatalogueField]: (typeof CATALOGUE)[F] extends Variable<infer V> ? V : never };

/** The catalogue as a list, in its order. */
export const VARIABLES: readonly (Variable<unknown> & { field: CatalogueField })[] = (Object.keys(CATALOGUE) as CatalogueField[]).map((field) => ({
  ...CATALOGUE[field],
  field,
}));
