/**
 * Message-text templates: `{{ traits.first_name }}` and `{{ traits.first_name | default: "there" }}`.
 * Deliberately tiny (one filter) so it can later be swapped for Liquid without changing callers.
 */
import { getPath } from './evaluate.js';
import { EngineError } from './errors.js';

/** Roots a template path may start with; `customer.id` is the customer's id. */
const ROOTS = ['traits', 'entry', 'journey', 'customer'] as const;
const PATH = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*/;
const FILTER_NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

type Segment = { text: string } | { path: string; fallback: string | undefined };

/** Result of checking a template: the field paths it reads, or the first problem found. */
export type TemplateCheck = { ok: true; fields: string[] } | { ok: false; error: string };

/** Checks a template and lists the field paths it reads (deduplicated, first-seen order). */
export function parseTemplate(text: string): TemplateCheck {
  const parsed = parseSegments(text);
  if (typeof parsed === 'string') return { ok: false, error: parsed };
  const fields: string[] = [];
  for (const segment of parsed) {
    if ('path' in segment && !fields.includes(segment.path)) fields.push(segment.path);
  }
  return { ok: true, fields };
}

/**
 * Renders a template against `{ traits, entry, journey, customer }`. Missing, null or empty values render
 * the default (or nothing); numbers and booleans as text; objects as JSON. Throws EngineError(`invalid_template`).
 */
export function renderTemplate(text: string, context: Record<string, unknown>): string {
  const parsed = parseSegments(text);
  if (typeof parsed === 'string') throw new EngineError('invalid_template', parsed);
  return parsed
    .map((segment) => {
      if ('text' in segment) return segment.text;
      const value = getPath(context, segment.path);
      if (value === undefined || value === null || value === '') return segment.fallback ?? '';
      if (typeof value === 'string') return value;
      if (typeof value === 'object') return JSON.stringify(value);
      return String(value);
    })
    .join('');
}

/** Splits a template into literal text and fields, or returns an error message. */
function parseSegments(text: string): Segment[] | string {
  if (typeof text !== 'string') return 'A template must be text';
  const segments: Segment[] = [];
  let pos = 0;
  while (pos < text.length) {
    const open = text.indexOf('{{', pos);
    if (open === -1) {
      segments.push({ text: text.slice(pos) });
      break;
    }
    if (open > pos) segments.push({ text: text.slice(pos, open) });
    const close = findClose(text, open + 2);
    if (close === -1) {
      return `"{{" at character ${open + 1} is never closed; end the field with "}}"`;
    }
    const field = parseField(text.slice(open + 2, close), open + 1);
    if (typeof field === 'string') return field;
    segments.push(field);
    pos = close + 2;
  }
  return segments;
}

/** Index of the `}}` ending a field, skipping quoted default text; -1 when there is none. */
function findClose(text: string, from: number): number {
  let quote: string | null = null;
  for (let i = from; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = null;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
    } else if (ch === '}' && text[i + 1] === '}') {
      return i;
    }
  }
  return -1;
}

/** Parses `path` or `path | default: "text"`; `at` is the 1-based position of the field for messages. */
function parseField(expression: string, at: number): Segment | string {
  const where = `the field at character ${at}`;
  const body = expression.trim();
  if (body === '') return `${where} is empty; put a field such as traits.first_name between {{ and }}`;
  const pathMatch = PATH.exec(body);
  if (!pathMatch) return `${where} must start with a field path such as traits.first_name, not "${body}"`;
  const path = pathMatch[0];
  const [root, ...rest] = path.split('.');
  if (!(ROOTS as readonly string[]).includes(root)) {
    return `${where} starts with unknown "${root}"; fields start with ${ROOTS.map((r) => `${r}.`).join(', ')}`;
  }
  if (rest.length === 0) return `${where} names only "${root}"; say which field, e.g. ${root}.${root === 'customer' ? 'id' : 'name'}`;

  let tail = body.slice(path.length).trim();
  if (tail === '') return { path, fallback: undefined };
  if (!tail.startsWith('|')) return `${where} has unexpected text "${tail}" after ${path}`;
  tail = tail.slice(1).trim();
  const name = FILTER_NAME.exec(tail)?.[0];
  if (name !== 'default') {
    return `${where} uses unknown filter "${name ?? tail}"; the only filter is default, e.g. | default: "there"`;
  }
  tail = tail.slice(name.length).trim();
  if (!tail.startsWith(':')) return `${where}: write the default as | default: "text"`;
  const literal = parseQuoted(tail.slice(1).trim());
  if (literal === null) return `${where}: the default text must be in quotes, e.g. | default: "there"`;
  if (literal.rest.trim() !== '') {
    return `${where} has unexpected text "${literal.rest.trim()}" after the default; only one filter is allowed`;
  }
  return { path, fallback: literal.value };
}

/** Reads a quoted string at the start of `text` (backslash escapes the next character). */
function parseQuoted(text: string): { value: string; rest: string } | null {
  const quote = text[0];
  if (quote !== '"' && quote !== "'") return null;
  let value = '';
  for (let i = 1; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\\' && i + 1 < text.length) value += text[++i];
    else if (ch === quote) return { value, rest: text.slice(i + 1) };
    else value += ch;
  }
  return null;
}
