/**
 * The runtime half of the contract: every request is checked against the very `@Endpoint` spec the
 * OpenAPI document is generated from (api/http/endpoint.ts), with ajv, before its handler runs. Path
 * parameters (400 with the parameter's code, default `invalid_path`), the query string (400
 * `invalid_query`: unknown names, repeated names and array forms such as `?status[]=x` included) and
 * the body (400 with the route's body code, default `invalid_body`); every problem is listed with its
 * JSON path. Rules a JSON Schema cannot express stay in the handlers and use cases: rules between
 * fields answer 422 `invalid_range` (EndpointSpec.ranges). A request that fails this check never
 * reaches them, so its 400 lists the schema's issues only (docs/api.md, "One answer per layer").
 */
import { type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { Observable } from 'rxjs';
import { parseDuration } from '../../engine/duration.js';
import { isValidTimeZone } from '../../engine/time.js';
import { DEFAULT_BODY_LIMIT_BYTES, ENDPOINT_METADATA, COMPONENTS, bytesText, type EndpointSpec, type SchemaObject } from './endpoint.js';
import { memberPath } from './string-safety.js';
import { ApiError } from './api-error.js';
import { invalidRequest, isCalendarDate, jsonBytes, parseInstant, type FieldIssue } from './validation.js';

/** ajv for bodies: types as sent. */
const bodies = newAjv(false);
/** ajv for path and query parameters: they arrive as text, so `integer` is `"12"`. */
const parameters = newAjv(true);

function newAjv(coerceTypes: boolean): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: false, coerceTypes, validateFormats: true, verbose: true });
  const throws = (fn: () => unknown) => {
    try {
      fn();
      return true;
    } catch {
      return false;
    }
  };
  ajv.addFormat('date-time', { type: 'string', validate: (v: string) => parseInstant(v) !== null });
  ajv.addFormat('duration', { type: 'string', validate: (v: string) => throws(() => parseDuration(v)) });
  ajv.addFormat('time-zone', { type: 'string', validate: (v: string) => isValidTimeZone(v) });
  ajv.addFormat('date', { type: 'string', validate: isCalendarDate });
  for (const name of ['time-of-day', 'int64', 'int32', 'uri', 'email']) ajv.addFormat(name, true);
  return ajv;
}

/** The schema ajv runs: component references replaced by what the runtime checks of them (see COMPONENTS). */
function runtimeSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(runtimeSchema);
  if (schema === null || typeof schema !== 'object') return schema;
  const ref = (schema as { $ref?: unknown }).$ref;
  if (typeof ref === 'string') {
    const name = ref.replace('#/components/schemas/', '');
    const replacement = COMPONENTS.get(name)?.runtime;
    if (!replacement) throw new Error(`@Endpoint: no runtime schema for component ${ref}`);
    return runtimeSchema(replacement);
  }
  return Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, k === 'example' || k === 'examples' ? v : runtimeSchema(v)]));
}

/** One route's compiled checks. */
interface RouteChecks {
  params: ValidateFunction | null;
  paramCodes: Record<string, string>;
  query: ValidateFunction;
  queryNames: Set<string>;
  queryCodes: Record<string, string>;
  body: ValidateFunction | null;
  bodyRequired: boolean;
  bodyCode: string;
  maxBodyBytes: number;
}

const compiled = new WeakMap<EndpointSpec, RouteChecks>();

function checksOf(spec: EndpointSpec): RouteChecks {
  let checks = compiled.get(spec);
  if (checks) return checks;
  const params = Object.entries(spec.params ?? {});
  const query = Object.entries(spec.query ?? {});
  checks = {
    params:
      params.length === 0
        ? null
        : parameters.compile({
            type: 'object',
            properties: Object.fromEntries(params.map(([name, p]) => [name, runtimeSchema(p.schema ?? { type: 'string' })])),
          }),
    paramCodes: Object.fromEntries(params.map(([name, p]) => [name, p.code ?? 'invalid_path'])),
    query: parameters.compile({
      type: 'object',
      properties: Object.fromEntries(query.map(([name, q]) => [name, runtimeSchema(q.schema ?? { type: 'string' })])),
      required: query.filter(([, q]) => q.required).map(([name]) => name),
    }),
    queryNames: new Set(query.map(([name]) => name)),
    queryCodes: Object.fromEntries(query.map(([name, q]) => [name, q.code ?? 'invalid_query'])),
    body: spec.body ? bodies.compile(runtimeSchema(spec.body) as SchemaObject) : null,
    bodyRequired: spec.bodyRequired ?? true,
    bodyCode: spec.bodyCode ?? 'invalid_body',
    maxBodyBytes: spec.maxBodyBytes ?? DEFAULT_BODY_LIMIT_BYTES,
  };
  compiled.set(spec, checks);
  return checks;
}

interface RequestParts {
  params?: Record<string, unknown>;
  query?: Record<string, unknown>;
  body?: unknown;
  headers: Record<string, string | string[] | undefined>;
}

/** Registered once globally (after the API-key guard has run): checks each request against its route's `@Endpoint` spec. */
export class ContractInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const spec = context.getType() === 'http' ? (Reflect.getMetadata(ENDPOINT_METADATA, context.getHandler()) as EndpointSpec | undefined) : undefined;
    if (spec) checkRequest(checksOf(spec), context.switchToHttp().getRequest<RequestParts>());
    return next.handle();
  }
}

