/** The OpenAPI schemas of journey answers shared by several routes: a canvas diff and a publish request. */
import type { SchemaObject } from '../http/endpoint.js';
import { PUBLISH_REQUEST_STATUSES } from '../../core/journeys/publish-requests.js';
import { PRINCIPAL_SCHEMA, int, object, oneOfValues, text, time } from '../http/schemas.js';

const list = (items: SchemaObject): SchemaObject => ({ type: 'array', items });
const NODE_REF = object(['id', 'type'], { id: text(), type: text(true) });
const VALUE_CHANGE = object(['field', 'old', 'new'], { field: text(), old: { description: 'the value before (any JSON)' }, new: { description: 'the value after (any JSON)' } });
const EDGE_REF = object(['from', 'port', 'to'], { from: text(), port: text(), to: text() });

/** engine/diff.ts CanvasDiff: what changed between two canvases. */
export const CANVAS_DIFF_SCHEMA: SchemaObject = object(['identical', 'nodes', 'edges', 'settings'], {
  identical: { type: 'boolean', description: 'true when nothing below lists a change' },
  nodes: object(['added', 'removed', 'changed'], {
    added: list(NODE_REF),
    removed: list(NODE_REF),
    changed: list(object(['id', 'type', 'fields', 'values'], { id: text(), type: text(true), fields: list(text()), values: list(VALUE_CHANGE) })),
  }),
  edges: object(['added', 'removed'], { added: list(EDGE_REF), removed: list(EDGE_REF) }),
  settings: object(['changed', 'values'], { changed: list(text()), values: list(VALUE_CHANGE) }),
});

const REQUEST_FIELDS: Record<string, SchemaObject> = {
  requestId: text(),
  journeyId: text(),
  status: oneOfValues(PUBLISH_REQUEST_STATUSES),
  draftRevision: int(),
  baseVersion: { ...int(true), description: 'the active version when the request was made; diff goes from it to the requested draft' },
  diff: CANVAS_DIFF_SCHEMA,
  requestedBy: PRINCIPAL_SCHEMA,
  requestedAt: time(),
  decidedBy: { ...PRINCIPAL_SCHEMA, nullable: true },
  decidedAt: time(true),
  reason: text(true),
  version: { ...int(true), description: 'the version the approval published' },
};

/** core/journeys/publish-requests.ts PublishRequest: a four-eyes publish request. */
export const PUBLISH_REQUEST_SCHEMA: SchemaObject = object(Object.keys(REQUEST_FIELDS), REQUEST_FIELDS);
