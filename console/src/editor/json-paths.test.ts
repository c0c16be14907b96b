import { jsonLanguage } from '@codemirror/lang-json';
import { describe, expect, it } from 'vitest';
import canvasSchema from '../../../engine/canvas.schema.json';
import type { Schema } from '../forms/SchemaForm';
import { cursorContext, parsePath, rangeOfPath, schemaOptions } from './json-paths';

const parser = jsonLanguage.parser;
const root = canvasSchema as Schema & { $defs: Record<string, Schema> };
const defs = root.$defs;
const text = JSON.stringify({ name: 'x', nodes: [{ id: 't', type: 'trigger' }, { id: 'w', type: 'wait', duration: 'soon' }], edges: [] }, null, 2);
const tree = parser.parse(text);
const at = (r: { from: number; to: number }) => text.slice(r.from, r.to);

describe('JSON paths over the text', () => {
  it('parses the paths the API reports', () => {
    expect(parsePath('$.nodes[3].duration')).toEqual(['nodes', 3, 'duration']);
    expect(parsePath("$.settings['odd key'][0]")).toEqual(['settings', 'odd key', 0]);
    expect(parsePath('$')).toEqual([]);
  });

  it('finds the property a path names, inside arrays', () => {
    expect(at(rangeOfPath(tree, text, ['nodes', 1, 'duration']))).toBe('"duration": "soon"');
    expect(at(rangeOfPath(tree, text, ['nodes', 0]))).toMatch(/^\{\s*"id": "t"/);
  });

  it('points at the opening of the deepest value when the path goes past the text (a missing property)', () => {
    const r = rangeOfPath(tree, text, ['nodes', 1, 'timeout']);
    expect(text[r.from]).toBe('{');
    expect(text.slice(r.from).startsWith('{\n      "id": "w"')).toBe(true);
  });
});

describe('completion from the canvas JSON Schema', () => {
  it("offers the wait node's properties it does not have yet, with their descriptions", () => {
    const pos = text.indexOf('"duration"');
    const ctx = cursorContext(tree, text, pos)!;
    expect(ctx).toMatchObject({ path: ['nodes', 1], type: 'wait', inKey: true });
    const labels = schemaOptions(root, defs, ctx).map((o) => o.label);
    expect(labels).toContain('until');
    expect(labels).toContain('label');
    expect(labels).not.toContain('id');
    expect(labels).not.toContain('timeout');
  });

  it('offers the node kinds as values of "type"', () => {
    const partial = '{ "nodes": [ { "id": "n", "type": "wa" } ] }';
    const ctx = cursorContext(parser.parse(partial), partial, partial.indexOf('wa"') + 2)!;
    expect(ctx).toMatchObject({ inKey: false, property: 'type', path: ['nodes', 0] });
    expect(schemaOptions(root, defs, { ...ctx, type: null }).map((o) => o.label)).toEqual(expect.arrayContaining(['wait', 'wait_for_event', 'action']));
  });

  it('offers the top-level canvas properties at the top', () => {
    const doc = '{ "name": "x", "" }';
    const ctx = cursorContext(parser.parse(doc), doc, doc.indexOf('""') + 1)!;
    expect(ctx.path).toEqual([]);
    expect(schemaOptions(root, defs, ctx).map((o) => o.label)).toEqual(expect.arrayContaining(['nodes', 'edges', 'settings', 'goal']));
  });
});
