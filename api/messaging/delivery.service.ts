/** Writes what Twilio tells us after a send: delivery reports into the ledger, STOP/START into consent. */
import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { DeliveryReport } from '../../activities/channels/channel.js';
import { DELIVERY_RANKS } from '../../activities/channels/twilio-sms/delivery-report.js';
import { TWILIO_PROVIDER } from '../../activities/channels/twilio-sms/index.js';
import { CustomersRepository } from '../../store/customers.repository.js';
import { SendLedgerRepository } from '../../store/send-ledger.repository.js';
import { DATA_SOURCE } from '../runtime.js';

const RANKS = JSON.stringify(DELIVERY_RANKS);

/** Twilio error code: the recipient replied STOP to our sender. */
const OPTED_OUT_CODE = '21610';

const OPT_OUT_KEYWORDS = new Set(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT']);
const OPT_IN_KEYWORDS = new Set(['START', 'UNSTOP']);

/** What became of one delivery report. */
export type DeliveryOutcome = 'updated' | 'stale' | 'unknown_message';

/** What an inbound message did to consent: which way, and which customers (by id) changed. */
export interface ConsentChange {
  consented: boolean;
  customerIds: string[];
}

@Injectable()
export class DeliveryService {
  private readonly customers: CustomersRepository;
  private readonly ledger: SendLedgerRepository;

  constructor(@Inject(DATA_SOURCE) db: DataSource) {
    this.customers = new CustomersRepository(db);
    this.ledger = new SendLedgerRepository(db);
  }

  /** Applies one Twilio delivery report to the ledger row of its message. */
  async recordDelivery(report: DeliveryReport): Promise<DeliveryOutcome> {
    const customerId = await this.ledger.customerOfProviderMessage(TWILIO_PROVIDER, report.providerMessageId);
    if (customerId === null) return 'unknown_message';
    // The customer said STOP to this sender: that stands whatever order the reports arrive in.
    if (report.errorCode === OPTED_OUT_CODE) await this.customers.setSmsConsent({ customerId }, false);
    const written = await this.ledger.recordDelivery(TWILIO_PROVIDER, report.providerMessageId, report.status, report.errorCode, report.rank, RANKS);
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
