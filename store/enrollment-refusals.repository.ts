/** `enrollment_refusals`: the entries a journey refused ("not enrolled"), with the rule that refused them. */
import type { EnrollmentEntry } from '../engine/runtime.js';
import type { Queryable } from './queryable.js';

/** A refusal as the enrollment path records it. */
export interface NewRefusal {
  customerId: string;
  journeyId: string;
  versionId: string | null;
  /** The refusal's code (`cooldown`, `reentry_not_allowed`, `journey_paused`, ...). */
  reason: string;
  /** The rule in plain words, with the values that decided it. */
  rule: string;
  /** The run that stood in the way (the live run, or the last one), when one did. */
  enrollmentId: string | null;
  /** The trigger's key: a trigger retried is recorded once. */
  triggerKey: string | null;
  entry: EnrollmentEntry;
}

/** One refusal in a customer's history (camel-cased by the query). */
export type RefusalRow = Omit<NewRefusal, 'customerId'> & { at: Date };

export class EnrollmentRefusalsRepository {
  constructor(private readonly db: Queryable) {}

  /** Records the refusal unless this trigger's refusal by this journey is already recorded. */
  async record(r: NewRefusal): Promise<void> {
    await this.db.query(
      `INSERT INTO enrollment_refusals (customer_id, journey_id, version_id, reason, rule, enrollment_id, trigger_key, entry)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
      [r.customerId, r.journeyId, r.versionId, r.reason, r.rule, r.enrollmentId, r.triggerKey, JSON.stringify(r.entry)],
    );
  }

  /** The customer's newest `limit` refusals, newest first. */
  async newestOf(customerId: string, limit: number): Promise<RefusalRow[]> {
    return this.db.query(
      `SELECT journey_id AS "journeyId", version_id AS "versionId", reason, rule, enrollment_id AS "enrollmentId",
              trigger_key AS "triggerKey", entry, at
         FROM enrollment_refusals WHERE customer_id = $1 ORDER BY at DESC, id DESC LIMIT $2`,
      [customerId, limit],
    );
  }
}
