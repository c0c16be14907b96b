/**
 * A settings form generated from a node's JSON Schema (the canvas schema the engine validates with):
 * text, number, yes/no and choice fields for the simple properties, a JSON box for the rest
 * (conditions, params, lists). Each field shows the validation errors pinned on it.
 */
import { createContext, lazy, Suspense, useContext, useEffect, useState } from 'react';
import type { PathIssue } from '../editor/CodeJson';
import type { PinnedIssue } from '../graph/issues';

// CodeMirror is a chunk of its own, loaded with the first JSON box; until then the box is a plain text area.
const CodeJson = lazy(() => import('../editor/CodeJson'));

/** Which editor JSON boxes use: CodeMirror in the browser, the plain text area where there is no layout (jsdom tests). */
export const JsonEditorKind = createContext<'code' | 'plain'>('code');

export interface Schema {
  type?: string | string[];
  $ref?: string;
  const?: unknown;
  enum?: unknown[];
  description?: string;
  format?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  minimum?: number;
  maximum?: number;
}

/** Follows `#/$defs/x` references against `defs` (one level at a time, as often as needed). */
export function resolve(schema: Schema, defs: Record<string, Schema>): Schema {
  let s = schema;
  for (let i = 0; s.$ref && i < 10; i += 1) {
    const target = defs[s.$ref.replace('#/$defs/', '')];
    if (!target) break;
    const { $ref: _, ...rest } = s;
    s = { ...target, ...rest };
  }
  return s;
}

export type FieldKind = 'const' | 'enum' | 'boolean' | 'number' | 'text' | 'json';

/** How a property is edited. */
export function fieldKind(schema: Schema): FieldKind {
  if (schema.const !== undefined) return 'const';
  if (schema.enum) return 'enum';
  if (schema.type === 'boolean') return 'boolean';
  if (schema.type === 'integer' || schema.type === 'number') return 'number';
  if (schema.type === 'string') return 'text';
  return 'json';
}

interface Props {
  schema: Schema;
  defs: Record<string, Schema>;
  value: Record<string, unknown>;
  onChange: (value: Record<string, unknown>) => void;
  issues?: PinnedIssue[];
  readOnly?: boolean;
}

export function SchemaForm({ schema, defs, value, onChange, issues = [], readOnly = false }: Props) {
  const root = resolve(schema, defs);
  const properties = Object.entries(root.properties ?? {});
  const set = (name: string, v: unknown) => {
    const next = { ...value };
    if (v === undefined || v === '') delete next[name];
    else next[name] = v;
    onChange(next);
  };
  return (
    <div className="je-form">
      {properties.map(([name, raw]) => {
        const prop = resolve(raw, defs);
        const fieldIssues = issues.filter((i) => i.field === name || i.field?.startsWith(`${name}.`) || i.field?.startsWith(`${name}[`));
        return (
          <Field
            key={name}
            name={name}
            schema={prop}
            defs={defs}
            required={root.required?.includes(name) ?? false}
            value={value[name]}
            onChange={(v) => set(name, v)}
            issues={fieldIssues}
            readOnly={readOnly || name === 'id'}
          />
        );
      })}
    </div>
  );
}

function Field({ name, schema, defs, required, value, onChange, issues, readOnly }: {
  name: string;
  schema: Schema;
  defs: Record<string, Schema>;
  required: boolean;
  value: unknown;
  onChange: (v: unknown) => void;
  issues: PinnedIssue[];
  readOnly: boolean;
}) {
  const kind = fieldKind(schema);
  const id = `field-${name}`;
  const invalid = issues.length > 0;
  let input: React.ReactNode;
  switch (kind) {
    case 'const':
      input = <output id={id}>{String(schema.const)}</output>;
      break;
    case 'enum':
      input = (
        <select id={id} value={value === undefined ? '' : String(value)} disabled={readOnly} onChange={(e) => onChange(e.target.value || undefined)} aria-invalid={invalid}>
          <option value="">{required ? '(choose)' : '(default)'}</option>
          {schema.enum!.map((o) => (
            <option key={String(o)} value={String(o)}>
              {String(o)}
            </option>
          ))}
        </select>
      );
      break;
    case 'boolean':
      input = <input id={id} type="checkbox" checked={value === true} disabled={readOnly} onChange={(e) => onChange(e.target.checked)} />;
      break;
    case 'number':
      input = (
        <input id={id} type="number" value={typeof value === 'number' ? value : ''} min={schema.minimum} max={schema.maximum} disabled={readOnly}
          onChange={(e) => onChange(e.target.value === '' ? undefined : Number(e.target.value))} aria-invalid={invalid} />
      );
      break;
    case 'text':
      input = <input id={id} type="text" value={typeof value === 'string' ? value : value === undefined ? '' : String(value)} readOnly={readOnly} onChange={(e) => onChange(e.target.value)} aria-invalid={invalid} />;
      break;
    case 'json':
      input = (
        <JsonField id={id} label={`${name}${required ? ' *' : ''}`} value={value} onChange={onChange} readOnly={readOnly} invalid={invalid}
          issues={issues.map((i) => ({ path: `$${(i.field ?? name).slice(name.length)}`, message: i.message }))} schema={schema} defs={defs} />
      );
      break;
  }
  return (
    <div className={`je-field${invalid ? ' invalid' : ''}`}>
      <label htmlFor={id}>
        {name}
        {required ? ' *' : ''}
      </label>
      {input}
      {schema.description && <small>{schema.description}</small>}
      {issues.map((i, n) => (
        <div key={n} className="je-field-issue" role="alert">
          {i.message}
        </div>
      ))}
    </div>
  );
}

/** A JSON box: the value changes once the text parses; until then the box shows the parse error. */
export function JsonField({ id, value, onChange, readOnly = false, invalid = false, className, label, rows, issues, schema, defs }: {
  id?: string;
  value: unknown;
  onChange: (v: unknown) => void;
  readOnly?: boolean;
  invalid?: boolean;
  className?: string;
  label?: string;
  rows?: number;
  /** Errors at JSON paths of this value, underlined in the editor. */
  issues?: PathIssue[];
  /** The value's schema, for completion. */
  schema?: Schema;
  defs?: Record<string, Schema>;
}) {
  const kind = useContext(JsonEditorKind);
  const shown = value === undefined ? '' : JSON.stringify(value, null, 2);
  const [text, setText] = useState(shown);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setText((current) => {
      try {
        return current.trim() && JSON.stringify(JSON.parse(current)) === JSON.stringify(value) ? current : shown;
      } catch {
        return current;
      }
    });
  }, [shown, value]);
  const edited = (next: string) => {
    setText(next);
    if (!next.trim()) {
      setError(null);
      onChange(undefined);
      return;
    }
    try {
      onChange(JSON.parse(next));
      setError(null);
    } catch (err) {
      setError((err as Error).message);
    }
  };
  const plain = (
    <textarea id={id} className={className} aria-label={label} spellCheck={false} rows={rows ?? Math.min(10, Math.max(2, text.split('\n').length))} value={text} readOnly={readOnly} aria-invalid={invalid || error !== null}
      onChange={(e) => edited(e.target.value)} />
  );
  return (
    <>
      {kind === 'plain' ? (
        plain
      ) : (
        <Suspense fallback={plain}>
          <CodeJson id={id} label={label ?? id ?? 'JSON'} value={text} onChange={edited} readOnly={readOnly} className={className} issues={issues}
            schema={schema ? { root: schema, defs: defs ?? {} } : undefined} />
        </Suspense>
      )}
      {error && <div className="je-field-issue">not JSON yet: {error}</div>}
    </>
  );
}
