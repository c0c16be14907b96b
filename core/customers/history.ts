/** The support view of one customer: traits, every enrollment with its steps and messages, the entries refused, and the customer's events. */
import type { DataSource } from 'typeorm';
import type { Role } from '../access/roles.js';
import { CustomersRepository } from '../../store/customers.repository.js';
import { EnrollmentRefusalsRepository } from '../../store/enrollment-refusals.repository.js';
import { EnrollmentsRepository, type CustomerEnrollmentRow, type EnrollmentStepRow } from '../../store/enrollments.repository.js';
import { EventsRepository, type ListedEventRow } from '../../store/events.repository.js';
import { SendLedgerRepository } from '../../store/send-ledger.repository.js';
import { pageOf, type Page, type PageRequest, type TimeIdCursor } from '../page.js';
import { explainEntry, messageView, type EntryExplanation, type MessageView } from './history-views.js';

export type { MessageView } from './history-views.js';

/** One step of an enrollment, as support reads it. */
export type StepView = Omit<EnrollmentStepRow, 'enrollmentId'>;

/** One enrollment of the customer with what enrolled them, its steps and messages. */
export interface EnrollmentView extends Omit<CustomerEnrollmentRow, 'entry' | 'triggerKey'> {
  entry: EntryExplanation;
  steps: StepView[];
  messages: MessageView[];
}

/** A journey whose trigger matched but that did not enrol the customer, and the rule that refused. */
export interface NotEnrolledView {
  at: Date;
  journeyId: string;
  versionId: string | null;
  /** already_enrolled, reentry_not_allowed, cooldown, journey_paused, journey_stopped, journey_inactive. */
  reason: string;
  rule: string;
  /** The run that stood in the way, when one did. */
  enrollmentId: string | null;
  /** The trigger that matched, explained as an entry would be. */
  trigger: EntryExplanation;
}

export interface CustomerHistory {
  customerId: string;
  traits: Record<string, unknown>;
  /** A page of the customer's enrollments, newest first. */
  enrollments: EnrollmentView[];
  /** Journeys that did not enrol the customer when their trigger matched, newest first (the newest 100; first page only). */
  notEnrolled: NotEnrolledView[];
  /** Pass as `cursor` for the next (older) enrollments; null on the last page. */
  nextCursor: string | null;
}

/** Which of a customer's events to list. */
export interface CustomerEventsFilter {
  name: string | null;
  /** Event time from (inclusive) and to (exclusive), epoch ms. */
  fromMs: number | null;
  toMs: number | null;
}

/** One of the customer's events as support and marketers read it. */
export type CustomerEventView = Omit<ListedEventRow, 'id'>;

const REFUSALS_SHOWN = 100;

export class HistoryService {
  constructor(private readonly db: DataSource) {}

  /** The customer's traits, or null when the customer is unknown. */
  async traits(customerId: string): Promise<Record<string, unknown> | null> {
    return new CustomersRepository(this.db).traitsOf(customerId);
  }

  /**
   * The history (one page of enrollments, newest first), or null when the customer is unknown;
   * recipients are masked unless `role` may read them in full.
   */
  async history(customerId: string, page: PageRequest<TimeIdCursor>, role: Role = 'admin'): Promise<CustomerHistory | null> {
    const traits = await this.traits(customerId);
    if (!traits) return null;
    const runs = new EnrollmentsRepository(this.db);
    const rows = await runs.pageOfCustomer(customerId, page.after, page.limit + 1);
    const { items: enrollments, nextCursor } = pageOf(rows, page.limit, (e) => [e.enrolledAt.toISOString(), e.enrollmentId]);
    const ids = enrollments.map((e) => e.enrollmentId);
    const steps = await runs.stepsOf(ids);
    const ledger = new SendLedgerRepository(this.db);
    const messages = await ledger.ofEnrollments(ids);
    const reports = await ledger.deliveryReportsOf(messages.map((m) => m.id));
    return {
      customerId,
      traits,
      nextCursor,
      enrollments: enrollments.map(({ entry, triggerKey, ...e }) => ({
        ...e,
        entry: explainEntry(entry, triggerKey),
        steps: steps.filter((s) => s.enrollmentId === e.enrollmentId).map(({ enrollmentId: _, ...s }) => s),
        messages: messages
          .filter((m) => m.enrollmentId === e.enrollmentId)
          .map((m) => messageView(m, reports.filter((r) => r.messageId === m.id), role)),
      })),
      notEnrolled: page.after === null ? await this.notEnrolled(customerId) : [],
    };
  }

  /** A page of the customer's events, newest first, or null when the customer is unknown. */
  async events(customerId: string, filter: CustomerEventsFilter, page: PageRequest<TimeIdCursor>): Promise<Page<CustomerEventView> | null> {
    if (!(await this.traits(customerId))) return null;
    const rows = await new EventsRepository(this.db).pageOfCustomer(customerId, filter, page.after, page.limit + 1);
    const { items, nextCursor } = pageOf(rows, page.limit, (e) => [e.eventTime.toISOString(), e.id]);
    return { items: items.map(({ id: _, ...e }) => e), nextCursor };
  }

  private async notEnrolled(customerId: string): Promise<NotEnrolledView[]> {
    const rows = await new EnrollmentRefusalsRepository(this.db).newestOf(customerId, REFUSALS_SHOWN);
    return rows.map(({ entry, triggerKey, ...r }) => ({ ...r, trigger: explainEntry(entry, triggerKey) }));
  }
}
