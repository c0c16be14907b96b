/**
 * What providers tell us after a send: delivery reports recorded on the send ledger, Twilio's
 * STOP/START replies into SMS consent. Framework-free: the API constructs it with its database.
 */
import type { DataSource } from 'typeorm';
import type { DeliveryReport } from '../channels/channel.js';
import type { DeliveryReportRoute } from '../channels/descriptor.js';
import { CustomersRepository } from '../../store/customers.repository.js';
import { SendLedgerRepository } from '../../store/send-ledger.repository.js';

const OPT_OUT_KEYWORDS = new Set(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT']);
const OPT_IN_KEYWORDS = new Set(['START', 'UNSTOP']);

/** What became of one delivery report. */
export type DeliveryOutcome = 'updated' | 'stale' | 'unknown_message';

/** What an inbound message did to consent: which way, and which customers (by id) changed. */
export interface ConsentChange {
  consented: boolean;
  customerIds: string[];
}

export class DeliveryService {
  private readonly customers: CustomersRepository;
  private readonly ledger: SendLedgerRepository;

  constructor(private readonly db: DataSource) {
    this.customers = new CustomersRepository(db);
    this.ledger = new SendLedgerRepository(db);
  }

  /** Applies one delivery report, read by a channel's route, to the ledger row of its message. */
  async recordDelivery(route: DeliveryReportRoute, report: DeliveryReport): Promise<DeliveryOutcome> {
    const customerId = await this.ledger.customerOfProviderMessage(route.provider, report.providerMessageId);
    if (customerId === null) return 'unknown_message';
    await route.beforeRecord?.(report, { db: this.db, customerId });
    // Every report is kept as it arrived, for the history; only a later state updates the message.
    const explanation = route.explain?.(report.status, report.errorCode) ?? report.status;
    await this.ledger.appendDeliveryReport(route.provider, report.providerMessageId, report.status, report.errorCode, explanation);
    const ranks = JSON.stringify(route.ranks);
    const written = await this.ledger.recordDelivery(route.provider, report.providerMessageId, report.status, report.errorCode, report.rank, ranks);
    return written ? 'updated' : 'stale';
  }

  /**
   * Applies an inbound SMS from `from`: an opt-out keyword (STOP, ...) or opt-in keyword (START,
   * UNSTOP) alone in the body changes the SMS consent of every customer with that phone; anything
   * else changes nothing (null).
   */
  async applyInbound(from: string, body: string): Promise<ConsentChange | null> {
    const keyword = body.trim().toUpperCase();
    const consented = OPT_IN_KEYWORDS.has(keyword) ? true : OPT_OUT_KEYWORDS.has(keyword) ? false : null;
    if (consented === null) return null;
    return { consented, customerIds: await this.customers.setSmsConsent({ phone: from }, consented) };
  }
}
