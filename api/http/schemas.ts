/** Small builders for the OpenAPI answer schemas the controllers declare (so each answer states its real shape). */
import type { SchemaObject } from './endpoint.js';

/** An ISO 8601 instant (nullable when asked). */
export const time = (nullable = false): SchemaObject => ({ type: 'string', format: 'date-time', ...(nullable ? { nullable: true } : {}) });
/** A string (nullable when asked). */
export const text = (nullable = false): SchemaObject => ({ type: 'string', ...(nullable ? { nullable: true } : {}) });
/** An integer (nullable when asked). */
export const int = (nullable = false): SchemaObject => ({ type: 'integer', ...(nullable ? { nullable: true } : {}) });
/** One of `values`. */
export const oneOfValues = (values: readonly string[]): SchemaObject => ({ type: 'string', enum: [...values] });
/** An object with these fields, `required` always present. */
export const object = (required: string[], properties: Record<string, SchemaObject>): SchemaObject => ({ type: 'object', required, properties });
/** A JSON object of any shape (details, rendered params, rules). */
export const anyObject = (description?: string): SchemaObject => ({ type: 'object', additionalProperties: true, ...(description ? { description } : {}) });
/** name -> count. */
export const COUNTS: SchemaObject = { type: 'object', additionalProperties: { type: 'integer' } };
/** name -> name -> count. */
export const NESTED_COUNTS: SchemaObject = { type: 'object', additionalProperties: COUNTS };
/** Who did something: an API key's id, name and role. */
export const PRINCIPAL_SCHEMA: SchemaObject = object(['keyId', 'name', 'role'], { keyId: text(), name: text(), role: text() });
