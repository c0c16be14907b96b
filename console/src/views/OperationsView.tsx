/** Operations: is the system healthy (PostgreSQL, Temporal), and which runs are stuck, with why. */
import { useQuery } from '@tanstack/react-query';
import { api, ok } from '../api/client';
import type { StuckRun } from '../api/types';
import { href } from '../route';
import { useSession } from '../session';
import { Empty, ErrorNote, Loading, when } from './common';

const REFRESH_MS = 5_000;

/** Each stuck reason in words, with what to look at. */
export const STUCK_REASONS: Record<StuckRun['reason'], string> = {
  wait_overdue: 'its wait ended but the run has not moved on: is a worker running?',
  never_started: 'enrolled but its workflow never started: check the Temporal connection and the recovery sweeper',
  no_progress: 'active, not waiting, and no step for a long time: an activity may be retrying',
};

export function OperationsView() {
  const session = useSession();
  const health = useQuery({
    queryKey: ['health'],
    refetchInterval: REFRESH_MS,
    queryFn: async () => (await ok(api.GET('/health'))) as unknown as { status: string; database: string; temporal: string },
  });
  const stuck = useQuery({
    queryKey: ['stuck-runs'],
    refetchInterval: REFRESH_MS,
    enabled: session.may('GET /v1/operations/stuck-runs'),
    queryFn: async () =>
      (await ok(api.GET('/v1/operations/stuck-runs', { params: { query: { limit: 100 } } }))),
  });
  return (
    <section>
      <div className="je-toolbar">
        <h1>Operations</h1>
        <span className="je-dim">refreshed every {REFRESH_MS / 1000} s</span>
      </div>
      <h2>Health</h2>
      {health.isPending && <Loading what="the health" />}
      {health.isError && <ErrorNote error={health.error} action="A dependency is down: the API answers 503 until PostgreSQL and Temporal are both reachable." />}
      {health.data && (
        <dl className="je-figures" data-testid="health">
          <dt>overall</dt>
          <dd>
            <span className={`je-state state-${health.data.status === 'ok' ? 'active' : 'failed'}`}>{health.data.status}</span>
          </dd>
          <dt>PostgreSQL</dt>
          <dd>{String(health.data.database)}</dd>
          <dt>Temporal</dt>
          <dd>{String(health.data.temporal)}</dd>
        </dl>
      )}
      <h2>Stuck runs</h2>
      {stuck.isPending && <Loading what="the stuck runs" />}
      {stuck.isError && <ErrorNote error={stuck.error} />}
      {stuck.data && (
        <p className="je-dim">
          Counted as stuck: a wait more than {stuck.data.thresholds.graceSeconds} s overdue, pending over {stuck.data.thresholds.pendingSeconds} s, or no step for{' '}
          {stuck.data.thresholds.olderThanSeconds} s.
        </p>
      )}
      {stuck.data && stuck.data.items.length === 0 && <Empty>No stuck run: every live run is waiting on schedule or moving.</Empty>}
      {stuck.data && stuck.data.items.length > 0 && (
        <table className="je-table" data-testid="stuck-runs">
          <thead>
            <tr>
              <th>Customer</th>
              <th>Journey</th>
              <th>At</th>
              <th>Stuck since</th>
              <th>Why</th>
            </tr>
          </thead>
          <tbody>
            {stuck.data.items.map((r) => (
              <tr key={r.enrollmentId}>
                <td>
                  <a href={href(['customers', r.customerId])}>{r.customerId}</a>
                </td>
                <td>
                  <a href={href(['journeys', r.journeyId])}>{r.journeyId}</a> <span className="je-dim">{r.versionId}</span>
                </td>
                <td>{r.currentNode ?? '—'}</td>
                <td>{when(r.stuckSince)}</td>
                <td>
                  <b>{r.reason}</b>: {STUCK_REASONS[r.reason]}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
