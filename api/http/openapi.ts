/**
 * The OpenAPI document, generated from the controllers and their `@Endpoint` decorators, served as
 * JSON at `/docs/openapi.json` and as a browsable page at `/docs`.
 */
import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { API_KEY_SCHEME } from './endpoint.js';

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
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'an API key (je_...)' }, API_KEY_SCHEME)
    .build();
  const document = SwaggerModule.createDocument(app, config);
  extend?.(document);
  return document;
}

export function serveOpenApi(app: INestApplication, extend?: (document: OpenAPIObject) => void): OpenAPIObject {
  const document = buildOpenApiDocument(app, extend);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json', yamlDocumentUrl: 'docs/openapi.yaml' });
  return document;
}
