/**
 * `@Endpoint(...)`: one decorator per route that states who may call it and documents it. The
 * access rule feeds the API-key guard; the rest feeds the OpenAPI document served at `/docs`, with
 * the error answers every route shares (401/403 for keyed routes, 500 for all) added here.
 */
import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiParam, ApiQuery, ApiResponse, ApiSecurity, type SchemaObject } from '@nestjs/swagger';
import { ROLE_DESCRIPTIONS, type Access } from '../../core/access/roles.js';
import { LISTED_TIME_ZONES } from '../../engine/time.js';

export type { SchemaObject };

/** Metadata key of a route's {@link Access}. */
export const ACCESS_METADATA = 'je:access';

/** Metadata key of a route's whole {@link EndpointSpec} (read by the ContractInterceptor, api/http/contract.ts). */
export const ENDPOINT_METADATA = 'je:endpoint';

/**
 * Components a spec may `$ref` (`#/components/schemas/NAME`): what the document shows, and what the
 * request check runs instead when the component's rules are checked later by their owner (a canvas:
 * the engine answers 422 invalid_canvas with every issue; a batch's event: checked item by item).
 */
export const COMPONENTS = new Map<string, { document: SchemaObject; runtime: SchemaObject }>();

/** Declares a component (once, at module load); `runtime` defaults to `document`. */
export function defineComponent(name: string, document: SchemaObject, runtime: SchemaObject = document): { $ref: string } {
  COMPONENTS.set(name, { document, runtime });
  return { $ref: `#/components/schemas/${name}` };
}

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
  /** JSON Schema of the request body, checked before the handler runs (400 `bodyCode`). */
  body?: SchemaObject;
  /** Whether a body must be sent (default true when `body` is given). */
  bodyRequired?: boolean;
  /** Largest body accepted, in bytes (413 `payload_too_large` above it); default {@link DEFAULT_BODY_LIMIT_BYTES}. */
  maxBodyBytes?: number;
  /** The 400 code of a body that does not match `body`; default `invalid_body`. */
  bodyCode?: string;
  /** Path parameters: schema (default string) and the 400 code when one does not match (default `invalid_path`). */
  params?: Record<string, { description: string; schema?: SchemaObject; code?: string }>;
  /** Query parameters: any other name, a repeated name or an array form (`x[]=`) is a 400 `invalid_query`; a value its schema refuses too, or the parameter's `code`. */
  query?: Record<string, { description: string; schema?: SchemaObject; required?: boolean; code?: string }>;
  /** The success answer. */
  ok: { status?: number; description: string; schema?: SchemaObject };
  /** Route-specific error answers (the shared ones are added). */
  errors?: ErrorAnswer[];
  /**
   * Rules between fields a JSON Schema cannot express (`to` not before `from`): each is stated in the
   * operation's description, and a request that matches the schema but breaks one is answered 422
   * `invalid_range` with its issues ({@link invalidRange} in api/http/validation.ts).
   */
  ranges?: string[];
}

/** The code of a schema-valid request that breaks a rule between its fields (EndpointSpec.ranges). */
export const INVALID_RANGE = 'invalid_range';

/** The body limit of a route that states none, and the most any route accepts (the JSON parser's limit). */
export const DEFAULT_BODY_LIMIT_BYTES = 1024 * 1024;

