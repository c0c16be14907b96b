/** The journey's re-entry rule, pure: used by the enrollment (core/enrollment.ts) and the backtest replay. */
import type { PlanReentry } from './plan.js';

/** Why a later trigger would not have enrolled the customer again, as the enrollment refuses it in production. */
export type ReentryRefusal = 'already_enrolled' | 'reentry_not_allowed' | 'cooldown';

/**
 * The journey's re-entry policy applied to a trigger at `at` after an earlier run of the same customer
 * (ended at `endedAt`; null: still running): a running customer is not enrolled twice; `once` never
 * again; `cooldown` only once the cooldown after the end has passed.
 */
export function reentryRefusal(reentry: PlanReentry, endedAt: number | null, at: number): ReentryRefusal | null {
  if (endedAt === null || endedAt > at) return 'already_enrolled';
  if (reentry.policy === 'once') return 'reentry_not_allowed';
  if (reentry.policy === 'cooldown' && endedAt + reentry.cooldownMs > at) return 'cooldown';
  return null;
}
