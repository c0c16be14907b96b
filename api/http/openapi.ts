/**
 * The OpenAPI document, generated from the controllers and their `@Endpoint` decorators, served as
 * JSON at `/docs/openapi.json` and as a browsable page at `/docs`.
 */
import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { CANVAS_JSON_SCHEMA } from '../../engine/canvas-schema.js';
import { API_KEY_SCHEME, COMPONENTS, defineComponent, type SchemaObject } from './endpoint.js';

/** Builds the document; `extend` adds what the decorators cannot know (the registered channels' schemas). */
export function buildOpenApiDocument(app: INestApplication, extend?: (document: OpenAPIObject) => void): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Journey Engine API')
    .setDescription(
      'Authoring and publishing journeys, event ingestion, customer profiles and history, monitoring. ' +
        'Every route but health, provider webhooks and these docs needs an API key: ' +
        '"Authorization: Bearer <key>" (or "X-API-Key: <key>"). Errors are `{ "error": { "code", "message", "issues"? } }`. ' +
        'Lists take `limit` and `cursor` and answer `{ items, nextCursor }`.',
    )
    .setVersion('1')
    // An opaque API key sent as a bearer token (not a JWT: addBearerAuth would label it so).
    .addSecurity(API_KEY_SCHEME, {
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'API key (je_...)',
      description: 'an API key created with POST /v1/api-keys (or JE_ADMIN_API_KEY); also accepted as the X-API-Key header',
    })
    .build();
  const document = SwaggerModule.createDocument(app, config);
  addComponents(document);
  extend?.(document);
  return document;
}

/** Name of the canvas component (engine/canvas.schema.json); its definitions are `Canvas.<name>`. */
const CANVAS_COMPONENT = 'Canvas';

const { $defs: CANVAS_DEFS, ...CANVAS_ROOT } = CANVAS_JSON_SCHEMA as unknown as { $defs: Record<string, unknown> };

/** A canvas in a body: the engine's schema in the document; the engine checks it in full (422 invalid_canvas), so the request check only wants an object. */
export const CANVAS_REF = defineComponent(CANVAS_COMPONENT, convertCanvas(CANVAS_ROOT), { type: 'object' });

/**
 * The canvas JSON Schema (draft 2020-12, the engine's) as OpenAPI 3.0 components: `$defs` become
 * `Canvas.<name>` components and `const` an one-value `enum`; the engine validates with the original.
 */
function convertCanvas(value: unknown): SchemaObject {
  if (Array.isArray(value)) return value.map(convertCanvas) as unknown as SchemaObject;
  if (value === null || typeof value !== 'object') return value as SchemaObject;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (key === '$schema' || key === '$id' || key === '$defs') continue;
    if (key === '$ref' && typeof v === 'string') out.$ref = v.replace('#/$defs/', `#/components/schemas/${CANVAS_COMPONENT}.`);
    else if (key === 'const') out.enum = [v];
    else out[key] = convertCanvas(v);
  }
  return out as SchemaObject;
}

/** Adds the declared components and the canvas definitions to the document. */
function addComponents(document: OpenAPIObject): void {
  const schemas = ((document.components ??= {}).schemas ??= {});
  for (const [name, def] of Object.entries(CANVAS_DEFS)) schemas[`${CANVAS_COMPONENT}.${name}`] = convertCanvas(def);
  for (const [name, { document: schema }] of COMPONENTS) schemas[name] = schema;
}

export function serveOpenApi(app: INestApplication, extend?: (document: OpenAPIObject) => void): OpenAPIObject {
  const document = buildOpenApiDocument(app, extend);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json', yamlDocumentUrl: 'docs/openapi.yaml' });
  return document;
}
