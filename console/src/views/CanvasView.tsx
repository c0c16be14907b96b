/**
 * One journey: the canvas of a version (with live figures refreshed every few seconds) or of the
 * draft, a version picker, a diff against another version, the node side panel, and the draft editor.
 */
import { useQuery } from '@tanstack/react-query';
import { useCallback, useMemo, useState } from 'react';
import { api, ok } from '../api/client';
import type { CanvasDiffAnswer, JourneyStats, JourneyView, VersionDetail, VersionSummary } from '../api/types';
import { JourneyGraph } from '../graph/JourneyGraph';
import { edgeId, figuresByNode, type DiffMark, type Overlay } from '../graph/mapping';
import { href } from '../route';
import { useSession } from '../session';
import { DraftEditor } from './DraftEditor';
import { Lifecycle } from './Lifecycle';
import { NodePanel } from './NodePanel';
import { PublishRequests } from './PublishRequests';
import { TestLaunch, type TestOverlay } from './TestLaunch';
import { ErrorNote, Loading } from './common';

/** How often the live figures are fetched again. */
export const REFRESH_MS = 3_000;

export default function CanvasView({ journeyId, mode, query }: { journeyId: string; mode: 'view' | 'edit'; query: URLSearchParams }) {
  const session = useSession();
  const journey = useQuery({
    queryKey: ['journey', journeyId],
    queryFn: async () => (await ok(api.GET('/v1/journeys/{journeyId}', { params: { path: { journeyId } } }))) as unknown as JourneyView,
  });
  const versions = useQuery({
    queryKey: ['versions', journeyId],
    queryFn: async () => (await ok(api.GET('/v1/journeys/{journeyId}/versions', { params: { path: { journeyId }, query: { limit: 200 } } }))) as unknown as { items: VersionSummary[] },
  });
  if (journey.isPending) return <Loading what={`journey ${journeyId}`} />;
  if (journey.isError) return <ErrorNote error={journey.error} action="Go back to the journeys list and pick another." />;
  const j = journey.data;
  const chosen = query.get('version');
  const version = chosen === 'draft' ? null : chosen ? Number(chosen) : (j.activeVersion ?? null);
  const canEdit = j.allowedActions.includes('edit_draft') && session.may('PUT /v1/journeys/{journeyId}/draft');
  return (
    <section className="je-journey">
      <div className="je-toolbar">
        <h1>
          <a href={href(['journeys'])}>Journeys</a> / {j.name}
        </h1>
        <span className={`je-state state-${j.status}`}>{j.status}</span>
        {mode === 'view' && (
          <label>
            Version{' '}
            <select aria-label="Version" value={version ?? 'draft'} onChange={(e) => (window.location.hash = href(['journeys', journeyId], { version: e.target.value }))}>
              <option value="draft">draft (revision {j.draft.revision})</option>
              {(versions.data?.items ?? []).map((v) => (
                <option key={v.version} value={v.version}>
                  v{v.version}
                  {v.isActiveVersion ? ' (active)' : ''}
                </option>
              ))}
            </select>
          </label>
        )}
        {mode === 'view' && canEdit && <a className="je-button" href={href(['journeys', journeyId, 'edit'])}>Edit draft</a>}
        {mode === 'edit' && <a className="je-button" href={href(['journeys', journeyId])}>Back to the live view</a>}
        <Lifecycle journey={j} />
      </div>
      <PublishRequests journeyId={journeyId} />
      {mode === 'edit' ? (
        canEdit ? <DraftEditor journey={j} /> : <ErrorNote error={new Error(`This draft cannot be edited: the journey is ${j.status}, or your role (${session.role}) may not edit drafts.`)} />
      ) : version === null ? (
        <VersionCanvas journeyId={journeyId} canvas={j.draft.canvas} version={null} compareTo={query.get('compare')} />
      ) : (
        <PublishedCanvas journeyId={journeyId} version={version} compareTo={query.get('compare')} />
      )}
    </section>
  );
}

function PublishedCanvas({ journeyId, version, compareTo }: { journeyId: string; version: number; compareTo: string | null }) {
  const detail = useQuery({
    queryKey: ['version', journeyId, version],
    staleTime: Infinity,
    queryFn: async () => (await ok(api.GET('/v1/journeys/{journeyId}/versions/{version}', { params: { path: { journeyId, version: String(version) } } }))) as unknown as VersionDetail,
  });
  if (detail.isPending) return <Loading what={`version ${version}`} />;
  if (detail.isError) return <ErrorNote error={detail.error} />;
  return <VersionCanvas journeyId={journeyId} canvas={detail.data.canvas} version={version} compareTo={compareTo} />;
}

