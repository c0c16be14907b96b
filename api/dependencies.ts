/**
 * The API's dependencies when they fail: the answer bounds it documents (docs/operations.md, "When a
 * dependency goes down"), how it connects to Temporal so that it reconnects promptly, which errors
 * mean "PostgreSQL / Temporal unreachable", and the 503 it answers for them.
 */
import { Connection, isGrpcServiceError, type Client, type ConnectionOptions } from '@temporalio/client';
import { isDatabaseUnavailable } from '../core/dependency-errors.js';
import type { DispatchPolicy } from '../core/events/ingestion.js';
import type { TemporalCallPolicy } from '../core/journeys/api-entry.js';
import type { DependencyStatus } from './dependency-monitor.js';
import { ApiError } from './http/api-error.js';

/** A dependency the API cannot answer without. */
export type Dependency = 'database' | 'temporal';

/** The documented answer bounds. */
export const API_BOUNDS = {
  /** An event batch is answered within this once stored (it dispatches in the request for EVENT_DISPATCH_BUDGET_MS at most). */
  eventBatchMs: 4_000,
  /** A route that needs Temporal (API entry, exit request) gives up on Temporal after this. */
  temporalCallMs: 5_000,
  /** Waiting for a pooled PostgreSQL connection gives up after this (store/data-source.ts). */
  databaseConnectMs: 5_000,
} as const;

/** How long the request that stored a batch dispatches it before answering; the outbox does the rest. */
export const EVENT_DISPATCH_BUDGET_MS = 2_000;

/** What a 503 tells the client to wait before retrying, in seconds. */
export const RETRY_AFTER_SECONDS = 5;

/**
 * gRPC reconnects with exponential backoff (1 s growing to 120 s by default): after a long outage the
 * channel could sleep for tens of seconds after Temporal is back. These bound each wait to 1 s.
 */
export const API_TEMPORAL_CHANNEL_ARGS = {
  'grpc.initial_reconnect_backoff_ms': 250,
  'grpc.min_reconnect_backoff_ms': 250,
  'grpc.max_reconnect_backoff_ms': 1_000,
} as const;

/** Connects the API's Temporal client with the reconnect settings above. */
export function connectApiTemporal(options: ConnectionOptions): Promise<Connection> {
  return Connection.connect({ ...options, channelArgs: { ...API_TEMPORAL_CHANNEL_ARGS, ...options.channelArgs } });
}

/** Runs `fn` with every Temporal call in it bounded by `ms` (a call past the deadline fails with DEADLINE_EXCEEDED). */
export function withTemporalDeadline<T>(temporal: Client, ms: number, fn: () => Promise<T>): Promise<T> {
  const connection = temporal.connection as Client['connection'] | undefined;
  return connection ? connection.withDeadline(Date.now() + ms, fn) : fn();
}

/** gRPC status codes UNAVAILABLE (14) and DEADLINE_EXCEEDED (4). */
const TEMPORAL_UNREACHABLE = new Set<number>([14, 4]);

/** Whether `err` (or an error it wraps) says the Temporal frontend did not answer: unavailable, or not within the deadline. */
export function isTemporalUnavailable(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 4) return false;
  if (err instanceof DependencyUnavailableError) return err.dependency === 'temporal';
  if (isGrpcServiceError(err) && TEMPORAL_UNREACHABLE.has(err.code)) return true;
  return isTemporalUnavailable((err as { cause?: unknown }).cause, depth + 1);
}

/** The dependency `err` says is unreachable, or null for any other error. */
export function unavailableDependencyOf(err: unknown): Dependency | null {
  if (err instanceof DependencyUnavailableError) return err.dependency;
  if (isDatabaseUnavailable(err)) return 'database';
  if (isTemporalUnavailable(err)) return 'temporal';
  return null;
}

const WHAT: Record<Dependency, string> = {
  database: 'The database (PostgreSQL) is unreachable',
  temporal: 'The workflow engine (Temporal) is unreachable',
};

/** 503 `dependency_unavailable`, naming the dependency; the error filter adds `Retry-After`. */
export class DependencyUnavailableError extends ApiError {
  constructor(
    readonly dependency: Dependency,
    detail = 'nothing was changed; retry later',
    extra: Record<string, unknown> = {},
  ) {
    super(503, 'dependency_unavailable', `${WHAT[dependency]}: ${detail}`, { dependency, ...extra });
    this.name = 'DependencyUnavailableError';
  }
}

/** The API's policy for work that needs Temporal (core/journeys/api-entry.ts): bounded calls, 503 while it is down. */
export function apiTemporalPolicy(temporal: Client, status?: DependencyStatus): TemporalCallPolicy {
  return {
    refuseIfDown(detail) {
      if (status?.isDown('temporal')) throw new DependencyUnavailableError('temporal', detail);
    },
    bounded: (fn) => withTemporalDeadline(temporal, API_BOUNDS.temporalCallMs, fn),
    deferredStart(enrollmentId) {
      const error = new DependencyUnavailableError(
        'temporal',
        `enrollment "${enrollmentId}" is recorded and its run starts once Temporal is back; a retry answers already_enrolled (or duplicate_trigger with the same idempotencyKey)`,
        { enrollmentId, runStart: 'pending' },
      );
      status?.reportFailure('temporal', error);
      return error;
    },
  };
}

/** The API's policy for event dispatch (core/events/ingestion.ts): deadline-bounded Temporal calls, outages told apart, a deferred run start is a Temporal outage. */
export const apiDispatchPolicy: DispatchPolicy = {
  bounded: withTemporalDeadline,
  unavailableDependencyOf,
  deferredStart: (detail) => new DependencyUnavailableError('temporal', detail),
};
