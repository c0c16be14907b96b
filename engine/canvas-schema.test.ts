import { describe, expect, test } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { CANVAS_JSON_SCHEMA } from './canvas-schema.js';

const SCHEMA_FILE = new URL('./canvas.schema.json', import.meta.url);
const serialized = `${JSON.stringify(CANVAS_JSON_SCHEMA, null, 2)}\n`;

describe('canvas.schema.json', () => {
  test('is the published copy of CANVAS_JSON_SCHEMA (regenerate with JE_UPDATE_SCHEMA=1)', () => {
    if (process.env.JE_UPDATE_SCHEMA === '1') writeFileSync(SCHEMA_FILE, serialized);
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(serialized);
  });

  test('is a valid draft 2020-12 schema that generic tools can load', () => {
    // Generic tools do not know the engine formats; they must still compile the schema.
    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    expect(() => ajv.compile(JSON.parse(serialized))).not.toThrow();
  });
});
