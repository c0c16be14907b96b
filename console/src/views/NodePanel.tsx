/** The side panel of a node: its settings, its figures with a daily chart, and who waits there now. */
import { useQuery } from '@tanstack/react-query';
import { lazy, Suspense, useState } from 'react';
import { api, ok } from '../api/client';
import type { JourneyStats } from '../api/types';
import { summaryOf } from '../graph/mapping';
import { href } from '../route';
import { useEscape } from '../keyboard';
import { useSession } from '../session';
import { REFRESH_MS } from './CanvasView';
import { ErrorNote, when } from './common';

const PAGE = 10;
// The chart library loads with the first chart.
const DailyChart = lazy(() => import('../charts/DailyChart'));

export function NodePanel({ journeyId, version, node, stats, onClose }: {
  journeyId: string;
  version: number | null;
  node: Record<string, unknown>;
  stats: JourneyStats | undefined;
  onClose(): void;
}) {
  const id = String(node.id);
  useEscape(true, onClose);
  const figures = stats?.nodes?.find((n) => n.nodeId === id);
  const daily = (stats?.series ?? []).map((d) => ({ date: d.date ?? '', passed: Number((d.nodes as Record<string, { passed?: number }> | undefined)?.[id]?.passed ?? 0) }));
  return (
    <aside className="je-panel" aria-label={`node ${id}`}>
      <header>
        <h2>{typeof node.label === 'string' ? node.label : id}</h2>
        <button type="button" onClick={onClose} aria-label="Close the panel">
          ×
        </button>
      </header>
      <p className="je-dim">
        {String(node.type)} · {id} · {summaryOf(node)}
      </p>
      {figures && (
        <dl className="je-figures">
          <dt>passed</dt>
          <dd>{figures.passed}</dd>
          <dt>waiting now</dt>
          <dd data-testid="panel-waiting">{figures.waiting}</dd>
          <dt>in progress</dt>
          <dd>{figures.inProgress}</dd>
          {Object.entries(figures.branches ?? {}).map(([port, count]) => (
            <FragmentRow key={port} name={`→ ${port}`} value={count} />
          ))}
        </dl>
      )}
      {daily.length > 0 && (
        <Suspense fallback={<p className="je-loading">Loading the chart…</p>}>
          <DailyChart days={daily} />
        </Suspense>
      )}
      <h3>Settings</h3>
      <pre className="je-json">{JSON.stringify(node, null, 2)}</pre>
      {version !== null && <WaitingHere journeyId={journeyId} version={version} nodeId={id} />}
    </aside>
  );
}

function FragmentRow({ name, value }: { name: string; value: number }) {
  return (
    <>
      <dt>{name}</dt>
      <dd>{value}</dd>
    </>
  );
}

/** The customers waiting at the node now (live runs there), a page at a time, each linking to their timeline. */
function WaitingHere({ journeyId, version, nodeId }: { journeyId: string; version: number; nodeId: string }) {
  const session = useSession();
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors.at(-1);
  const page = useQuery({
    queryKey: ['waiting', journeyId, version, nodeId, cursor],
    refetchInterval: REFRESH_MS,
    enabled: session.may('GET /v1/journeys/{journeyId}/enrollments'),
    queryFn: () =>
      ok(
        api.GET('/v1/journeys/{journeyId}/enrollments', {
          params: { path: { journeyId }, query: { node: nodeId, version, limit: PAGE, ...(cursor ? { cursor } : {}) } },
        }),
      ),
  });
  if (!session.may('GET /v1/journeys/{journeyId}/enrollments')) return null;
  return (
    <section>
      <h3>Who is here now</h3>
      {page.isError && <ErrorNote error={page.error} />}
      {page.data && page.data.items.length === 0 && <p className="je-dim">Nobody is at this node now.</p>}
      {page.data && page.data.items.length > 0 && (
        <ul className="je-waiting" data-testid="waiting-list">
          {page.data.items.map((e) => (
            <li key={e.enrollmentId}>
              <a href={href(['customers', e.customerId!])}>{e.customerId}</a> <span className="je-dim">since {when(e.enrolledAt)}</span>
              {e.waitingUntil && <span className="je-dim"> · until {when(e.waitingUntil)}</span>}
            </li>
          ))}
        </ul>
      )}
      <div className="je-pager">
        <button type="button" disabled={cursors.length < 2} onClick={() => setCursors(cursors.slice(0, -1))}>
          Previous
        </button>
        <button type="button" disabled={!page.data?.nextCursor} onClick={() => setCursors([...cursors, page.data!.nextCursor!])}>
          Next
        </button>
      </div>
    </section>
  );
}
