/**
 * The simulation request's script, checked: the start instant, the horizon, the scripted events (each
 * `at` an ISO instant or an ISO duration after the start) and an inline customer. Every problem is
 * reported with its JSON path, so the API answers 400 with all of them and the CLI prints them.
 */
import { parseDuration } from '../duration.js';
import type { DocumentIssue } from '../errors.js';
import { parseInstant } from '../time.js';
import type { ScriptedEvent } from './simulate.js';

export const DEFAULT_HORIZON = 'P30D';
export const MAX_HORIZON_MS = 365 * 24 * 3_600_000;
export const MAX_SCRIPTED_EVENTS = 1000;
const NAME = /^[A-Za-z0-9_.:-]{1,100}$/;

export interface SimulationScript {
  start: number;
  horizonMs: number;
  /** In order of arrival. */
  events: ScriptedEvent[];
}

/** An inline customer: traits (with `consent` merged into `traits.consent`), optional segment memberships. */
export interface InlineCustomer {
  id: string;
  traits: Record<string, unknown>;
  segments: Record<string, boolean>;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; issues: DocumentIssue[] };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads `at` (an ISO instant, or an ISO duration after `start`) into epoch ms, or null. */
export function instantOrOffset(value: unknown, start: number): number | null {
  if (typeof value !== 'string') return null;
  if (value.startsWith('P')) {
    try {
      return start + parseDuration(value);
    } catch {
      return null;
    }
  }
  return parseInstant(value);
}

/** Reads `horizon` (an ISO duration, default P30D, at most P365D) into ms; a problem goes to `fail` (and the default is returned). */
export function checkHorizon(value: unknown, fail: (path: string, code: string, message: string) => void): number {
  if (value === undefined) return parseDuration(DEFAULT_HORIZON);
  let parsed: number | null = null;
  try {
    parsed = typeof value === 'string' ? parseDuration(value) : null;
  } catch {
    parsed = null;
  }
  if (parsed === null || parsed <= 0) fail('$.horizon', 'invalid_duration', '$.horizon must be an ISO 8601 duration such as P30D');
  else if (parsed > MAX_HORIZON_MS) fail('$.horizon', 'horizon_too_long', '$.horizon must be at most P365D');
  else return parsed;
  return parseDuration(DEFAULT_HORIZON);
}

/** Checks `{ events, start?, horizon? }`; `now` is the default start. */
export function checkScript(body: Record<string, unknown>, now: number): Checked<SimulationScript> {
  const issues: DocumentIssue[] = [];
  const fail = (path: string, code: string, message: string) => issues.push({ path, code, message });
  let start = now;
  if (body.start !== undefined) {
    const parsed = typeof body.start === 'string' ? parseInstant(body.start) : null;
    if (parsed === null) fail('$.start', 'invalid_instant', '$.start must be an ISO 8601 instant with a zone, e.g. 2026-03-02T09:00:00Z');
    else start = parsed;
  }
  const horizonMs = checkHorizon(body.horizon, fail);
  const events: ScriptedEvent[] = [];
  const raw = body.events ?? [];
  if (!Array.isArray(raw)) fail('$.events', 'invalid_type', '$.events must be an array');
  else if (raw.length > MAX_SCRIPTED_EVENTS) fail('$.events', 'too_many', `$.events may hold at most ${MAX_SCRIPTED_EVENTS} events`);
  else {
    raw.forEach((e, i) => {
      const path = `$.events[${i}]`;
      if (!isObject(e)) return fail(path, 'invalid_type', `${path} must be an object`);
      if (typeof e.name !== 'string' || !NAME.test(e.name)) fail(`${path}.name`, 'invalid_name', `${path}.name must be an event name (letters, digits, _ . : -)`);
      const at = instantOrOffset(e.at, start);
      if (at === null) fail(`${path}.at`, 'invalid_time', `${path}.at must be an ISO instant or an ISO duration after the start, e.g. P2DT3H`);
      else if (at < start) fail(`${path}.at`, 'before_start', `${path}.at is before the simulation starts`);
      const eventTime = e.eventTime === undefined || at === null ? at : instantOrOffset(e.eventTime, start);
      if (eventTime === null && at !== null) fail(`${path}.eventTime`, 'invalid_time', `${path}.eventTime must be an ISO instant or an ISO duration after the start`);
      if (e.properties !== undefined && !isObject(e.properties)) fail(`${path}.properties`, 'invalid_type', `${path}.properties must be an object`);
      if (at !== null && eventTime !== null && typeof e.name === 'string') {
        events.push({ name: e.name, at, eventTime, properties: (e.properties as Record<string, unknown>) ?? {} });
      }
    });
  }
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, value: { start, horizonMs, events: events.sort((a, b) => a.at - b.at) } };
}

/** Checks an inline customer `{ id?, traits, consent?, segments? }` at `path`. */
export function checkInlineCustomer(value: unknown, path = '$.customer'): Checked<InlineCustomer> {
  const issues: DocumentIssue[] = [];
  const fail = (p: string, code: string, message: string) => issues.push({ path: p, code, message });
  if (!isObject(value)) return { ok: false, issues: [{ path, code: 'invalid_type', message: `${path} must be { traits, consent? } or { customerId }` }] };
  if (!isObject(value.traits)) fail(`${path}.traits`, 'invalid_type', `${path}.traits must be an object`);
  if (value.consent !== undefined && !isObject(value.consent)) fail(`${path}.consent`, 'invalid_type', `${path}.consent must be an object such as { "sms": false }`);
  if (value.segments !== undefined && (!isObject(value.segments) || !Object.values(value.segments).every((v) => typeof v === 'boolean'))) {
    fail(`${path}.segments`, 'invalid_type', `${path}.segments must map segment keys to true or false`);
  }
  if (value.id !== undefined && (typeof value.id !== 'string' || value.id === '' || value.id.length > 200)) fail(`${path}.id`, 'invalid_type', `${path}.id must be a string`);
  if (issues.length > 0) return { ok: false, issues };
  const traits = structuredClone(value.traits as Record<string, unknown>);
  if (value.consent) traits.consent = { ...(isObject(traits.consent) ? traits.consent : {}), ...(value.consent as Record<string, unknown>) };
  return { ok: true, value: { id: (value.id as string | undefined) ?? 'simulated-customer', traits, segments: (value.segments as Record<string, boolean>) ?? {} } };
}
