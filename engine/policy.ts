/**
 * Delivery policy math, pure: quiet hours in the customer's local time, frequency caps and send-rate
 * limits as operators write them in the environment. The workflow defers sends out of quiet hours;
 * the send ledger applies caps and consent (activities/actions.ts).
 */
import { IANAZone } from 'luxon';
import { parseDuration } from './duration.js';
import { EngineError } from './errors.js';
import { nextLocalTimeOfDay, parseTimeOfDay } from './time.js';

/** A local time window, start inclusive, end exclusive; it may wrap midnight (21:00 to 09:00). */
export interface QuietHours {
  start: { hour: number; minute: number };
  end: { hour: number; minute: number };
}

/** Parses `{ start: "21:00", end: "09:00" }` as written in a canvas. */
export function parseQuietHours(window: { start: string; end: string }): QuietHours {
  return { start: parseTimeOfDay(window.start), end: parseTimeOfDay(window.end) };
}

const minutesOf = (t: { hour: number; minute: number }) => t.hour * 60 + t.minute;

/**
 * When a send at `nowMs` falls in the quiet hours of `timeZone`, the first instant after them (the
 * next local `end`); otherwise null. Equal start and end mean no quiet hours. Daylight saving follows
 * nextLocalTimeOfDay: an `end` skipped by a spring-forward gap is the end of the gap.
 */
export function quietHoursEnd(nowMs: number, quiet: QuietHours, timeZone: string): number | null {
  const start = minutesOf(quiet.start);
  const end = minutesOf(quiet.end);
  if (start === end) return null;
  const local = new Date(nowMs + IANAZone.create(timeZone).offset(nowMs) * 60_000);
  const now = local.getUTCHours() * 60 + local.getUTCMinutes();
  const inside = start < end ? now >= start && now < end : now >= start || now < end;
  if (!inside) return null;
  return nextLocalTimeOfDay(nowMs, { hour: quiet.end.hour, minute: quiet.end.minute, weekdays: [], timeZone });
}

/** At most `max` marketing touches of one action per customer within `windowMs`, across all journeys. */
export interface FrequencyCap {
  max: number;
  windowMs: number;
  /** As written, for records: `2/P7D`. */
  text: string;
}

/** Parses `sms:2/P7D,push:5/P1D` (action:max/ISO-duration, comma-separated) into caps by action. */
export function parseFrequencyCaps(text: string): Record<string, FrequencyCap> {
  const caps: Record<string, FrequencyCap> = {};
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const match = /^([a-z][a-z0-9_]*):(\d+)\/(P[0-9A-Z.]+)$/.exec(part);
    if (!match) {
      throw new EngineError('invalid_frequency_cap', `"${part}" is not action:max/duration, e.g. sms:2/P7D`);
    }
    const [, action, max, window] = match;
    if (caps[action]) throw new EngineError('invalid_frequency_cap', `the cap for "${action}" is given twice`);
    caps[action] = { max: Number(max), windowMs: parseDuration(window), text: `${max}/${window}` };
  }
  return caps;
}

/** Parses `sms:50,push:200` (action:sends per second, per worker) into limits by action. */
export function parseRateLimits(text: string): Record<string, number> {
  const limits: Record<string, number> = {};
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const match = /^([a-z][a-z0-9_]*):(\d+(?:\.\d+)?)$/.exec(part);
    if (!match || Number(match[2]) <= 0) {
      throw new EngineError('invalid_rate_limit', `"${part}" is not action:sends-per-second with a positive rate, e.g. sms:50`);
    }
    limits[match[1]] = Number(match[2]);
  }
  return limits;
}

/** Why policy holds a marketing touch back: the ledger records it as the suppression reason. */
export interface PolicyHold {
  code: 'no_consent' | 'frequency_cap';
  message: string;
}

/**
 * A customer who set `consent.<action>` to false has opted out of marketing touches of that action; one
 * who set `consent.<kind>` to false, of every action of that kind of touch (ActionSpec.consentKind:
 * `consent.sms` holds back aliyun-sms and tencent-sms too).
 */
export function consentHold(traits: Record<string, unknown>, action: string, consentKind?: string): PolicyHold | null {
  const consent = traits.consent;
  if (!consent || typeof consent !== 'object') return null;
  const given = consent as Record<string, unknown>;
  if (given[action] === false) return { code: 'no_consent', message: `the customer has opted out of marketing ${action}` };
  if (consentKind !== undefined && given[consentKind] === false) {
    return { code: 'no_consent', message: `the customer has opted out of marketing ${consentKind} (consent.${consentKind} is false), which ${action} is` };
  }
  return null;
}

/** The cap is reached when `sentInWindow` marketing touches of the action were already sent within its window. */
export function capHold(cap: FrequencyCap, action: string, sentInWindow: number): PolicyHold | null {
  if (sentInWindow < cap.max) return null;
  return { code: 'frequency_cap', message: `${sentInWindow} marketing ${action} already sent within the cap of ${cap.text}` };
}
