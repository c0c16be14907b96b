/** Customer profiles: traits in, the support history out. */
import { Body, Controller, Get, HttpCode, Param, Put } from '@nestjs/common';
import { IngestionService } from '../events/ingestion.service.js';
import { ApiError } from '../http/api-error.js';
import { Checker, isPlainObject } from '../http/validation.js';
import { HistoryService } from './history.service.js';

export const MAX_CUSTOMER_ID_LENGTH = 200;
export const MAX_TRAITS_BYTES = 64 * 1024;

@Controller('v1/customers')
export class CustomersController {
  constructor(
    private readonly ingestion: IngestionService,
    private readonly history: HistoryService,
  ) {}

  /** Creates the customer or merges `traits` into theirs; answers with the merged traits. */
  @Put(':customerId')
  @HttpCode(200)
  async upsert(@Param('customerId') customerId: string, @Body() body: unknown) {
    const check = new Checker();
    check.string(customerId, 'customerId', { max: MAX_CUSTOMER_ID_LENGTH });
    check.object(isPlainObject(body) ? body.traits : undefined, '$.traits', { maxBytes: MAX_TRAITS_BYTES });
    if (check.issues.length > 0) {
      throw new ApiError(400, 'invalid_body', check.issues.map((i) => i.message).join('; '), { issues: check.issues });
    }
    await this.ingestion.upsertCustomer(customerId, (body as { traits: Record<string, unknown> }).traits);
    return { customerId, traits: await this.history.traits(customerId) };
  }

  @Get(':customerId/history')
  async getHistory(@Param('customerId') customerId: string) {
    const history = await this.history.history(customerId);
    if (!history) throw new ApiError(404, 'customer_not_found', `No customer with id "${customerId}"`);
    return history;
  }
}
