/** Wait for a duration, until an instant, or until a local time of day; optionally spreading wake-ups. */
import { parseDuration } from '../duration.js';
import { parseTimeOfDay } from '../time.js';
import { alreadyReported, issue } from './checks.js';
import { defineNodeKind, nextPort, nodeBase, ref } from './kind.js';

export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

/**
 * Wait for a duration, until an instant, or until a local time of day on chosen weekdays.
 * `spread` (an ISO duration) spreads the wake-ups of customers whose waits end together over that
 * long after the end: each customer wakes at its own fixed offset within it.
 */
export type WaitNode = { id: string; label?: string; type: 'wait'; spread?: string } & (
  | { duration: string }
  | { until: string }
  | { timeOfDay: string; weekdays?: Weekday[]; timeZone?: string }
);

/** The longest `spread` a wait may have: wake-ups are smoothed over minutes or hours, not moved by days. */
const MAX_WAIT_SPREAD_MS = 24 * 3_600_000;

export const waitKind = defineNodeKind<WaitNode>({
  type: 'wait',
  purpose: 'Pause for a duration, until an instant, or until a local time of day',
  portsText: '`next`',
  branching: false,
  schema: {
    wait: {
      type: 'object',
      description: 'Wait for a duration, until an instant, or until a local time of day. Port: next.',
      required: ['id', 'type'],
      additionalProperties: false,
      properties: {
        ...nodeBase,
        type: { const: 'wait' },
        duration: ref('duration'),
        until: { type: 'string', format: 'date-time', description: 'ISO 8601 instant with an offset, e.g. 2025-03-01T09:00:00+08:00.' },
        timeOfDay: { type: 'string', format: 'time-of-day', description: 'Local time "HH:MM" (24-hour clock).' },
        weekdays: { type: 'array', items: ref('weekday'), description: 'Days the time of day may fall on; empty or absent means every day.' },
        timeZone: { ...ref('timeZone'), description: "Explicit zone; by default the customer's zone." },
        spread: {
          ...ref('duration'),
          description:
            'Spread the wake-ups over this long after the wait ends (at most P1D), e.g. PT30M: each customer wakes at its own fixed offset within it, so that a segment parked until one instant does not wake all at once.',
        },
      },
      dependentRequired: { weekdays: ['timeOfDay'], timeZone: ['timeOfDay'] },
      oneOf: [{ required: ['duration'] }, { required: ['until'] }, { required: ['timeOfDay'] }],
    },
  },
  ports: nextPort,
  // A wait's `spread`, once the schema found it a valid duration: at most a day.
  issues: (node, path, { reported, name }) => {
    const at = `${path}.spread`;
    if (typeof node.spread !== 'string' || alreadyReported(reported, at)) return [];
    if (parseDuration(node.spread) <= MAX_WAIT_SPREAD_MS) return [];
    return [issue('spread_too_long', `${name}spread "${node.spread}" is longer than a day (P1D); wake-ups are spread over at most a day`, at)];
  },
  compile: (node, next, base) => {
    const spread = node.spread !== undefined ? { spreadMs: parseDuration(node.spread) } : {};
    if ('duration' in node) return { ...base, kind: 'wait_duration', durationMs: parseDuration(node.duration), ...spread, next: next.next };
    if ('until' in node) return { ...base, kind: 'wait_until', until: node.until, ...spread, next: next.next };
    return {
      ...base,
      kind: 'wait_time_of_day',
      ...parseTimeOfDay(node.timeOfDay),
      weekdays: node.weekdays ?? [],
      timeZone: node.timeZone ?? null,
      ...spread,
      next: next.next,
    };
  },
});
