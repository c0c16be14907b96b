/** The support view of one customer: traits and every enrollment with its steps and messages. */
import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { customerTraits } from '../../store/customers.js';
import { pageOf, type PageRequest, type TimeIdCursor } from '../http/pagination.js';
import { DATA_SOURCE } from '../runtime.js';


export interface StepView {
  seq: number;
  at: Date;
  nodeId: string | null;
  kind: string;
  detail: Record<string, unknown>;
}

export interface MessageView {
  nodeId: string;
  action: string;
  status: string;
  provider: string | null;
  providerMessageId: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  createdAt: Date;
}

export interface EnrollmentView {
  enrollmentId: string;
  journeyId: string;
  versionId: string;
  status: string;
  enrolledAt: Date;
  endedAt: Date | null;
  exitReason: string | null;
  currentNode: string | null;
  waitingUntil: Date | null;
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

@Injectable()
export class HistoryService {
  constructor(@Inject(DATA_SOURCE) private readonly db: DataSource) {}

  /** The customer's traits, or null when the customer is unknown. */
  async traits(customerId: string): Promise<Record<string, unknown> | null> {
    return customerTraits(this.db, customerId);
  }

  /** The history (one page of enrollments, newest first), or null when the customer is unknown. */
  async history(customerId: string, page: PageRequest<TimeIdCursor>): Promise<CustomerHistory | null> {
    const traits = await this.traits(customerId);
    if (!traits) return null;
    const rows: Omit<EnrollmentView, 'steps' | 'messages'>[] = await this.db.query(
      `SELECT id AS "enrollmentId", journey_id AS "journeyId", version_id AS "versionId", status,
              enrolled_at AS "enrolledAt", ended_at AS "endedAt", exit_reason AS "exitReason",
              current_node AS "currentNode", waiting_until AS "waitingUntil"
         FROM enrollments
        WHERE customer_id = $1
          AND ($2::timestamptz IS NULL OR (date_trunc('milliseconds', enrolled_at), id) < ($2::timestamptz, $3::text))
        ORDER BY date_trunc('milliseconds', enrolled_at) DESC, id DESC LIMIT $4`,
      [customerId, page.after?.[0] ?? null, page.after?.[1] ?? null, page.limit + 1],
    );
    const { items: enrollments, nextCursor } = pageOf(rows, page.limit, (e) => [e.enrolledAt.toISOString(), e.enrollmentId]);
    const ids = enrollments.map((e) => e.enrollmentId);
    const steps: (StepView & { enrollmentId: string })[] = await this.db.query(
      `SELECT enrollment_id AS "enrollmentId", seq, at, node_id AS "nodeId", kind, detail
         FROM enrollment_steps WHERE enrollment_id = ANY($1) ORDER BY enrollment_id, seq`,
      [ids],
    );
    const messages: (MessageView & { enrollmentId: string })[] = await this.db.query(
      `SELECT enrollment_id AS "enrollmentId", node_id AS "nodeId", action, status, provider,
              provider_message_id AS "providerMessageId", error_code AS "errorCode",
              error_message AS "errorMessage", created_at AS "createdAt"
         FROM messages WHERE enrollment_id = ANY($1) ORDER BY created_at, id`,
      [ids],
    );
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
