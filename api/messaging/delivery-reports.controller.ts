/**
 * Delivery reports of every registered channel that has them: `POST /v1/providers/<name>/status`,
 * signed the provider's way and parsed by the channel's descriptor, recorded on the ledger row.
 */
import { Body, Controller, HttpCode, Inject, Logger, Param, Post, Req, Res } from '@nestjs/common';
import type { CallbackRequest, DeliveryReportRoute } from '../../core/channels/descriptor.js';
import { settingsFor } from '../../core/channels/descriptor.js';
import { ApiError } from '../http/api-error.js';
import { Endpoint } from '../http/endpoint.js';
import { CHANNEL_REGISTRY, type ChannelRegistry } from '../runtime.js';
import { DeliveryService } from '../../core/messaging/delivery.js';

/** The part of Express's request the route reads. */
interface CallbackHttpRequest {
  originalUrl: string;
  headers: Record<string, string | string[] | undefined>;
}

/** The part of Express's response the route sets (the status of an acknowledging answer). */
interface CallbackHttpResponse {
  status(code: number): unknown;
}

/** A served route: its descriptor's route and its signature check. */
interface ServedRoute {
  route: DeliveryReportRoute;
  verify: (req: CallbackRequest) => string | null;
}

@Controller('v1/providers')
export class DeliveryReportsController {
  private readonly logger = new Logger('DeliveryReports');
  private readonly routes = new Map<string, ServedRoute>();

  constructor(
    private readonly delivery: DeliveryService,
    @Inject(CHANNEL_REGISTRY) private readonly channels: ChannelRegistry,
  ) {
    for (const descriptor of channels.descriptors) {
      const route = descriptor.deliveryReports;
      const verify = route?.verifier(settingsFor(descriptor, channels.settings));
      if (route && verify) this.routes.set(route.name, { route, verify });
    }
  }

  /** Always 204 once signed and readable (also for a message we do not know), or the provider retries. */
  @Endpoint({
    summary: "A provider's delivery report (signed by the provider, no API key)",
    description:
      "One route per channel with delivery reports (`provider`: the channel's route name, e.g. twilio). The body is the provider's own (form or JSON); a report never replaces a later status.",
    access: 'public',
    query: {
      token: {
        description: 'the shared secret of providers that do not sign their pushes (aliyun-sms, tencent-sms): part of the callback URL configured at the provider',
        schema: { type: 'string', minLength: 1, maxLength: 200 },
      },
    },
    ok: { status: 204, description: "Recorded (or ignored when the message or status is unknown); 200 with the provider's success answer for providers that expect one (aliyun-sms, tencent-sms)" },
    errors: [{ status: 403, codes: ['invalid_signature'] }, { status: 400, codes: ['invalid_body'] }, { status: 404, codes: ['not_found'] }],
  })
  @Post(':provider/status')
  @HttpCode(204)
  async status(
    @Param('provider') provider: string,
    @Body() body: unknown,
    @Req() req: CallbackHttpRequest,
    @Res({ passthrough: true }) res: CallbackHttpResponse,
  ): Promise<Record<string, unknown> | void> {
    await this.record(provider, body, req);
    const ack = this.routes.get(provider)?.route.acknowledgement;
    // Some providers (Aliyun, Tencent Cloud) retry unless the answer carries their success code.
    if (ack) {
      res.status(200);
      return ack;
    }
  }

  private async record(provider: string, body: unknown, req: CallbackHttpRequest): Promise<void> {
    const served = this.routes.get(provider);
    if (!served) throw new ApiError(404, 'not_found', `No delivery reports are served for "${provider}"`);
    const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
    // Providers sign the URL they posted to: our public origin, which differs from ours behind a proxy.
    const publicUrl = (this.channels.settings.publicBaseUrl ?? '').replace(/\/+$/, '') + req.originalUrl;
    const refused = served.verify({ publicUrl, headers: req.headers, fields });
    if (refused !== null) throw new ApiError(403, 'invalid_signature', refused);
    const reading = served.route.parse(fields);
    if ('invalid' in reading) throw new ApiError(400, 'invalid_body', reading.invalid);
    if ('ignored' in reading) {
      this.logger.warn(`${reading.ignored}; ignored`);
      return;
    }
    for (const report of 'reports' in reading ? reading.reports : [reading.report]) {
      const outcome = await this.delivery.recordDelivery(served.route, report);
      if (outcome === 'unknown_message') {
        this.logger.warn(`status callback for unknown message ${report.providerMessageId} (${report.status}); ignored`);
      }
    }
  }
}
