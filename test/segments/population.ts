/** A small cohort of customers and events written straight to PostgreSQL (no ingestion, so no trigger fires). */
import type { DataSource } from 'typeorm';

export interface CohortCustomer {
  id: string;
  traits: Record<string, unknown>;
  /** Fund-page views, each `minutesAgo` before now. */
  fundViews?: number[];
  /** Days ago the account was opened, if it was. */
  openedDaysAgo?: number;
}

/** Inserts the customers (traits get `cohort`, which test rules filter on) and their events. */
export async function insertCohort(db: DataSource, cohort: string, customers: CohortCustomer[]): Promise<void> {
  for (const c of customers) {
    await db.query(`INSERT INTO customers (id, traits) VALUES ($1, $2)`, [c.id, JSON.stringify({ ...c.traits, cohort })]);
    const events: [string, string, number, Record<string, unknown>][] = (c.fundViews ?? []).map((minutes, i) => [
      `${c.id}-view-${i}`,
      'page_view',
      minutes * 60_000,
      { page: 'fund_detail' },
    ]);
    if (c.openedDaysAgo !== undefined) events.push([`${c.id}-opened`, 'account_opened', c.openedDaysAgo * 86_400_000, {}]);
    for (const [eventId, name, agoMs, properties] of events) {
      await db.query(
        `INSERT INTO events (event_id, customer_id, name, event_time, properties, dispatched_at)
         VALUES ($1, $2, $3, now() - make_interval(secs => $4 / 1000.0), $5, now())`,
        [eventId, c.id, name, agoMs, JSON.stringify(properties)],
      );
    }
  }
}

/** The example rule, limited to one cohort: registered in the last 7 days, no account_opened, risk at least C3, 3+ fund-page views. */
export function onboardingRule(cohort: string) {
  return {
    and: [
      { trait: 'cohort', op: 'eq', value: cohort },
      { trait: 'registered_at', op: 'within_last', value: 'P7D' },
      { not: { event: 'account_opened' } },
      { trait: 'risk_level', op: 'gte', value: 'C3', order: ['C1', 'C2', 'C3', 'C4', 'C5'] },
      { event: 'page_view', where: [{ property: 'page', op: 'eq', value: 'fund_detail' }], count: { gte: 3 } },
    ],
  };
}

/** An ISO instant `days` before now. */
export const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();