function VersionCanvas({ journeyId, canvas, version, compareTo }: { journeyId: string; canvas: Record<string, unknown>; version: number | null; compareTo: string | null }) {
  const [selected, setSelected] = useState<string>();
  const [testing, setTesting] = useState(false);
  const [tested, setTested] = useState<TestOverlay>({});
  const onTested = useCallback((o: TestOverlay) => setTested(o), []);
  const stats = useQuery({
    queryKey: ['stats', journeyId, version],
    enabled: version !== null,
    refetchInterval: REFRESH_MS,
    queryFn: () => ok(api.GET('/v1/journeys/{journeyId}/stats', { params: { path: { journeyId }, query: { version: version! } } })),
  });
  const diff = useQuery({
    queryKey: ['diff', journeyId, compareTo, version],
    enabled: compareTo !== null,
    queryFn: async () =>
      (await ok(
        api.GET('/v1/journeys/{journeyId}/versions/{from}/diff/{to}', { params: { path: { journeyId, from: compareTo!, to: version === null ? 'draft' : String(version) } } }),
      )) as unknown as CanvasDiffAnswer,
  });
  const overlay = useMemo<Overlay>(() => {
    const marks: Record<string, DiffMark> = {};
    const d = diff.data?.diff;
    for (const n of d?.nodes.added ?? []) marks[n.id] = 'added';
    for (const n of d?.nodes.changed ?? []) marks[n.id] = 'changed';
    return {
      ...(stats.data ? { figures: figuresByNode(stats.data), entered: stats.data.totals?.entered ?? 0 } : {}),
      ...(d ? { diff: { nodes: marks, addedEdges: new Set(d.edges.added.map((e) => edgeId(e.from, e.port, e.to))) } } : {}),
      ...tested,
    };
  }, [stats.data, diff.data, tested]);
  const node = selected ? (canvas.nodes as Record<string, unknown>[] | undefined)?.find((n) => n.id === selected) : undefined;
  return (
    <>
      {version !== null && <Totals stats={stats.data} error={stats.error} />}
      <CompareBar journeyId={journeyId} version={version} compareTo={compareTo} diff={diff.data}>
        <button type="button" aria-expanded={testing} onClick={() => setTesting(!testing)}>
          Test before launch
        </button>
      </CompareBar>
      {testing && (
        <TestLaunch
          journeyId={journeyId}
          source={version === null ? 'draft' : { version }}
          canvas={canvas}
          onOverlay={onTested}
          onClose={() => {
            setTesting(false);
            setTested({});
          }}
        />
      )}
      <div className="je-canvas-layout">
        <JourneyGraph canvas={canvas} overlay={overlay} selected={selected} onSelect={setSelected} />
        {node && <NodePanel journeyId={journeyId} version={version} node={node} stats={stats.data} onClose={() => setSelected(undefined)} />}
      </div>
    </>
  );
}

function Totals({ stats, error }: { stats: JourneyStats | undefined; error: unknown }) {
  if (error) return <ErrorNote error={error} />;
  if (!stats) return <p className="je-loading">Loading the figures…</p>;
  const t = stats.totals ?? {};
  const goal = (t.exits ?? []).filter((e) => e.status === 'converted').reduce((s, e) => s + (e.count ?? 0), 0);
  return (
    <div className="je-totals" data-testid="totals" aria-live="polite">
      <span>
        entered <b data-testid="total-entered">{t.entered ?? 0}</b>
      </span>
      <span>
        waiting now <b data-testid="total-waiting">{t.waiting ?? 0}</b>
      </span>
      <span>
        in progress <b>{t.inProgress ?? 0}</b>
      </span>
      <span>
        reached the goal <b>{goal}</b>
        {t.conversionRate !== null && t.conversionRate !== undefined ? ` (${(t.conversionRate * 100).toFixed(1)}%)` : ''}
      </span>
      {(t.exits ?? [])
        .filter((e) => e.status !== 'converted')
        .map((e) => (
          <span key={`${e.status}-${e.reason}`}>
            {e.status}
            {e.reason ? ` (${e.reason})` : ''} <b>{e.count}</b>
          </span>
        ))}
      <span className="je-dim">refreshed every {REFRESH_MS / 1000} s</span>
    </div>
  );
}

function CompareBar({ journeyId, version, compareTo, diff, children }: { journeyId: string; version: number | null; compareTo: string | null; diff: CanvasDiffAnswer | undefined; children?: React.ReactNode }) {
  const here = version === null ? 'draft' : String(version);
  const d = diff?.diff;
  return (
    <div className="je-compare">
      <label>
        Compare with{' '}
        <select aria-label="Compare with" value={compareTo ?? ''} onChange={(e) => (window.location.hash = href(['journeys', journeyId], { version: here, compare: e.target.value || undefined }))}>
          <option value="">(nothing)</option>
          <option value="active">the active version</option>
          {version !== null && version > 1 && <option value={String(version - 1)}>v{version - 1}</option>}
        </select>
      </label>
      {d && (
        <span data-testid="diff-summary">
          {d.identical
            ? 'no difference'
            : `${d.nodes.added.length} added, ${d.nodes.changed.length} changed, ${d.nodes.removed.length} removed${d.nodes.removed.length ? ` (${d.nodes.removed.map((n) => n.id).join(', ')})` : ''}`}
        </span>
      )}
      {children}
    </div>
  );
}
