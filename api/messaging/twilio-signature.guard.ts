/** Refuses provider webhook requests that Twilio did not sign with our auth token. */
import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import twilio from 'twilio';
import { ApiError } from '../http/api-error.js';
import { MESSAGING_OPTIONS, type MessagingOptions } from './messaging.options.js';

/** The part of Express's request the guard reads. */
interface SignedRequest {
  originalUrl: string;
  headers: Record<string, string | string[] | undefined>;
  body?: unknown;
}

@Injectable()
export class TwilioSignatureGuard implements CanActivate {
  constructor(@Inject(MESSAGING_OPTIONS) private readonly options: MessagingOptions) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<SignedRequest>();
    const signature = req.headers['x-twilio-signature'];
    if (typeof signature !== 'string' || signature === '') {
      throw new ApiError(403, 'invalid_signature', 'The request carries no X-Twilio-Signature header');
    }
    // Twilio signs the URL it posted to (our public one, path and query included) plus the form fields.
    const url = this.options.publicBaseUrl.replace(/\/+$/, '') + req.originalUrl;
    const params = typeof req.body === 'object' && req.body !== null ? (req.body as Record<string, unknown>) : {};
    if (!twilio.validateRequest(this.options.twilioAuthToken, signature, url, params)) {
      throw new ApiError(403, 'invalid_signature', 'The X-Twilio-Signature does not match this request; check the Twilio auth token and the public base URL');
    }
    return true;
  }
}
