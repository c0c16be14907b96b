/**
 * `@Endpoint(...)`: one decorator per route that states who may call it and documents it. The
 * access rule feeds the API-key guard; the rest feeds the OpenAPI document served at `/docs`, with
 * the error answers every route shares (401/403 for keyed routes, 500 for all) added here.
 */
import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiQuery, ApiResponse, ApiSecurity, type SchemaObject } from '@nestjs/swagger';
import { ROLE_DESCRIPTIONS, type Access } from '../auth/roles.js';

export type { SchemaObject };

/** Metadata key of a route's {@link Access}. */
export const ACCESS_METADATA = 'je:access';

/** The name of the API-key security scheme in the OpenAPI document. */
export const API_KEY_SCHEME = 'apiKey';

export interface ErrorAnswer {
  status: number;
  /** The `error.code` values this status carries on this route. */
  codes: string[];
  description?: string;
}

export interface EndpointSpec {
  summary: string;
  description?: string;
  access: Access;
  /** JSON Schema of the request body. */
  body?: SchemaObject;
  query?: Record<string, { description: string; schema?: SchemaObject; required?: boolean }>;
  /** The success answer. */
  ok: { status?: number; description: string; schema?: SchemaObject };
  /** Route-specific error answers (the shared ones are added). */
  errors?: ErrorAnswer[];
}

/** The body of every error answer (see api/http/api-error.ts). */
export const ERROR_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', description: 'stable machine-readable code' },
        message: { type: 'string' },
        issues: {
          type: 'array',
          description: 'every problem found in a document or body, each with its JSON path',
          items: {
            type: 'object',
            properties: { code: { type: 'string' }, message: { type: 'string' }, path: { type: 'string', example: '$.nodes[3].duration' } },
          },
        },
      },
    },
  },
};

/** Page wrapper of every list answer. */
export function pageSchema(item: SchemaObject): SchemaObject {
  return {
    type: 'object',
    required: ['items', 'nextCursor'],
    properties: { items: { type: 'array', items: item }, nextCursor: { type: 'string', nullable: true } },
  };
}

/** `limit` and `cursor`, the query parameters of every list. */
export const PAGE_QUERY: NonNullable<EndpointSpec['query']> = {
  limit: { description: 'items per page, 1-200 (default 50)', schema: { type: 'integer', minimum: 1, maximum: 200 } },
  cursor: { description: 'the nextCursor of the previous page' },
};

function errorResponse({ status, codes, description }: ErrorAnswer) {
  return ApiResponse({ status, description: `${description ? `${description}. ` : ''}error.code: ${codes.join(', ')}`, schema: ERROR_SCHEMA });
}

function accessText(access: Access): string {
  if (access === 'public') return 'Public: no API key needed.';
  const roles = ['admin', ...access];
  return `Roles: ${roles.map((r) => `${r} (${ROLE_DESCRIPTIONS[r as keyof typeof ROLE_DESCRIPTIONS]})`).join('; ')}.`;
}

export function Endpoint(spec: EndpointSpec): MethodDecorator {
  const errors: ErrorAnswer[] = [...(spec.errors ?? [])];
  if (spec.access !== 'public') {
    errors.push({ status: 401, codes: ['missing_api_key', 'invalid_api_key'], description: 'No API key, or one that is unknown or revoked' });
    errors.push({ status: 403, codes: ['forbidden_role'], description: "The key's role may not call this route" });
  }
  if (spec.body) errors.push({ status: 413, codes: ['payload_too_large'], description: 'The body exceeds 1 MB' });
  errors.push({ status: 500, codes: ['internal_error'], description: 'A fault on our side (no details leak)' });
  const merged = new Map<number, ErrorAnswer>();
  for (const e of errors) {
    const seen = merged.get(e.status);
    merged.set(e.status, seen ? { status: e.status, codes: [...new Set([...seen.codes, ...e.codes])], description: seen.description } : e);
  }
  return applyDecorators(
    SetMetadata(ACCESS_METADATA, spec.access),
    ApiOperation({ summary: spec.summary, description: [spec.description, accessText(spec.access)].filter(Boolean).join('\n\n') }),
    ...(spec.access === 'public' ? [] : [ApiSecurity(API_KEY_SCHEME)]),
    ...(spec.body ? [ApiBody({ schema: spec.body })] : []),
    ...Object.entries(spec.query ?? {}).map(([name, q]) =>
      ApiQuery({ name, description: q.description, required: q.required ?? false, schema: q.schema ?? { type: 'string' } }),
    ),
    ApiResponse({ status: spec.ok.status ?? 200, description: spec.ok.description, ...(spec.ok.schema ? { schema: spec.ok.schema } : {}) }),
    ...[...merged.values()].map(errorResponse),
  );
}
