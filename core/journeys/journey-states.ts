/**
 * The journey lifecycle as a table: which actions each status admits and where they lead. A journey
 * accepts new customers only while `active`; the other states keep runs in flight going unless a stop
 * asks them to exit.
 */
import { conflict } from '../errors.js';

export const JOURNEY_STATUSES = ['draft', 'active', 'paused', 'stopped', 'archived'] as const;
export type JourneyStatus = (typeof JOURNEY_STATUSES)[number];

/** Everything a marketer can do to a journey that depends on its status. */
export type JourneyAction = 'edit_draft' | 'publish' | 'pause' | 'resume' | 'stop' | 'archive';

interface Transition {
  from: readonly JourneyStatus[];
  /** The status after the action; null keeps the current one. */
  to: JourneyStatus | null;
}

export const TRANSITIONS: Record<JourneyAction, Transition> = {
  edit_draft: { from: ['draft', 'active', 'paused'], to: null },
  publish: { from: ['draft', 'active', 'paused'], to: 'active' },
  pause: { from: ['active'], to: 'paused' },
  resume: { from: ['paused'], to: 'active' },
  stop: { from: ['active', 'paused'], to: 'stopped' },
  archive: { from: ['draft', 'stopped'], to: 'archived' },
};

export function isJourneyStatus(value: unknown): value is JourneyStatus {
  return typeof value === 'string' && (JOURNEY_STATUSES as readonly string[]).includes(value);
}

/** The actions a journey in `status` admits. */
export function allowedActions(status: JourneyStatus): JourneyAction[] {
  return (Object.keys(TRANSITIONS) as JourneyAction[]).filter((a) => TRANSITIONS[a].from.includes(status));
}

/** The status after `action`, or 409 `invalid_transition` naming the current status and what is allowed. */
export function transition(journeyId: string, status: JourneyStatus, action: JourneyAction): JourneyStatus {
  const rule = TRANSITIONS[action];
  if (!rule.from.includes(status)) {
    throw conflict(
      'invalid_transition',
      `Journey "${journeyId}" is ${status}: "${action}" is allowed only when it is ${rule.from.join(' or ')}`,
      { status, action, allowedFrom: rule.from, allowedActions: allowedActions(status) },
    );
  }
  return rule.to ?? status;
}
