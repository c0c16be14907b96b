/** Customer profiles: traits in, the support history out. */
import { Body, Controller, Get, HttpCode, Param, Put, Query } from '@nestjs/common';
import { IngestionService } from '../events/ingestion.service.js';
import { ApiError } from '../http/api-error.js';
import { Checker, isPlainObject } from '../http/validation.js';
import { HistoryService } from '../../core/customers/history.js';
import { Endpoint, PAGE_QUERY, answerWith } from '../http/endpoint.js';
import { isTimeIdCursor, parsePageQuery } from '../http/pagination.js';

export const MAX_CUSTOMER_ID_LENGTH = 200;
export const MAX_TRAITS_BYTES = 64 * 1024;

@Controller('v1/customers')
export class CustomersController {
  constructor(
    private readonly ingestion: IngestionService,
    private readonly history: HistoryService,
  ) {}

  /** Creates the customer or merges `traits` into theirs; answers with the merged traits. */
  @Endpoint({
    summary: "Create a customer or merge traits into theirs",
    description: 'Traits: phone, pushTokens, timeZone, accountManager, consent flags, business fields (accountStatus, assets, riskLevel...).',
    access: ['engineer'],
    maxBodyBytes: 128 * 1024,
    body: { type: 'object', required: ['traits'], properties: { traits: { type: 'object', description: 'at most 64 KB as JSON' } } },
    ok: { description: '{ customerId, traits }: the merged traits', schema: answerWith(['customerId', 'traits']) },
    errors: [{ status: 400, codes: ['invalid_body'] }],
  })
  @Put(':customerId')
  @HttpCode(200)
  async upsert(@Param('customerId') customerId: string, @Body() body: unknown) {
    const check = new Checker();
    check.string(customerId, 'customerId', { max: MAX_CUSTOMER_ID_LENGTH });
    check.object(isPlainObject(body) ? body.traits : undefined, '$.traits', { maxBytes: MAX_TRAITS_BYTES });
    if (check.issues.length > 0) throw check.error('invalid_body');
    await this.ingestion.upsertCustomer(customerId, (body as { traits: Record<string, unknown> }).traits);
    return { customerId, traits: await this.history.traits(customerId) };
  }

  @Endpoint({
    summary: "One customer's journeys: every enrollment, step, decision, message and current wait",
    description: 'Enrollments come newest first, a page at a time (`limit`, `cursor`; `nextCursor` in the answer).',
    access: ['support', 'viewer'],
    query: PAGE_QUERY,
    ok: { description: '{ customerId, traits, enrollments: [...], nextCursor }', schema: answerWith(['customerId', 'traits', 'enrollments', 'nextCursor']) },
    errors: [{ status: 404, codes: ['customer_not_found'] }, { status: 400, codes: ['invalid_query'] }],
  })
  @Get(':customerId/history')
  async getHistory(@Param('customerId') customerId: string, @Query() query: Record<string, unknown>) {
    const history = await this.history.history(customerId, parsePageQuery(query, isTimeIdCursor));
    if (!history) throw new ApiError(404, 'customer_not_found', `No customer with id "${customerId}"`);
    return history;
  }
}
