/** Twilio's inbound webhook: SMS replies from customers (its delivery reports are the sms channel's route, delivery-reports.controller.ts). */
import { Body, Controller, Header, HttpCode, Logger, Post, UseGuards } from '@nestjs/common';
import { ApiError } from '../http/api-error.js';
import { DeliveryService } from '../../core/messaging/delivery.js';
import { TwilioSignatureGuard } from './twilio-signature.guard.js';
import { Endpoint } from '../http/endpoint.js';

/** An empty TwiML document: "no reply" (Twilio's own opt-out handling answers STOP). */
const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>';

function field(body: unknown, name: string): string | null {
  const value = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;
  return typeof value === 'string' && value !== '' ? value : null;
}

function required(body: unknown, name: string): string {
  const value = field(body, name);
  if (value === null) throw new ApiError(400, 'invalid_body', `The form field ${name} is required`);
  return value;
}

@Controller('v1/providers/twilio')
@UseGuards(TwilioSignatureGuard)
export class TwilioWebhooksController {
  private readonly logger = new Logger('TwilioWebhooks');

  constructor(private readonly delivery: DeliveryService) {}

  /** Inbound SMS: STOP-like keywords opt the sender's customers out of SMS, START/UNSTOP back in. */
  @Endpoint({
    summary: 'Twilio inbound SMS: STOP / START keywords (signed by Twilio, no API key)',
    access: 'public',
    ok: { description: 'Empty TwiML' },
    errors: [{ status: 403, codes: ['invalid_signature'] }, { status: 400, codes: ['invalid_body'] }],
  })
  @Post('inbound')
  @HttpCode(200)
  @Header('Content-Type', 'text/xml')
  async inbound(@Body() body: unknown): Promise<string> {
    const from = required(body, 'From');
    const change = await this.delivery.applyInbound(from, field(body, 'Body') ?? '');
    if (change && change.customerIds.length === 0) {
      this.logger.warn(`inbound ${change.consented ? 'opt-in' : 'opt-out'} from a number no customer has; ignored`);
    }
    return EMPTY_TWIML;
  }
}
