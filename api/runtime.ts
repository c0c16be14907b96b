/**
 * What the API is built from: dependencies constructed by the caller (main.ts or a test) and handed
 * to Nest as plain values under these injection tokens.
 */
import type { ChannelDescriptor, ChannelSettings } from '../core/channels/descriptor.js';
import type { RunDefaults } from '../engine/runtime.js';
import type { Logger } from '../observability/logger.js';

/** The PostgreSQL DataSource (already initialized). */
export const DATA_SOURCE = Symbol('DATA_SOURCE');
/** The @temporalio/client Client. */
export const TEMPORAL_CLIENT = Symbol('TEMPORAL_CLIENT');
/** The {@link RuntimeOptions} of this API instance. */
export const RUNTIME_OPTIONS = Symbol('RUNTIME_OPTIONS');

/** The {@link ChannelRegistry} of this API instance. */
export const CHANNEL_REGISTRY = Symbol('CHANNEL_REGISTRY');

/** The channels the API knows (the worker's registry) and the provider settings their delivery-report routes check signatures with. */
export interface ChannelRegistry {
  descriptors: readonly ChannelDescriptor[];
  settings: ChannelSettings;
}

/** Settings the services need besides their connections. */
export interface RuntimeOptions {
  taskQueue: string;
  defaults: RunDefaults;
  /** The API's structured logger: enrollments and sweeps (info), deferred work (warn). */
  logger: Logger;
  /** When set, pending enrollments and undispatched events are swept on this interval. */
  recovery: RecoveryOptions | null;
  /** Called once when the app shuts down, after the HTTP server has closed (release connections). */
  onShutdown: (() => Promise<void>) | null;
  /** A segment preview's count and sample queries are cancelled after this long (JE_SEGMENT_PREVIEW_TIMEOUT). */
  segmentPreviewTimeoutMs: number;
  /** How far ahead of the server clock an event time may be (JE_MAX_EVENT_FUTURE_SKEW); absent: the configured value. */
  maxEventFutureSkewMs?: number;
}

export interface RecoveryOptions {
  /** Pending enrollments are swept on this interval. */
  intervalMs: number;
  /** The event outbox runs on this interval; default 1 s. */
  outboxIntervalMs?: number;
  /** Only work older than this is swept (younger work is still in the hands of its request). */
  olderThanMs: number;
}
