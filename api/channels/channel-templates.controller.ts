/** `/v1/channels/:channel/templates`: the provider-approved SMS templates of the template channels (aliyun-sms, tencent-sms). */
import { Body, Controller, Get, Param, Put } from '@nestjs/common';
import type { Principal } from '../../core/access/roles.js';
import { ProviderTemplatesService, type TemplateRegistration } from '../../core/channels/provider-templates.js';
import { TEMPLATE_CATEGORIES } from '../../engine/provider-templates.js';
import { Actor } from '../auth/actor.decorator.js';
import { Endpoint, type SchemaObject } from '../http/endpoint.js';

const CHANNEL_PARAM = { description: 'the channel (action name), e.g. aliyun-sms', schema: { type: 'string', pattern: '^[a-z][a-z0-9_-]{0,63}$' } as SchemaObject };
const TEMPLATE_ID_PARAM = {
  description: "the provider's template id: Aliyun's TemplateCode (SMS_123456789), Tencent Cloud's TemplateId (1234567)",
  schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } as SchemaObject,
};

const TEMPLATE_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['channel', 'templateId', 'text', 'params', 'signature', 'category', 'createdAt', 'updatedAt'],
  properties: {
    channel: { type: 'string' },
    templateId: { type: 'string' },
    text: { type: 'string' },
    params: { type: 'array', items: { type: 'string' }, description: 'parameter names, in order of first appearance in the text' },
    signature: { type: 'string' },
    category: { type: 'string', enum: [...TEMPLATE_CATEGORIES] },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
};

const REGISTRATION_BODY: SchemaObject = {
  type: 'object',
  required: ['text', 'signature', 'category'],
  additionalProperties: false,
  properties: {
    text: { type: 'string', minLength: 1, maxLength: 1000, description: 'the approved text exactly as the provider approved it, parameters as ${name} (Aliyun) or {1} (Tencent Cloud)' },
    signature: { type: 'string', minLength: 1, maxLength: 64, description: 'the approved signature (签名), without the 【】 brackets' },
    category: { type: 'string', enum: [...TEMPLATE_CATEGORIES], description: 'marketing or service (notification), as the provider approved it' },
  },
};

const CHANNEL_ERRORS = [
  { status: 400, codes: ['invalid_path'] },
  { status: 404, codes: ['unknown_channel'] },
  { status: 422, codes: ['free_text_channel'], description: 'the channel sends free text, not provider templates' },
];

@Controller('v1/channels/:channel/templates')
export class ChannelTemplatesController {
  constructor(private readonly templates: ProviderTemplatesService) {}

  @Endpoint({
    summary: "A channel's registered provider templates",
    access: ['marketer', 'engineer', 'viewer'],
    params: { channel: CHANNEL_PARAM },
    ok: { description: '{ items }: the templates, by id', schema: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: TEMPLATE_SCHEMA } } } },
    errors: CHANNEL_ERRORS,
  })
  @Get()
  async list(@Param('channel') channel: string) {
    return { items: await this.templates.list(channel) };
  }

  @Endpoint({
    summary: 'Register (or replace) a provider-approved template',
    description:
      'Canvases name the template by id; publishing checks their parameters against the names in the text. ' +
      'Re-registering replaces text, signature and category (runs in flight send with the template as stored at send time). Audited.',
    access: ['engineer'],
    params: { channel: CHANNEL_PARAM, templateId: TEMPLATE_ID_PARAM },
    body: REGISTRATION_BODY,
    maxBodyBytes: 16 * 1024,
    ok: { description: 'The template as stored, with its parameter names', schema: TEMPLATE_SCHEMA },
    errors: [...CHANNEL_ERRORS, { status: 400, codes: ['invalid_body'] }],
  })
  @Put(':templateId')
  async put(@Param('channel') channel: string, @Param('templateId') templateId: string, @Body() body: TemplateRegistration, @Actor() actor: Principal) {
    return (await this.templates.register(actor, channel, templateId, { text: body.text, signature: body.signature, category: body.category })).template;
  }
}
