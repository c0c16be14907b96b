/**
 * The configuration table of docs/operations.md, generated from config/catalogue.ts: written by
 * `npm run docs:config` (scripts/gen-config-docs.ts) and compared by test/config/config-docs.test.ts.
 */
import { type Variable, VARIABLES } from '../../config/catalogue.js';

/** The file that holds the table, relative to the project root. */
export const CONFIG_DOCS_FILE = 'docs/operations.md';
export const BEGIN_MARKER = '<!-- config:begin -->';
export const END_MARKER = '<!-- config:end -->';

/** A Markdown table cell: a `|` would end the cell early. */
const cell = (text: string) => text.replace(/\|/g, '\\|');

function defaultText(variable: Variable<unknown>): string {
  const parts = [
    variable.required ? '**required**' : null,
    variable.default ? `\`${variable.default}\`` : null,
    variable.unset ?? (variable.default ? null : 'unset'),
  ];
  return parts.filter((p): p is string => p !== null).join('; ');
}

/** The table, one row per catalogue variable in the catalogue's order, between its markers. */
export function configTable(variables: readonly Variable<unknown>[] = VARIABLES): string {
  const rows = variables.map((v) =>
    [`\`${v.name}\``, v.readBy.join(', '), v.secret ? `${v.type}; **secret**` : v.type, defaultText(v), v.description].map(cell).join(' | '),
  );
  return [
    BEGIN_MARKER,
    '<!-- Generated from config/catalogue.ts by `npm run docs:config`: edit the catalogue, not this table. -->',
    '',
    '| variable | read by | type | default | meaning |',
    '|---|---|---|---|---|',
    ...rows.map((row) => `| ${row} |`),
    '',
    END_MARKER,
  ].join('\n');
}

/** Where the generated part of `doc` starts and ends (markers included); an error unless each marker is there once, in order. */
export function generatedSpan(doc: string): { start: number; end: number } {
  const start = doc.indexOf(BEGIN_MARKER);
  const end = doc.indexOf(END_MARKER);
  if (start < 0 || end < start || doc.indexOf(BEGIN_MARKER, start + 1) >= 0 || doc.indexOf(END_MARKER, end + 1) >= 0) {
    throw new Error(`${CONFIG_DOCS_FILE} must hold ${BEGIN_MARKER} and then ${END_MARKER}, once each`);
  }
  return { start, end: end + END_MARKER.length };
}

/** `doc` with the part between the markers replaced by the table the catalogue generates. */
export function withConfigTable(doc: string, table: string = configTable()): string {
  const { start, end } = generatedSpan(doc);
  return `${doc.slice(0, start)}${table}${doc.slice(end)}`;
}
