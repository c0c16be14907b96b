/**
 * A channel descriptor: everything the system needs to know about one action, exported by its folder
 * under activities/channels/ and listed once in registry.ts. The worker builds the sender from it, the
 * API validates canvases, documents the action and mounts its delivery-report route from it, and the
 * send ledger applies consent, caps and quiet hours by its kind and category.
 */
import type { DataSource } from 'typeorm';
import type { CatalogueField } from '../../config/catalogue.js';
import type { EngineConfig } from '../../config/index.js';
import type { ActionCategory, ActionSpec } from '../../engine/actions.js';
import type { DocumentIssue } from '../../engine/errors.js';
import type { ActionChannel, DeliveryReport } from './channel.js';


/** Provider settings of the channels: the engine configuration (each channel sees only the variables it declares). */
export type ChannelSettings = Partial<EngineConfig>;

/** A configuration variable a channel may read, by its field in the catalogue (config/catalogue.ts). */
export type ChannelVariable = Extract<CatalogueField, keyof EngineConfig>;

/** The settings a channel's factory sees: only the configuration variables its descriptor declares. */
export type ChannelSettingsOf<F extends ChannelVariable> = Partial<Pick<EngineConfig, F>>;

/** What a channel's factory is built from. */
export interface ChannelFactoryDeps<F extends ChannelVariable = ChannelVariable> {
  db: DataSource;
  /** The declared variables' values; empty when the worker runs without provider settings (recording stand-ins). */
  settings: ChannelSettingsOf<F>;
}

/** A provider's status callback, as the API's delivery-report route hands it to the descriptor. */
export interface CallbackRequest {
  /** The public URL the provider posted to (JE_PUBLIC_BASE_URL + path and query). */
  publicUrl: string;
  headers: Record<string, string | string[] | undefined>;
  /** The parsed form or JSON body. */
  fields: Record<string, unknown>;
}

/**
 * A parsed callback: a report, several (providers that push reports in batches), a body to refuse with
 * 400 (`invalid`), or a status we do not track (`ignored`).
 */
export type CallbackReading = { report: DeliveryReport } | { reports: DeliveryReport[] } | { invalid: string } | { ignored: string };

/** The delivery-report route of a channel: `POST /v1/providers/<name>/status`. */
export interface DeliveryReportRoute<F extends ChannelVariable = ChannelVariable> {
  /** The path segment `<name>`, usually the provider's name. */
  name: string;
  /** The ledger's `provider` of the messages the reports are about (ChannelResult.provider). */
  provider: string;
  /** Rank of each delivery status the parser produces (a lower rank never overwrites a higher one). */
  ranks: Record<string, number>;
  /**
   * The signature check for these settings, or null when the route is not served (the provider is not
   * configured: the route answers 404). The check returns null for a genuine request, else why not.
   */
  verifier(settings: ChannelSettingsOf<F>): ((req: CallbackRequest) => string | null) | null;
  /** Reads the body (a form or JSON object; a provider posting a JSON array gets the array). */
  parse(fields: Record<string, unknown>): CallbackReading;
  /** The 200 answer the provider expects (e.g. `{ code: 0 }`); without it the route answers 204 with no body. */
  acknowledgement?: Record<string, unknown>;
  /** A report in plain words for the customer history (status meaning, and the provider's error code explained). */
  explain?(status: string, errorCode: string | null): string;
  /** Runs before the report is recorded, once its message is known (e.g. an opt-out the report carries). */
  beforeRecord?(report: DeliveryReport, about: { db: DataSource; customerId: string }): Promise<void>;
}

/** One channel, declared once. */
export interface ChannelDescriptor<F extends ChannelVariable = ChannelVariable> {
  /** The action name canvases use (`sms`); one descriptor per action. */
  action: string;
  /** What marketers read, the JSON Schema of `params` and which params are templates. */
  spec: ActionSpec;
  /** `touch` actions reach a customer through the send ledger; `internal` ones change our own data idempotently. */
  kind: 'touch' | 'internal';
  /** The category of an action node that names none: marketing touches obey consent, caps and quiet hours. */
  defaultCategory: ActionCategory;
  /** The configuration variables (config/catalogue.ts) the factory reads; it sees no others. */
  variables: readonly F[];
  /** Publish-time checks of params that depend on the declared settings (replaces spec.paramsIssues when given). */
  paramsIssues?(settings: ChannelSettingsOf<F>): (params: Record<string, unknown>, paramsPath: string) => DocumentIssue[];
  /** Builds the sender (execute, lookup, error classification) from the database and the declared settings. */
  create(deps: ChannelFactoryDeps<F>): ActionChannel;
  /** The provider's status callback, when it sends delivery reports. */
  deliveryReports?: DeliveryReportRoute<F>;
}

/** Declares a channel; the type parameter ties its factory's settings to its declared variables. */
export function defineChannel<const F extends ChannelVariable = never>(descriptor: ChannelDescriptor<F>): ChannelDescriptor {
  return descriptor as unknown as ChannelDescriptor;
}

/** Path of a delivery-report route under the API's origin. */
export function deliveryReportPath(name: string): string {
  return `/v1/providers/${name}/status`;
}

/** Only the variables `descriptor` declares, out of the whole configuration. */
export function settingsFor(descriptor: ChannelDescriptor, settings: Partial<EngineConfig> | undefined): Partial<EngineConfig> {
  if (!settings) return {};
  return Object.fromEntries(descriptor.variables.filter((v) => Object.hasOwn(settings, v)).map((v) => [v, settings[v]]));
}

/** The canvas-facing spec of a descriptor: its params plus its default category, and its settings-bound params checks. */
export function actionSpecOf(descriptor: ChannelDescriptor, settings?: Partial<EngineConfig>): ActionSpec {
  const paramsIssues = descriptor.paramsIssues?.(settingsFor(descriptor, settings)) ?? descriptor.spec.paramsIssues;
  return { ...descriptor.spec, defaultCategory: descriptor.defaultCategory, ...(paramsIssues ? { paramsIssues } : {}) };
}

/** The action specs of a registry, for the compiler (`compileCanvas(doc, { actions })`), with the operator's settings. */
export function actionSpecsOf(descriptors: readonly ChannelDescriptor[], settings?: Partial<EngineConfig>): Record<string, ActionSpec> {
  return Object.fromEntries(descriptors.map((d) => [d.action, actionSpecOf(d, settings)]));
}
