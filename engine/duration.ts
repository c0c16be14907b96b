/**
 * ISO 8601 durations (`PT2H`, `P3D`, `P1W`, `P1DT12H30M`). Days are fixed 24-hour spans here:
 * "wait P3D" means 72 hours of elapsed time; calendar-aware waits use `timeOfDay` or `until`.
 * Years and months are refused because their length is ambiguous.
 */
import { EngineError } from './errors.js';

const ISO_DURATION = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d{1,3})?)S)?)?$/;

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * The longest duration the engine accepts anywhere (waits, timeouts, cooldowns, windows, relative
 * times): P3660D, about ten years. Longer ones are typing mistakes, and past a point the instants
 * they produce no longer fit a JavaScript Date or a PostgreSQL timestamp.
 */
export const MAX_DURATION_MS = 3660 * DAY;
export const MAX_DURATION_TEXT = 'P3660D';

/** Parses an ISO 8601 duration (at most {@link MAX_DURATION_TEXT}) into milliseconds; throws EngineError(`invalid_duration`) otherwise. */
export function parseDuration(text: string): number {
  const match = typeof text === 'string' ? ISO_DURATION.exec(text) : null;
  if (!match || text === 'P' || text.endsWith('T')) {
    throw new EngineError(
      'invalid_duration',
      `"${String(text)}" is not an ISO 8601 duration such as PT2H, P3D or P1DT12H (years and months are not allowed)`,
    );
  }
  const [, weeks, days, hours, minutes, seconds] = match;
  const ms =
    Number(weeks ?? 0) * 7 * DAY +
    Number(days ?? 0) * DAY +
    Number(hours ?? 0) * HOUR +
    Number(minutes ?? 0) * MINUTE +
    Math.round(Number(seconds ?? 0) * SECOND);
  if (ms <= 0) {
    throw new EngineError('invalid_duration', `"${text}" is zero; a duration must be longer than 0 seconds`);
  }
  if (!(ms <= MAX_DURATION_MS)) {
    throw new EngineError('invalid_duration', `"${text}" is longer than ${MAX_DURATION_TEXT} (about 10 years), the longest duration the engine accepts`);
  }
  return ms;
}

/** Formats milliseconds as a compact ISO 8601 duration (for records and messages). */
export function formatDuration(ms: number): string {
  let rest = Math.max(0, Math.round(ms));
  const days = Math.floor(rest / DAY);
  rest -= days * DAY;
  const hours = Math.floor(rest / HOUR);
  rest -= hours * HOUR;
  const minutes = Math.floor(rest / MINUTE);
  rest -= minutes * MINUTE;
  const seconds = rest / SECOND;
  let time = '';
  if (hours) time += `${hours}H`;
  if (minutes) time += `${minutes}M`;
  if (seconds) time += `${seconds}S`;
  const out = `P${days ? `${days}D` : ''}${time ? `T${time}` : ''}`;
  return out === 'P' ? 'PT0S' : out;
}
