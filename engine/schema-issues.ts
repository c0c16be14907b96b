/**
 * JSON Schema checking for canvases and action params: one ajv instance with the engine's formats,
 * and the translation of ajv errors into DocumentIssues a marketer can act on (stable code, plain
 * message, JSONPath such as `$.nodes[3].duration`).
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { CANVAS_JSON_SCHEMA, CANVAS_NODE_TYPES, CANVAS_VALIDATION_SCHEMA } from './canvas-schema.js';
import { parseDuration } from './duration.js';
import { EngineError, type DocumentIssue } from './errors.js';
import { isRecord, joinPath } from './json.js';
import { isValidTimeZone, parseInstant, parseTimeOfDay } from './time.js';

export { isRecord, joinPath } from './json.js';

/** An engine format: its issue code and the problem with a value (null when valid). */
interface EngineFormat {
  code: string;
  problem(value: string): string | null;
}

function thrownMessage(fn: () => unknown): string | null {
  try {
    fn();
    return null;
  } catch (err) {
    if (err instanceof EngineError) return err.message;
    throw err;
  }
}

const FORMATS: Record<string, EngineFormat> = {
  duration: { code: 'invalid_duration', problem: (v) => thrownMessage(() => parseDuration(v)) },
  'time-of-day': { code: 'invalid_time_of_day', problem: (v) => thrownMessage(() => parseTimeOfDay(v)) },
  'time-zone': {
    code: 'invalid_time_zone',
    problem: (v) => (isValidTimeZone(v) ? null : `"${v}" is not an IANA time zone such as Asia/Shanghai or Europe/London`),
  },
  'date-time': {
    code: 'invalid_timestamp',
    problem: (v) =>
      parseInstant(v) !== null
        ? null
        : `"${v}" is not a timestamp with an offset; write it like 2025-03-01T09:00:00+08:00 or 2025-03-01T01:00:00Z`,
  },
};

const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, verbose: true });
for (const [name, format] of Object.entries(FORMATS)) {
  ajv.addFormat(name, { type: 'string', validate: (value: string) => format.problem(value) === null });
}

let canvasValidator: ValidateFunction | undefined;
const paramsValidators = new WeakMap<object, ValidateFunction>();

/** Checks a whole document against the canvas schema. */
export function canvasSchemaIssues(doc: unknown): DocumentIssue[] {
  canvasValidator ??= ajv.compile(CANVAS_VALIDATION_SCHEMA);
  if (canvasValidator(doc)) return [];
  return toIssues(canvasValidator.errors ?? [], '$', 'invalid_document', doc);
}

/** Checks an action node's params against the action's params schema; paths start at `basePath`. */
export function paramsSchemaIssues(schema: object, params: unknown, basePath: string): DocumentIssue[] {
  let validate = paramsValidators.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    paramsValidators.set(schema, validate);
  }
  if (validate(params)) return [];
  return toIssues(validate.errors ?? [], basePath, 'invalid_action_params', undefined);
}

/** `/nodes/3/duration` -> `$.nodes[3].duration`, appended to `base`. */
export function pointerToPath(pointer: string, base = '$'): string {
  if (!pointer) return base;
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((path, seg) => joinPath(path, /^\d+$/.test(seg) ? Number(seg) : seg), base);
}