/** `1 MB`, `16 KB`: a body limit as the documents state it. */
export function bytesText(bytes: number): string {
  return bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MB` : `${Math.round(bytes / 1024)} KB`;
}

function bodyLimitText(spec: EndpointSpec): string {
  return `${bytesText(spec.maxBodyBytes ?? DEFAULT_BODY_LIMIT_BYTES)} (this route's limit); error.limit holds it in bytes`;
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

/** A non-empty string of at most 200 characters (ids and names in queries). */
export const NON_EMPTY: SchemaObject = { type: 'string', minLength: 1, maxLength: 200 };

/** An instant in a query string: an ISO 8601 date-time with an offset, or epoch milliseconds. */
export const INSTANT_QUERY: SchemaObject = {
  description: 'an ISO 8601 date-time with an offset, or epoch milliseconds (at most 14 digits, before the year 5138)',
  anyOf: [{ type: 'string', format: 'date-time' }, { type: 'string', pattern: '^[0-9]{1,14}$' }],
};

/** The ISO 8601 durations the document promises (the parser accepts combinations too): P2W, P3D, PT6H, P1DT12H. */
export const DURATION_PATTERN = '^(P[1-9][0-9]?[WD]|PT[1-9][0-9]?[HMS]|P[1-9][0-9]?DT[1-9][0-9]?[HMS])$';

/**
 * An IANA time zone, decided by the engine's rule (isValidTimeZone, the one canvases and customers'
 * zones are held to): the document lists the canonical names; the request check also takes the
 * aliases the engine takes (US/Pacific, Asia/Kolkata), so no zone the engine accepts is refused here.
 */
export const TIME_ZONE_SCHEMA: SchemaObject = defineComponent(
  'TimeZone',
  { type: 'string', enum: [...LISTED_TIME_ZONES], description: 'an IANA time zone; the aliases this server knows (e.g. US/Pacific, Asia/Kolkata) are accepted too' },
  { type: 'string', format: 'time-zone' },
) as SchemaObject;

/** An answer object with the fields it always has (each documented in the answer's description). */
export function answerWith(required: string[], properties: Record<string, SchemaObject> = {}): SchemaObject {
  return { type: 'object', required, properties: { ...Object.fromEntries(required.map((name) => [name, {}])), ...properties } };
}

/** `limit` and `cursor`, the query parameters of every list. */
export const PAGE_QUERY: NonNullable<EndpointSpec['query']> = {
  limit: { description: 'items per page, 1-200 (default 50)', schema: { type: 'integer', minimum: 1, maximum: 200 } },
  cursor: { description: 'the nextCursor of the previous page (opaque: one the API did not make is refused with 400 invalid_query)', schema: { type: 'string', minLength: 1 } },
};

/** The 400 codes the request check can answer on this route. */
function requestCodes(spec: EndpointSpec): string[] {
  return [
    ...Object.values(spec.params ?? {}).map((p) => p.code ?? 'invalid_path'),
    ...(Object.keys(spec.query ?? {}).length > 0 ? ['invalid_query'] : []),
    ...Object.values(spec.query ?? {}).flatMap((q) => (q.code ? [q.code] : [])),
    ...(spec.body ? [spec.bodyCode ?? 'invalid_body'] : []),
  ];
}

function errorResponse({ status, codes, description }: ErrorAnswer) {
  return ApiResponse({ status, description: `${description ? `${description}. ` : ''}error.code: ${codes.join(', ')}`, schema: ERROR_SCHEMA });
}

function accessText(access: Access): string {
  if (access === 'public') return 'Public: no API key needed.';
  const roles = ['admin', ...access];
  return `Roles: ${roles.map((r) => `${r} (${ROLE_DESCRIPTIONS[r as keyof typeof ROLE_DESCRIPTIONS]})`).join('; ')}.`;
}

function rangesText(ranges: string[]): string | undefined {
  return ranges.length > 0 ? `Rules between fields (a request that matches the schema but breaks one: 422 ${INVALID_RANGE}): ${ranges.join('; ')}.` : undefined;
}

/**
 * A request body schema with its objects closed: every object that lists its `properties` and says
 * nothing of others refuses unknown ones (400 `unknown_field` with the path), so a misspelt field is
 * never silently ignored. Objects that state `additionalProperties` (traits, properties: extension
 * points) or list no properties (free-form payloads) are left as they are; `$ref` components too.
 */
export function closedBody(schema: SchemaObject): SchemaObject {
  const close = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(close);
    if (value === null || typeof value !== 'object' || '$ref' in value) return value;
    const node = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(node)) {
      if (key === 'properties' && child && typeof child === 'object') out[key] = Object.fromEntries(Object.entries(child).map(([name, s]) => [name, close(s)]));
      else out[key] = ['items', 'anyOf', 'oneOf', 'allOf'].includes(key) ? close(child) : child;
    }
    if (node.properties !== undefined && node.additionalProperties === undefined) out.additionalProperties = false;
    return out;
  };
  return close(schema) as SchemaObject;
}

export function Endpoint(declared: EndpointSpec): MethodDecorator {
  const spec: EndpointSpec = declared.body ? { ...declared, body: closedBody(declared.body) } : declared;
  const errors: ErrorAnswer[] = [...(spec.errors ?? [])];
  const ranges = spec.ranges ?? [];
  if (ranges.length > 0) errors.push({ status: 422, codes: [INVALID_RANGE], description: `A rule between fields is broken: ${ranges.join('; ')}. error.issues lists each with its JSON path` });
  if (spec.access !== 'public') {
    errors.push({ status: 401, codes: ['missing_api_key', 'invalid_api_key'], description: 'No API key, or one that is unknown or revoked' });
    errors.push({ status: 403, codes: ['forbidden_role'], description: "The key's role may not call this route" });
  }
  const declaresInput = spec.body || Object.keys(spec.query ?? {}).length > 0 || Object.keys(spec.params ?? {}).length > 0;
  if (declaresInput) errors.push({ status: 400, codes: requestCodes(spec), description: 'The request does not match its schema: error.issues lists each problem with its JSON path' });
  if (spec.body) errors.push({ status: 413, codes: ['payload_too_large'], description: `The body exceeds ${bodyLimitText(spec)}` });
  errors.push({ status: 500, codes: ['internal_error'], description: 'A fault on our side (no details leak)' });
  const merged = new Map<number, ErrorAnswer>();
  for (const e of errors) {
    const seen = merged.get(e.status);
    const description = [seen?.description, e.description].filter(Boolean).join('; ') || undefined;
    merged.set(e.status, seen ? { status: e.status, codes: [...new Set([...seen.codes, ...e.codes])], description } : e);
  }
  return applyDecorators(
    SetMetadata(ACCESS_METADATA, spec.access),
    SetMetadata(ENDPOINT_METADATA, spec),
    ApiOperation({ summary: spec.summary, description: [spec.description, rangesText(ranges), accessText(spec.access)].filter(Boolean).join('\n\n') }),
    ...(spec.access === 'public' ? [] : [ApiSecurity(API_KEY_SCHEME)]),
    ...(spec.body ? [ApiBody({ schema: spec.body, required: spec.bodyRequired ?? true })] : []),
    ...Object.entries(spec.params ?? {}).map(([name, p]) => ApiParam({ name, description: p.description, required: true, schema: p.schema ?? { type: 'string' } })),
    ...Object.entries(spec.query ?? {}).map(([name, q]) =>
      ApiQuery({ name, description: q.description, required: q.required ?? false, schema: q.schema ?? { type: 'string' } }),
    ),
    ApiResponse({ status: spec.ok.status ?? 200, description: spec.ok.description, ...(spec.ok.schema ? { schema: spec.ok.schema } : {}) }),
    ...[...merged.values()].map(errorResponse),
  );
}
