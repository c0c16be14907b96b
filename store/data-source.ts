/** The one TypeORM DataSource factory: PostgreSQL from a URL, migrations from `migrations/`, never synchronize. */
import type { EventEmitter } from 'node:events';
import { DataSource, type EntityManager } from 'typeorm';
import { MIGRATIONS } from '../migrations/index.js';

export interface DataSourceOptions {
  /** Pool size; the worker and the API each hold one pool. */
  poolSize?: number;
  applicationName?: string;
  /** Waiting for a pooled connection (a new one, or a busy pool's) gives up after this; default 5 s. */
  connectTimeoutMs?: number;
}

/** How long a caller waits for a pooled connection by default: an unreachable server fails within it. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

export function createDataSource(databaseUrl: string, options: DataSourceOptions = {}): DataSource {
  const db = new DataSource({
    type: 'postgres',
    url: databaseUrl,
    synchronize: false,
    migrationsRun: false,
    migrations: MIGRATIONS,
    migrationsTableName: 'schema_migrations',
    entities: [],
    logging: false,
    applicationName: options.applicationName ?? 'journey-engine',
    extra: { max: options.poolSize ?? 10, connectionTimeoutMillis: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS },
  });
  const initialize = db.initialize.bind(db);
  db.initialize = async () => {
    await initialize();
    guardPoolClients(db);
    return db;
  };
  return db;
}

/**
 * The SQLSTATE of a PostgreSQL error, whether node-postgres threw it (`code`) or TypeORM wrapped it
 * in a QueryFailedError (`driverError.code`); undefined for anything else.
 */
export function pgErrorCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; driverError?: { code?: unknown } } | null;
  const code = e?.code ?? e?.driverError?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Socket-level failures reaching the server (node's error codes). */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/** SQLSTATEs of a server that is going away or not taking connections: admin/crash shutdown, cannot connect now, too many connections. */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);
/** What node-postgres and its pool say when a connection dies or cannot be had in time. */
const UNAVAILABLE_MESSAGES = [/timeout exceeded when trying to connect/i, /^connection terminated/i, /connection error and is not queryable/i, /the database system is (shutting down|starting up)/i];

/**
 * Whether `err` says PostgreSQL cannot be reached or is going away (refused, reset, shutting down,
 * no pooled connection in time), as opposed to a query that failed on a working server. Looks through
 * TypeORM's `driverError`, `cause` and the attempts of an AggregateError (Node tries each address).
 */
export function isDatabaseUnavailable(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 4) return false;
  const e = err as { code?: unknown; message?: unknown; driverError?: unknown; cause?: unknown; errors?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  if (NETWORK_CODES.has(code) || UNAVAILABLE_SQLSTATES.has(code) || code.startsWith('08')) return true;
  if (typeof e.message === 'string' && UNAVAILABLE_MESSAGES.some((re) => re.test(e.message as string))) return true;
  const nested = [e.driverError, e.cause, ...(Array.isArray(e.errors) ? e.errors : [])];
  return nested.some((n) => isDatabaseUnavailable(n, depth + 1));
}

/** PostgreSQL's SQLSTATE for a statement cancelled by `statement_timeout` (or a cancel request). */
const PG_QUERY_CANCELED = '57014';

/**
 * Runs `work` in a transaction whose every statement may run at most `timeoutMs` (`SET LOCAL
 * statement_timeout`, which ends with the transaction). A statement cancelled for it throws
 * `onTimeout(ms)` instead of the database error; any other error passes through.
 */
export async function withStatementTimeout<T>(
  db: DataSource,
  timeoutMs: number,
  work: (tx: EntityManager) => Promise<T>,
  onTimeout: (ms: number) => Error,
): Promise<T> {
  const ms = Math.max(1, Math.round(timeoutMs));
  try {
    return await db.transaction(async (tx) => {
      await tx.query(`SET LOCAL statement_timeout = ${ms}`);
      return await work(tx);
    });
  } catch (err) {
    if (pgErrorCode(err) === PG_QUERY_CANCELED) throw onTimeout(ms);
    throw err;
  }
}

/**
 * Runs `work` in one read-only REPEATABLE READ transaction (a consistent snapshot on one pooled
 * connection) whose every statement may run at most `timeoutMs`. Read models (monitoring figures,
 * metrics scrapes) use it; a cancelled statement throws the database error.
 */
export async function withReadOnlySnapshot<T>(db: DataSource, timeoutMs: number, work: (tx: EntityManager) => Promise<T>): Promise<T> {
  const ms = Math.max(1, Math.round(timeoutMs));
  return db.transaction('REPEATABLE READ', async (tx) => {
    await tx.query(`SET TRANSACTION READ ONLY`);
    await tx.query(`SET LOCAL statement_timeout = ${ms}`);
    return work(tx);
  });
}

interface PgClient extends EventEmitter {
  __jeGuarded?: boolean;
}

/**
 * node-postgres emits 'error' on a client whose connection dies (PostgreSQL restarted, connections
 * terminated, network cut). The pool listens only while a client is idle; a client checked out
 * between two queries of a transaction has no listener, and the unhandled event crashes the process.
 * Every client gets a listener for its whole life: the query in flight (or the next one) fails,
 * the activity retries, and the pool replaces the broken client.
 */
function guardPoolClients(db: DataSource): void {
  const pool = (db.driver as unknown as { master?: EventEmitter & { _clients?: PgClient[] } }).master;
  if (!pool) return;
  const guard = (client: PgClient) => {
    if (client.__jeGuarded) return;
    client.__jeGuarded = true;
    client.on('error', () => {
      // Reported to the caller by the failing query; nothing to do here but stay alive.
    });
  };
  for (const client of pool._clients ?? []) guard(client);
  pool.on('connect', guard);
}
