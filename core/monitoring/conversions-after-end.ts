/**
 * Conversions after the run ended (a journey's `settings.conversionWindow`, docs/canvas.md#goal-and-exit-criteria):
 * of the goal events the store found after each run's end, the first that passes the goal's `where`
 * filters converts the run, on that event's local day. Pure.
 */
import { eventPasses } from '../../engine/event-filter.js';
import type { ExecutionPlan } from '../../engine/plan.js';
import type { GoalAfterEndRow, GoalWindow } from '../../store/journey-stats.repository.js';

/** One run counted as converted after it ended. */
export interface ConversionAfterEnd {
  /** Local day of the goal event that converted it. */
  day: string;
  /** The random-split arms the run took. */
  arms: { nodeId: string; arm: string }[];
}

/** The conversion windows of the versions whose plan has one. */
export function goalWindows(versions: { versionId: string; plan: ExecutionPlan }[]): GoalWindow[] {
  return versions.flatMap(({ versionId, plan }) =>
    plan.goal?.conversionWindowMs ? [{ versionId, event: plan.goal.event, windowMs: plan.goal.conversionWindowMs }] : [],
  );
}

/** One conversion per run: its first goal event (rows come oldest first per run) that passes its version's goal filters. */
export function conversionsAfterEnd(rows: GoalAfterEndRow[], plans: Map<string, ExecutionPlan>): ConversionAfterEnd[] {
  const converted = new Map<string, ConversionAfterEnd>();
  for (const row of rows) {
    const plan = plans.get(row.versionId);
    if (converted.has(row.enrollmentId) || !plan?.goal) continue;
    const event = { eventId: row.eventId, name: row.name, eventTime: row.eventTime.getTime(), properties: row.properties };
    if (eventPasses(plan.planVersion, event, plan.goal.where)) converted.set(row.enrollmentId, { day: row.day, arms: row.arms });
  }
  return [...converted.values()];
}
