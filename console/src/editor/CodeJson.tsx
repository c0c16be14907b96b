/**
 * A CodeMirror 6 JSON editor (its own chunk, loaded with the first JSON box): syntax colours, bracket
 * matching, JSON parse errors underlined as you type, the API's validation errors underlined at their
 * JSON paths, and completion of property names and values from the canvas JSON Schema.
 */
import { autocompletion, closeBrackets, type CompletionContext, type CompletionResult } from '@codemirror/autocomplete';
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { json, jsonParseLinter } from '@codemirror/lang-json';
import { bracketMatching, syntaxHighlighting, defaultHighlightStyle, syntaxTree } from '@codemirror/language';
import { lintGutter, linter, type Diagnostic } from '@codemirror/lint';
import { Compartment, EditorState } from '@codemirror/state';
import { EditorView, keymap, lineNumbers } from '@codemirror/view';
import { useEffect, useRef } from 'react';
import type { Schema } from '../forms/SchemaForm';
import { cursorContext, parsePath, rangeOfPath, schemaOptions } from './json-paths';

/** A validation error at a JSON path of this document (`$` is the document itself). */
export interface PathIssue {
  path: string;
  message: string;
}

export interface CodeJsonProps {
  value: string;
  onChange(text: string): void;
  label: string;
  id?: string;
  issues?: PathIssue[];
  /** Completes from this schema (the canvas schema, or one of its $defs). */
  schema?: { root: Schema; defs: Record<string, Schema> };
  readOnly?: boolean;
  className?: string;
}

/** Diagnostics for the API's issues, each underlined where its path points. */
export function issueDiagnostics(view: EditorView, issues: PathIssue[]): Diagnostic[] {
  const text = view.state.doc.toString();
  const tree = syntaxTree(view.state);
  return issues.map((i) => {
    const { from, to } = rangeOfPath(tree, text, parsePath(i.path));
    return { from, to: Math.max(to, from + 1), severity: 'error', message: `${i.path}: ${i.message}` };
  });
}

function schemaCompletion(schema: NonNullable<CodeJsonProps['schema']>) {
  return (context: CompletionContext): CompletionResult | null => {
    const word = context.matchBefore(/"[^"]*|[\w$]*/);
    if (!word || (word.from === word.to && !context.explicit)) return null;
    const ctx = cursorContext(syntaxTree(context.state), context.state.doc.toString(), context.pos);
    if (!ctx) return null;
    const options = schemaOptions(schema.root, schema.defs, ctx);
    if (options.length === 0) return null;
    // Replace the whole string being typed, quotes included.
    const after = context.state.sliceDoc(context.pos, context.pos + 1) === '"' ? 1 : 0;
    return {
      from: word.from,
      to: context.pos + after,
      options: options.map((o) => ({ label: o.label, detail: o.detail, info: o.info, apply: o.apply, type: ctx.inKey ? 'property' : 'enum' })),
      validFor: /^"?[\w$]*$/,
    };
  };
}

export default function CodeJson({ value, onChange, label, id, issues = [], schema, readOnly = false, className }: CodeJsonProps) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView>(null);
  const onChangeRef = useRef(onChange);
  onChangeRef.current = onChange;
  const issuesRef = useRef(issues);
  const lint = useRef(new Compartment());

  useEffect(() => {
    const v = new EditorView({
      parent: host.current!,
      state: EditorState.create({
        doc: value,
        extensions: [
          lineNumbers(),
          history(),
          bracketMatching(),
          closeBrackets(),
          syntaxHighlighting(defaultHighlightStyle),
          json(),
          lintGutter(),
          linter(jsonParseLinter(), { delay: 200 }),
          lint.current.of(linter((ev) => issueDiagnostics(ev, issuesRef.current), { delay: 0 })),
          ...(schema ? [autocompletion({ override: [schemaCompletion(schema)] })] : []),
          // Tab indents; Escape then Tab leaves the editor (CodeMirror's own escape hatch for keyboard users).
          keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
          EditorState.readOnly.of(readOnly),
          EditorView.contentAttributes.of({ 'aria-label': label, ...(id ? { id } : {}) }),
          EditorView.updateListener.of((u) => u.docChanged && onChangeRef.current(u.state.doc.toString())),
        ],
      }),
    });
    view.current = v;
    return () => v.destroy();
    // The editor is made once; value and issues are pushed into it below.
  }, []);

  useEffect(() => {
    const v = view.current;
    if (v && v.state.doc.toString() !== value) v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: value } });
  }, [value]);

  useEffect(() => {
    issuesRef.current = issues;
    // A fresh linter instance runs at once with the new issues.
    view.current?.dispatch({ effects: lint.current.reconfigure(linter((ev) => issueDiagnostics(ev, issuesRef.current), { delay: 0 })) });
  }, [JSON.stringify(issues)]);

  return <div ref={host} className={`je-code ${className ?? ''}`} data-testid="code-json" />;
}
