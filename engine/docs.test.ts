import { describe, expect, test } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { BUILTIN_ACTIONS } from './actions.js';
import { CANVAS_NODE_TYPES } from './canvas-schema.js';
import { nodeTableMarkdown } from './nodes/index.js';
import { CANVAS_ERROR_CODES } from './validate.js';

const DOC_FILE = new URL('../docs/canvas.md', import.meta.url);
const TABLE = /(<!-- node-kinds:begin[^\n]*-->\n)[\s\S]*?(<!-- node-kinds:end -->)/;
if (process.env.JE_UPDATE_DOCS === '1') {
  writeFileSync(DOC_FILE, readFileSync(DOC_FILE, 'utf8').replace(TABLE, (_m, begin: string, end: string) => `${begin}${nodeTableMarkdown()}\n${end}`));
}
const doc = readFileSync(DOC_FILE, 'utf8');

describe('docs/canvas.md', () => {
  test('lists every registered node kind in the node table, as the registry describes it (regenerate with JE_UPDATE_DOCS=1)', () => {
    const table = TABLE.exec(doc);
    expect(table).not.toBeNull();
    expect(doc.slice(table!.index + table![1].length, table!.index + table![0].length - table![2].length)).toBe(`${nodeTableMarkdown()}\n`);
  });

  test.each([...CANVAS_NODE_TYPES])('documents node type %s with its own section', (type) => {
    expect(doc).toContain(`### ${type}\n`);
  });

  test.each([...CANVAS_ERROR_CODES])('documents error code %s in the table', (code) => {
    expect(doc).toMatch(new RegExp(`^\\| \`${code}\` \\|`, 'm'));
  });

  test.each(Object.keys(BUILTIN_ACTIONS))('documents built-in action %s', (action) => {
    expect(doc).toMatch(new RegExp(`^\\| \`${action}\` \\|`, 'm'));
  });

  test('points at the normative schema', () => {
    expect(doc).toContain('engine/canvas.schema.json');
  });
});