function checkRequest(checks: RouteChecks, req: RequestParts): void {
  if (checks.params && !checks.params({ ...req.params })) {
    const issues = toIssues(checks.params.errors, '$path');
    throw invalidRequest(checks.paramCodes[parameterOf(issues[0]?.path, '$path')] ?? 'invalid_path', issues);
  }
  const query = { ...req.query };
  const queryIssues: FieldIssue[] = [];
  for (const [name, value] of Object.entries(query)) {
    const path = memberPath('$query', name);
    if (!checks.queryNames.has(name)) {
      queryIssues.push({ path, code: 'unknown_parameter', message: `${path}: unknown query parameter "${name}"; this route takes ${[...checks.queryNames].join(', ') || 'none'}` });
    } else if (typeof value !== 'string') {
      queryIssues.push({ path, code: 'invalid_type', message: `${path} must be given once, as a single value (no repeats, no name[] forms)` });
    }
  }
  if (queryIssues.length > 0) throw invalidRequest('invalid_query', queryIssues);
  if (!checks.query(query)) {
    const issues = toIssues(checks.query.errors, '$query');
    throw invalidRequest(checks.queryCodes[parameterOf(issues[0]?.path, '$query')] ?? 'invalid_query', issues);
  }
  if (!checks.body) return;
  const size = bodySize(req);
  if (size > checks.maxBodyBytes) {
    throw new ApiError(413, 'payload_too_large', `The request body is ${size} bytes; this route accepts at most ${bytesText(checks.maxBodyBytes)}`, {
      limit: checks.maxBodyBytes,
    });
  }
  // body-parser leaves no body (undefined, or {} from some adapters) when none was sent.
  const sent = req.body !== undefined && !(isEmptyObject(req.body) && !hasBody(req));
  if (!sent) {
    if (checks.bodyRequired) throw invalidRequest(checks.bodyCode, [{ path: '$', code: 'required', message: 'A JSON body is required (Content-Type: application/json)' }]);
    return;
  }
  const deep = tooDeep(req.body);
  if (deep) throw invalidRequest(checks.bodyCode, [{ path: deep, code: 'too_deep', message: `${deep} is nested more than ${MAX_BODY_DEPTH} levels deep` }]);
  if (!checks.body(req.body)) throw invalidRequest(checks.bodyCode, toIssues(checks.body.errors, '$'));
}

/** `from` of `$query.from`: the parameter an issue is about. */
function parameterOf(path: string | undefined, root: string): string {
  return /^\.(\w+)/.exec((path ?? '').slice(root.length))?.[1] ?? '';
}

/** Deepest nesting of objects and arrays a body may have (checked before anything recursive reads it). */
export const MAX_BODY_DEPTH = 64;

/** The path of the first value nested deeper than MAX_BODY_DEPTH, or null; iterative, so any depth is safe. */
export function tooDeep(root: unknown): string | null {
  const stack: [unknown, number, string][] = [[root, 0, '$']];
  while (stack.length > 0) {
    const [value, depth, path] = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (depth >= MAX_BODY_DEPTH) return path;
    for (const [key, child] of Object.entries(value)) stack.push([child, depth + 1, memberPath(path, Array.isArray(value) ? Number(key) : key)]);
  }
  return null;
}

/** The body's size as sent (Content-Length), or as JSON when it came chunked. */
function bodySize(req: RequestParts): number {
  const length = Number(req.headers['content-length']);
  return Number.isFinite(length) ? length : jsonBytes(req.body);
}

function isEmptyObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0;
}

function hasBody(req: RequestParts): boolean {
  return req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0' || req.headers['transfer-encoding'] !== undefined;
}

const CODES: Record<string, string> = {
  required: 'required',
  type: 'invalid_type',
  maxLength: 'too_long',
  minLength: 'too_short',
  pattern: 'invalid_format',
  format: 'invalid_format',
  enum: 'invalid_value',
  const: 'invalid_value',
  additionalProperties: 'unknown_field',
  minimum: 'out_of_range',
  maximum: 'out_of_range',
  exclusiveMinimum: 'out_of_range',
  exclusiveMaximum: 'out_of_range',
  minItems: 'too_few',
  maxItems: 'too_many',
  maxProperties: 'too_many',
};

/** ajv's errors as issues: a JSON path (`$.events[2].name`, `$query.limit`), a stable code, a message with the path. */
function toIssues(errors: ErrorObject[] | null | undefined, root: string): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const seen = new Set<string>();
  // An anyOf/oneOf failure also reports every branch's own errors: keep the summary only.
  const alternatives = (errors ?? []).filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf');
  const isBranchDetail = (e: ErrorObject) => alternatives.some((alt) => e.schemaPath.startsWith(`${alt.schemaPath}/`) && e.instancePath.startsWith(alt.instancePath));
  for (const e of (errors ?? []).filter((x) => !isBranchDetail(x))) {
    let path = e.instancePath
      .split('/')
      .slice(1)
      .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce<string>((p, seg) => memberPath(p, /^\d+$/.test(seg) ? Number(seg) : seg), root);
    const params = e.params as Record<string, unknown>;
    if (e.keyword === 'required') path = memberPath(path, String(params.missingProperty));
    if (e.keyword === 'additionalProperties') path = memberPath(path, String(params.additionalProperty));
    const message =
      e.keyword === 'required'
        ? `${path} is required`
        : e.keyword === 'additionalProperties'
          ? `${path} is not a known field here`
          : e.keyword === 'anyOf' || e.keyword === 'oneOf'
            ? `${path} ${(e.parentSchema as { description?: string } | undefined)?.description ?? 'does not match any allowed form'}`
            : `${path} ${e.message ?? 'is invalid'}`;
    const issue = { path, code: CODES[e.keyword] ?? 'invalid_value', message };
    const key = `${issue.path}|${issue.code}`;
    if (!seen.has(key)) issues.push(issue);
    seen.add(key);
  }
  return issues;
}
