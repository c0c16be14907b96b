/** The support view of one customer: traits and every enrollment with its steps and messages. */
import type { DataSource } from 'typeorm';
import { CustomersRepository } from '../../store/customers.repository.js';
import { EnrollmentsRepository, type CustomerEnrollmentRow, type EnrollmentStepRow } from '../../store/enrollments.repository.js';
import { SendLedgerRepository, type EnrollmentMessageRow } from '../../store/send-ledger.repository.js';
import { pageOf, type PageRequest, type TimeIdCursor } from '../page.js';

/** One step of an enrollment, as support reads it. */
export type StepView = Omit<EnrollmentStepRow, 'enrollmentId'>;

/** One message of an enrollment, as support reads it. */
export type MessageView = Omit<EnrollmentMessageRow, 'enrollmentId'>;

/** One enrollment of the customer with its steps and messages. */
export interface EnrollmentView extends CustomerEnrollmentRow {
  steps: StepView[];
  messages: MessageView[];
}

export interface CustomerHistory {
  customerId: string;
  traits: Record<string, unknown>;
  /** A page of the customer's enrollments, newest first. */
  enrollments: EnrollmentView[];
  /** Pass as `cursor` for the next (older) enrollments; null on the last page. */
  nextCursor: string | null;
}

export class HistoryService {
  constructor(private readonly db: DataSource) {}

  /** The customer's traits, or null when the customer is unknown. */
  async traits(customerId: string): Promise<Record<string, unknown> | null> {
    return new CustomersRepository(this.db).traitsOf(customerId);
  }

  /** The history (one page of enrollments, newest first), or null when the customer is unknown. */
  async history(customerId: string, page: PageRequest<TimeIdCursor>): Promise<CustomerHistory | null> {
    const traits = await this.traits(customerId);
    if (!traits) return null;
    const runs = new EnrollmentsRepository(this.db);
    const rows = await runs.pageOfCustomer(customerId, page.after, page.limit + 1);
    const { items: enrollments, nextCursor } = pageOf(rows, page.limit, (e) => [e.enrolledAt.toISOString(), e.enrollmentId]);
    const ids = enrollments.map((e) => e.enrollmentId);
    const steps = await runs.stepsOf(ids);
    const messages = await new SendLedgerRepository(this.db).ofEnrollments(ids);
    return {
      customerId,
      traits,
      nextCursor,
      enrollments: enrollments.map((e) => ({
        ...e,
        steps: steps.filter((s) => s.enrollmentId === e.enrollmentId).map(({ enrollmentId: _, ...s }) => s),
        messages: messages.filter((m) => m.enrollmentId === e.enrollmentId).map(({ enrollmentId: _, ...m }) => m),
      })),
    };
  }
}
