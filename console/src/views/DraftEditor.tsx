/**
 * The draft editor: add nodes from a palette, connect ports by dragging, edit a node in the form
 * generated from its JSON Schema or the whole canvas in the JSON tab. Every change is validated by the
 * API (POST /v1/journeys/validate) and each error is pinned on its node and field. Save keeps the
 * edits when someone else saved meanwhile (revision conflict); publish publishes the saved draft.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { lazy, Suspense, useCallback, useEffect, useMemo, useState } from 'react';
import canvasSchema from '../../../engine/canvas.schema.json';
import { NODE_KINDS } from '../../../engine/nodes/index';
import { api, ApiError, ok } from '../api/client';
import type { JourneyView, Validation } from '../api/types';
import type { PathIssue } from '../editor/CodeJson';
import { JsonField, SchemaForm, type Schema } from '../forms/SchemaForm';
import { pinIssues } from '../graph/issues';
import { JourneyGraph, type GraphEditing } from '../graph/JourneyGraph';
import { href } from '../route';
import { useSession } from '../session';
import { ErrorNote } from './common';
import { TestLaunch, type TestOverlay } from './TestLaunch';
import { addEdge, addNode, removeEdges, removeNodes, replaceNode, type CanvasDoc } from './draft-edits';

// The template renderer (liquidjs) loads with the first action node opened.
const TemplatePreview = lazy(() => import('./TemplatePreview'));
const DEFS = (canvasSchema as { $defs: Record<string, Schema> }).$defs;
const VALIDATE_AFTER_MS = 400;

function useDebounced<T>(value: T, ms: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setDebounced(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return debounced;
}

export function DraftEditor({ journey }: { journey: JourneyView }) {
  const session = useSession();
  const queries = useQueryClient();
  const [canvas, setCanvas] = useState<CanvasDoc>(journey.draft.canvas as CanvasDoc);
  const [revision, setRevision] = useState(journey.draft.revision);
  const [dirty, setDirty] = useState(false);
  const [selected, setSelected] = useState<string>();
  const [tab, setTab] = useState<'settings' | 'json'>('settings');
  const [conflict, setConflict] = useState<number | null>(null);
  const [notice, setNotice] = useState<string>();
  const [testing, setTesting] = useState(false);
  const [tested, setTested] = useState<TestOverlay>({});
  const onTested = useCallback((o: TestOverlay) => setTested(o), []);
  const edit = (next: CanvasDoc) => {
    setCanvas(next);
    setDirty(true);
    setNotice(undefined);
  };

  const toValidate = useDebounced(canvas, VALIDATE_AFTER_MS);
  const validation = useQuery({
    queryKey: ['validate', JSON.stringify(toValidate)],
    placeholderData: (previous) => previous,
    queryFn: async () => (await ok(api.POST('/v1/journeys/validate', { body: toValidate }))) as unknown as Validation,
  });
  const pinned = useMemo(() => pinIssues(toValidate, validation.data?.issues ?? []), [toValidate, validation.data]);
  const journeyLevel = pinned.filter((i) => !i.nodeId);

  const save = useMutation({
    mutationFn: async (base: number) => (await ok(api.PUT('/v1/journeys/{journeyId}/draft', { params: { path: { journeyId: journey.id } }, body: { canvas, revision: base } }))) as unknown as JourneyView,
    onSuccess: (view) => {
      setRevision(view.draft.revision);
      setDirty(false);
      setConflict(null);
      setNotice(`Saved as revision ${view.draft.revision}.`);
      queries.setQueryData(['journey', journey.id], view);
    },
    onError: (err) => {
      const current = (err as ApiError).body as { error?: { currentRevision?: number } } | undefined;
      if (err instanceof ApiError && err.code === 'draft_conflict') setConflict(current?.error?.currentRevision ?? null);
    },
  });
  const publish = useMutation({
    mutationFn: () => ok(api.POST('/v1/journeys/{journeyId}/publish', { params: { path: { journeyId: journey.id } }, body: { revision } })),
    onSuccess: async (answer) => {
      const a = answer as unknown as { version?: number; requestId?: string };
      await queries.invalidateQueries({ queryKey: ['journey', journey.id] });
      await queries.invalidateQueries({ queryKey: ['versions', journey.id] });
      if (a.version) window.location.hash = href(['journeys', journey.id], { version: a.version });
      else setNotice(`Publish request ${a.requestId ?? ''} is waiting for another key's approval (four-eyes).`);
    },
  });

  const editing: GraphEditing = {
    onConnect: (from, port, to) => edit(addEdge(canvas, from, port, to)),
    onDeleteEdges: (edges) => edit(removeEdges(canvas, edges)),
    onDeleteNodes: (ids) => {
      edit(removeNodes(canvas, ids));
      setSelected(undefined);
    },
  };
  const nodes = (canvas.nodes ?? []) as Record<string, unknown>[];
  const node = nodes.find((n) => n.id === selected);
  const valid = validation.data?.valid === true;
  const canPublish = journey.allowedActions.includes('publish') && session.may('POST /v1/journeys/{journeyId}/publish');
  return (
    <div className="je-editor">
      <div className="je-editor-bar">
        <div className="je-palette" aria-label="palette">
          {NODE_KINDS.map((k) => (
            <button key={k.type} type="button" title={k.purpose} onClick={() => {
              const next = addNode(canvas, k.type);
              edit(next);
              setSelected(String((next.nodes as Record<string, unknown>[]).at(-1)!.id));
            }}>
              + {k.type}
            </button>
          ))}
        </div>
        <span className={`je-validity ${validation.data?.valid ? 'ok' : 'bad'}`} data-testid="validity">
          {validation.isFetching && !validation.data ? 'validating…' : validation.data?.valid ? 'valid' : `${validation.data?.issues.length ?? 0} error(s)`}
        </span>
        <span className="je-dim">revision {revision}{dirty ? ' · unsaved changes' : ''}</span>
        <button type="button" disabled={!dirty || save.isPending} onClick={() => save.mutate(revision)}>
          Save
        </button>
        <button type="button" aria-expanded={testing} title={dirty ? 'tests the saved draft: save first to test your edits' : ''} onClick={() => setTesting(!testing)}>
          Test before launch
        </button>
        {canPublish && (
          <button type="button" disabled={dirty || !valid || publish.isPending} title={dirty ? 'save first' : valid ? '' : 'fix the errors first'} onClick={() => publish.mutate()}>
            Publish
          </button>
        )}
      </div>
      {notice && <div className="je-notice" role="status">{notice}</div>}
      {conflict !== null && (
        <div className="je-error" role="alert">
          Someone saved this draft meanwhile (it is now at revision {conflict}). Your changes are still here.{' '}
          <button type="button" onClick={() => save.mutate(conflict)}>Overwrite with my version</button>{' '}
          <button type="button" onClick={() => window.location.reload()}>Discard mine and load theirs</button>
        </div>
      )}
      {save.isError && conflict === null && <ErrorNote error={save.error} />}
      {publish.isError && <ErrorNote error={publish.error} />}
      {validation.isError && <ErrorNote error={validation.error} />}
      {testing && (
        <TestLaunch
          journeyId={journey.id}
          source="draft"
          canvas={canvas}
          onOverlay={onTested}
          onClose={() => {
            setTesting(false);
            setTested({});
          }}
        />
      )}
      {journeyLevel.length > 0 && (
        <ul className="je-journey-issues" role="alert">
          {journeyLevel.map((i, n) => (
            <li key={n}>
              <code>{i.path}</code> {i.message}
            </li>
          ))}
        </ul>
      )}
      <div className="je-canvas-layout">
        <JourneyGraph canvas={canvas} overlay={{ issues: pinned, ...tested }} selected={selected} onSelect={setSelected} editing={editing} />
        <aside className="je-panel" aria-label="editor panel">
          <div className="je-tabs" role="tablist">
            <button role="tab" aria-selected={tab === 'settings'} type="button" onClick={() => setTab('settings')}>
              Node settings
            </button>
            <button role="tab" aria-selected={tab === 'json'} type="button" onClick={() => setTab('json')}>
              JSON
            </button>
          </div>
          {tab === 'settings' &&
            (node ? (
              <>
                <h2>{String(node.label ?? node.id)}</h2>
                <SchemaForm
                  schema={DEFS[String(node.type)] ?? { type: 'object' }}
                  defs={DEFS}
                  value={node}
                  onChange={(next) => edit(replaceNode(canvas, String(node.id), next))}
                  issues={pinned.filter((i) => i.nodeId === node.id)}
                />
                {node.type === 'action' && (
                  <Suspense fallback={null}>
                    <TemplatePreview node={node} journey={{ id: journey.id, name: String(canvas.name ?? journey.name) }} />
                  </Suspense>
                )}
                <button type="button" onClick={() => editing.onDeleteNodes([String(node.id)])}>
                  Delete this node
                </button>
              </>
            ) : (
              <p className="je-dim">Click a node to edit its settings; drag from a port on the right of a node to another node to connect them; select an edge and press Delete to remove it.</p>
            ))}
          {tab === 'json' && <CanvasJson canvas={canvas} onChange={edit} issues={validation.data?.issues ?? []} />}
        </aside>
      </div>
    </div>
  );
}

/** The whole canvas as JSON: every validation error underlined at its path, completion from the canvas schema. */
function CanvasJson({ canvas, onChange, issues }: { canvas: CanvasDoc; onChange(c: CanvasDoc): void; issues: PathIssue[] }) {
  return (
    <JsonField className="je-json-editor" label="canvas JSON" value={canvas} onChange={(v) => v !== undefined && onChange(v as CanvasDoc)} issues={issues}
      schema={canvasSchema as Schema} defs={DEFS} />
  );
}