function toIssues(errors: ErrorObject[], basePath: string, defaultCode: string, doc: unknown): DocumentIssue[] {
  // oneOf/anyOf failures report every branch; keep only the summary, and drop if/then bookkeeping.
  // (ajv's schemaPath is relative to the referenced $def, so the instance path must match as well.)
  const alternatives = errors.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf');
  const isBranchDetail = (e: ErrorObject) =>
    alternatives.some(
      (alt) =>
        e.schemaPath.startsWith(`${alt.schemaPath}/`) &&
        (e.instancePath === alt.instancePath || e.instancePath.startsWith(`${alt.instancePath}/`)),
    );
  const kept = errors.filter((e) => e.keyword !== 'if' && !isBranchDetail(e));
  const issues: DocumentIssue[] = [];
  const seen = new Set<string>();
  for (const error of kept) {
    const issue = toIssue(error, basePath, defaultCode);
    const key = `${issue.code}|${issue.path}|${issue.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push({ ...issue, message: withNodeContext(doc, issue.path, issue.message) });
  }
  return issues;
}

function toIssue(e: ErrorObject, basePath: string, defaultCode: string): DocumentIssue {
  const path = pointerToPath(e.instancePath, basePath);
  const params = e.params as Record<string, unknown>;
  const description = typeof e.parentSchema?.description === 'string' ? e.parentSchema.description : undefined;
  const issue = (message: string, code = defaultCode, at = path): DocumentIssue => ({ code, message, path: at });
  switch (e.keyword) {
    case 'required': {
      const name = String(params.missingProperty);
      return issue(`"${name}" is required here but missing`, defaultCode, joinPath(path, name));
    }
    case 'additionalProperties': {
      const name = String(params.additionalProperty);
      const allowed = Object.keys((e.parentSchema?.properties as object | undefined) ?? {});
      const hint = allowed.length > 0 ? `; allowed properties: ${allowed.join(', ')}` : '';
      return issue(`Unknown property "${name}"${hint}`, defaultCode, joinPath(path, name));
    }
    case 'type':
      return issue(`Must be ${article(String(params.type))} ${params.type}, not ${describeValue(e.data)}`);
    case 'const':
      // The validation schema shares its definitions (by identity) with the published one.
      if (e.parentSchema === CANVAS_JSON_SCHEMA.properties.schemaVersion) {
        return issue(
          `schemaVersion ${JSON.stringify(e.data)} is not supported; this engine reads canvas formats 1 and 2 (1 is upgraded to 2)`,
          'unsupported_schema_version',
        );
      }
      return issue(`Must be ${JSON.stringify(params.allowedValue)}`);
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ');
      if (e.parentSchema === CANVAS_JSON_SCHEMA.$defs.node.properties.type) {
        return issue(
          `Unknown node type ${JSON.stringify(e.data)}; known types: ${CANVAS_NODE_TYPES.join(', ')}`,
          'unknown_node_type',
        );
      }
      if (e.parentSchema === CANVAS_JSON_SCHEMA.$defs.weekday) {
        return issue(`${JSON.stringify(e.data)} is not a weekday; use mon, tue, wed, thu, fri, sat or sun`, 'invalid_weekday');
      }
      return issue(`${JSON.stringify(e.data)} is not allowed; use one of ${allowed}`);
    }
    case 'format': {
      const format = FORMATS[String(params.format)];
      const problem = format && typeof e.data === 'string' ? format.problem(e.data) : null;
      return format ? issue(problem ?? `Invalid ${params.format}`, format.code) : issue(e.message ?? 'Invalid value');
    }
    case 'oneOf':
    case 'anyOf':
      if (e.parentSchema === CANVAS_JSON_SCHEMA.$defs.wait) {
        return issue('A wait needs exactly one of "duration", "until" or "timeOfDay"', 'invalid_wait');
      }
      return issue(description ?? 'Does not match any allowed form');
    case 'not':
      return issue(description ?? 'Has a value that is not allowed here');
    case 'dependentRequired':
      return issue(`"${params.property}" is only allowed together with "${params.missingProperty}"`);
    case 'minLength':
      return issue('Must not be empty');
    case 'minItems':
      return issue(`Must have at least ${params.limit} item${params.limit === 1 ? '' : 's'}`);
    case 'pattern':
      return issue(`${JSON.stringify(e.data)} is not valid here${description ? `: ${description}` : ''}`);
    default:
      return issue(e.message ? `Must satisfy: ${e.message}` : 'Invalid value');
  }
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? 'an' : 'a';
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`;
}

/** Prefixes messages about a node with the node's id, so the marketer sees which step is wrong. */
function withNodeContext(doc: unknown, path: string, message: string): string {
  const match = /^\$\.nodes\[(\d+)\]/.exec(path);
  if (!match || !isRecord(doc) || !Array.isArray(doc.nodes)) return message;
  const node: unknown = doc.nodes[Number(match[1])];
  return isRecord(node) && typeof node.id === 'string' ? `Node "${node.id}": ${message}` : message;
}


