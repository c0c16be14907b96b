import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { BUILTIN_ACTIONS } from './actions.js';
import { CANVAS_NODE_TYPES } from './canvas-schema.js';
import { CANVAS_ERROR_CODES } from './validate.js';

const doc = readFileSync(new URL('../docs/canvas.md', import.meta.url), 'utf8');

describe('docs/canvas.md', () => {
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
