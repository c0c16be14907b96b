import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { COMPARISON_OPS, SEGMENT_ERROR_CODES, validateSegmentRule } from './index.js';

const doc = readFileSync(new URL('../../docs/segments.md', import.meta.url), 'utf8');

describe('docs/segments.md', () => {
  test.each([...SEGMENT_ERROR_CODES])('documents error code %s in the table', (code) => {
    expect(doc).toMatch(new RegExp(`^\\| \`${code}\` \\|`, 'm'));
  });

  test.each([...COMPARISON_OPS])('documents operator %s with an example', (op) => {
    expect(doc).toMatch(new RegExp(`^\\| \`${op}\` \\|.*"op": "${op}"`, 'm'));
  });

  test('every example rule in a table is valid', () => {
    // Inline examples in backticks that parse as JSON (the schematic ones such as `{ "not": r }` do not).
    const examples = [...doc.matchAll(/`(\{ "(?:trait|event|not)".*?\})`/g)].map((m) => m[1]).filter(isJson);
    expect(examples.length).toBeGreaterThan(20);
    for (const text of examples) {
      const checked = validateSegmentRule(JSON.parse(text));
      expect({ text, ok: checked.ok }).toEqual({ text, ok: true });
    }
  });

  test('points at the normative schema', () => {
    expect(doc).toContain('engine/segments/segment-rule.schema.json');
  });
});

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
