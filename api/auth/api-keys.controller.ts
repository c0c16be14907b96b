/** `/v1/api-keys` (admin): create, list and revoke API keys; `/v1/auth/whoami` for any key. */
import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { AuditLog } from '../../core/access/audit-log.js';
import { ApiError } from '../http/api-error.js';
import { Endpoint, PAGE_QUERY, pageSchema, type SchemaObject, answerWith } from '../http/endpoint.js';
import { isNumber, isString, parsePageQuery } from '../http/pagination.js';
import { Checker, isPlainObject } from '../http/validation.js';
import { Actor } from './actor.decorator.js';
import { ApiKeysService } from '../../core/access/api-keys.js';
import { isRole, ROLES, ROLE_DESCRIPTIONS, type Principal } from '../../core/access/roles.js';

const KEY_SCHEMA: SchemaObject = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    role: { type: 'string', enum: [...ROLES] },
    createdBy: { type: 'string', nullable: true },
    createdAt: { type: 'string', format: 'date-time' },
    revokedAt: { type: 'string', format: 'date-time', nullable: true },
  },
};

@Controller('v1')
export class ApiKeysController {
  constructor(
    private readonly keys: ApiKeysService,
    private readonly audit: AuditLog,
  ) {}

  @Post('api-keys')
  @HttpCode(201)
  @Endpoint({
    summary: 'Create an API key',
    description: 'The secret is in this answer only; store it now. Only its SHA-256 hash is kept.',
    access: [],
    maxBodyBytes: 4 * 1024,
    body: {
      type: 'object',
      required: ['name', 'role'],
      properties: { name: { type: 'string', minLength: 1, maxLength: 200 }, role: { type: 'string', enum: [...ROLES] } },
    },
    ok: { status: 201, description: 'The key, with its secret', schema: { ...KEY_SCHEMA, properties: { ...KEY_SCHEMA.properties, key: { type: 'string' } } } },
    errors: [{ status: 400, codes: ['invalid_body'] }],
  })
  async create(@Body() body: unknown, @Actor() actor: Principal) {
    const check = new Checker();
    const fields = isPlainObject(body) ? body : {};
    check.string(fields.name, '$.name', { max: 200 });
    if (!isRole(fields.role)) check.fail('$.role', 'invalid_value', `$.role must be one of ${ROLES.join(', ')}`);
    if (check.issues.length > 0) throw check.error('invalid_body');
    const created = await this.keys.create(fields.name as string, fields.role as Principal['role'], actor.keyId);
    await this.audit.record(actor, { action: 'api_key.create', entityType: 'api_key', entityId: created.id, detail: { name: created.name, role: created.role } });
    return created;
  }

  @Get('api-keys')
  @Endpoint({
    summary: 'List API keys (never their secrets)',
    access: [],
    query: PAGE_QUERY,
    ok: { description: 'A page of keys, by id', schema: pageSchema(KEY_SCHEMA) },
    errors: [{ status: 400, codes: ['invalid_query'] }],
  })
  list(@Query() query: Record<string, unknown>) {
    return this.keys.list(parsePageQuery(query, isString));
  }

  @Delete('api-keys/:keyId')
  @Endpoint({
    summary: 'Revoke an API key',
    description:
      'Takes effect on the next request made with it. Revoking a revoked key changes nothing. The last live admin key cannot be revoked (409 last_admin_key): create another admin key first.',
    access: [],
    ok: { description: 'The revoked key', schema: KEY_SCHEMA },
    errors: [{ status: 404, codes: ['api_key_not_found'] }, { status: 409, codes: ['last_admin_key'] }],
  })
  async revoke(@Param('keyId') keyId: string, @Actor() actor: Principal) {
    const revoked = await this.keys.revoke(keyId);
    if (!revoked) throw new ApiError(404, 'api_key_not_found', `No API key with id "${keyId}"`);
    await this.audit.record(actor, { action: 'api_key.revoke', entityType: 'api_key', entityId: keyId });
    return revoked;
  }

  @Get('auth/whoami')
  @Endpoint({
    summary: 'The key making this request: id, name, role and what the role may do',
    access: ['marketer', 'engineer', 'support', 'viewer'],
    ok: {
      description: 'The principal',
      schema: {
        type: 'object',
        required: ['keyId', 'name', 'role', 'can'],
        properties: {
          keyId: { type: 'string' },
          name: { type: 'string' },
          role: { type: 'string', enum: [...ROLES] },
          can: { type: 'string', description: 'what the role may do, in words' },
        },
      },
    },
  })
  whoami(@Actor() actor: Principal) {
    return { ...actor, can: ROLE_DESCRIPTIONS[actor.role] };
  }
}

@Controller('v1/audit-log')
export class AuditLogController {
  constructor(private readonly audit: AuditLog) {}

  @Get()
  @HttpCode(200)
  @Endpoint({
    summary: 'The audit log, newest first',
    description: 'Every change made through the API: who (key id, name, role), when, what, and its detail.',
    access: ['marketer', 'viewer'],
    query: {
      entityType: { description: 'e.g. journey, segment, api_key' },
      entityId: { description: 'e.g. a journey id' },
      action: { description: 'e.g. journey.publish' },
      ...PAGE_QUERY,
    },
    ok: { description: 'A page of audit records', schema: pageSchema(answerWith(['action', 'entityType'])) },
    errors: [{ status: 400, codes: ['invalid_query'] }],
  })
  list(@Query() query: Record<string, unknown>) {
    const page = parsePageQuery(query, isNumber);
    const pick = (name: string) => (typeof query[name] === 'string' ? (query[name] as string) : undefined);
    return this.audit.list({ entityType: pick('entityType'), entityId: pick('entityId'), action: pick('action') }, page);
  }
}
