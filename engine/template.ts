/**
 * Message-text templates in Liquid (the liquidjs package): `{{ traits.first_name | default: "there" }}`,
 * `{% if entry.total > 100 %}…{% endif %}`, `{% for t in traits.tokens %}{{ t }}{% endfor %}`.
 *
 * Parsing and rendering happen in memory only: the Liquid instance has no file system (no partials,
 * includes or layouts), every standard filter but no unknown one, and only the tags in TAGS.
 * Publish time (parseTemplate) refuses anything that would otherwise fail or read a wrong field at send time.
 * Workflows must not import this file: liquidjs is for activities and publish-time checks only.
 */
import { Liquid, toValue, type Template, type Variable } from 'liquidjs';
import { EngineError } from './errors.js';

/** Roots a template variable may start with (besides loop variables and `assign`ed names in scope). */
export const TEMPLATE_ROOTS = ['traits', 'entry', 'journey', 'customer'] as const;

/** Fields of the roots whose shape the engine fixes (see activities/actions.ts); other roots are open. */
const KNOWN_FIELDS: Readonly<Record<string, readonly string[]>> = {
  journey: ['id', 'name', 'versionId'],
  customer: ['id'],
};

/** The Liquid tags a template may use (their closing tags and `elsif`/`else`/`when` come with them). */
export const TEMPLATE_TAGS = ['if', 'unless', 'elsif', 'else', 'case', 'when', 'for', 'assign', 'capture', 'comment', 'raw'] as const;

/** Result of checking a template: the field paths it reads, or the first problem found. */
export type TemplateCheck = { ok: true; fields: string[] } | { ok: false; error: string };

const liquid = createLiquid();

/**
 * Checks a template and lists the context field paths it reads (deduplicated, first-seen order), e.g.
 * `entry.items.0.sku`. Refuses syntax errors, unknown filters, tags outside TEMPLATE_TAGS, variables
 * outside TEMPLATE_ROOTS and unknown fields of `journey` / `customer`.
 */
export function parseTemplate(text: string): TemplateCheck {
  const parsed = parse(text);
  if (typeof parsed === 'string') return { ok: false, error: parsed };
  let globals: Variable[];
  try {
    globals = Object.values(liquid.analyzeSync(parsed, { partials: false }).globals).flat();
  } catch (err) {
    return { ok: false, error: liquidMessage(err) };
  }
  globals.sort((a, b) => a.location.row - b.location.row || a.location.col - b.location.col);
  const fields: string[] = [];
  for (const variable of globals) {
    const problem = checkVariable(variable);
    if (problem) return { ok: false, error: problem };
    const path = formatPath(variable.segments);
    if (!fields.includes(path)) fields.push(path);
  }
  return { ok: true, fields };
}

/**
 * Renders a template against `{ traits, entry, journey, customer }`. Missing and null values render as
 * nothing (the `default` filter supplies text; it also replaces `false` and "" as in standard Liquid),
 * numbers and booleans as text, objects and arrays as JSON. Output is not HTML-escaped (SMS/push text).
 * Throws EngineError(`invalid_template`) when the template does not parse or fails while rendering.
 */
export function renderTemplate(text: string, context: Record<string, unknown>): string {
  const parsed = parseForRender(text);
  if (typeof parsed === 'string') throw new EngineError('invalid_template', parsed);
  try {
    return String(liquid.renderSync(parsed, context));
  } catch (err) {
    throw new EngineError('invalid_template', `the template could not be rendered: ${liquidMessage(err)}`);
  }
}

function createLiquid(): Liquid {
  const engine = new Liquid({
    // An empty in-memory template map: liquidjs never touches the file system.
    templates: {},
    strictFilters: true,
    ownPropertyOnly: true,
    // Objects and arrays print as JSON rather than "[object Object]" / joined items; nothing is HTML-escaped.
    outputEscape: outputText,
    // Bounds for hostile or runaway templates: characters parsed, milliseconds rendering, items allocated.
    parseLimit: 100_000,
    renderLimit: 1_000,
    memoryLimit: 1_000_000,
  });
  const allowed: readonly string[] = TEMPLATE_TAGS;
  for (const name of Object.keys(engine.tags)) {
    if (allowed.includes(name)) continue;
    engine.registerTag(name, {
      parse() {
        throw new Error(`the {% ${name} %} tag is not allowed; allowed tags: ${TEMPLATE_TAGS.join(', ')}`);
      },
      render() {
        return '';
      },
    });
  }
  return engine;
}

/** How `{{ value }}` prints: nil as nothing, objects and arrays as JSON, anything else as text. */
function outputText(raw: unknown): string {
  const value: unknown = toValue(raw);
  if (value === undefined || value === null) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Parsed templates by text: a journey renders the same few templates for every customer (a backtest, thousands a second). */
const parsedTemplates = new Map<string, Template[] | string>();
const MAX_PARSED_TEMPLATES = 1000;

/** parse, remembered: liquid's parsed templates are immutable and render any number of times. */
function parseForRender(text: string): Template[] | string {
  let parsed = parsedTemplates.get(text);
  if (parsed === undefined) {
    parsed = parse(text);
    if (parsedTemplates.size >= MAX_PARSED_TEMPLATES) parsedTemplates.clear();
    if (typeof text === 'string') parsedTemplates.set(text, parsed);
  }
  return parsed;
}

/** Parses a template, or returns an error message. */
function parse(text: string): Template[] | string {
  if (typeof text !== 'string') return 'A template must be text';
  try {
    return liquid.parse(text);
  } catch (err) {
    return liquidMessage(err);
  }
}

/** liquidjs's message, with its `undefined filter: x` reworded (it already ends with `, line:L, col:C`). */
function liquidMessage(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(
    /^undefined filter: ([^,\s]+)/,
    (_m, name: string) => `unknown filter "${name}"; use a standard Liquid filter such as default, upcase or date`,
  );
}

/** Why a context variable may not be read, or null when it may. */
function checkVariable(variable: Variable): string | null {
  const [root, field] = variable.segments;
  const path = formatPath(variable.segments);
  const where = `the field "${path}" at line ${variable.location.row}, column ${variable.location.col}`;
  const roots = TEMPLATE_ROOTS as readonly unknown[];
  if (!roots.includes(root)) {
    return `${where} starts with unknown "${String(root)}"; fields start with ${TEMPLATE_ROOTS.map((r) => `${r}.`).join(', ')}`;
  }
  if (field === undefined) {
    return `${where} names only "${String(root)}"; say which field, e.g. ${String(root)}.${root === 'customer' ? 'id' : 'name'}`;
  }
  const known = KNOWN_FIELDS[root as string];
  if (known && !(typeof field === 'string' && known.includes(field))) {
    return `${where} is not a field of ${String(root)}; ${String(root)} has only ${known.join(', ')}`;
  }
  return null;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$|^[0-9]+$/;

/** `entry.items.0.sku`, `traits["first name"]`, `traits[entry.key]`. */
function formatPath(segments: ReadonlyArray<string | number | Variable>): string {
  return segments
    .map((segment, i) => {
      if (typeof segment === 'number') return `.${segment}`;
      if (typeof segment === 'string') {
        if (i === 0) return segment;
        return IDENTIFIER.test(segment) ? `.${segment}` : `[${JSON.stringify(segment)}]`;
      }
      return `[${formatPath(segment.segments)}]`;
    })
    .join('');
}
